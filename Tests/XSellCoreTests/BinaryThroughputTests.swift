import Foundation
import Testing
import XSellCore

/// Rough throughput check; meaningful only in release (`swift test -c release`), so it asserts
/// nothing and just reports.
@Suite struct BinaryThroughputTests {
    @Test func decodeThroughput() throws {
        let events: [DomainEvent] = [
            .interaction(InteractionEvent(eventId: "i-000001", occurredAt: Timestamp(millisecondsSinceEpoch: 1_714_564_800_000),
                                          customerId: "cust_000042", offerId: "rewards-credit-card", recommendationId: "rec-0001",
                                          channel: "in_app", outcome: .conversion, conversionValue: 90)),
            .profile(ProfileEvent(eventId: "p-000001", customerId: "cust_000042", occurredAt: Timestamp(millisecondsSinceEpoch: 1),
                                  attributes: ["tenureMonths": .integer(36), "tier": .string("premium"), "hasSavings": .boolean(false)])),
        ]
        for event in events {
            let bytes = event.binaryEncoded()
            let n = 100_000
            let start = Date()
            var sink = 0
            try bytes.withUnsafeBytes { buf in
                for _ in 0..<n { sink &+= try DomainEvent(binary: buf).eventId.utf8.count }
            }
            let rate = Double(n) / Date().timeIntervalSince(start)
            print("binary decode \(event.topic.rawValue): \(Int(rate)) events/s (\(bytes.count) bytes, sink \(sink))")
        }
        let json = EventCodec.encode(events[0])
        let start = Date()
        for _ in 0..<20_000 { _ = try EventCodec.decode(topic: "interaction.recorded.v1", value: json, schema: nil) }
        print("JSON decode+validate interaction: \(Int(20_000 / Date().timeIntervalSince(start))) events/s")
    }
}
