import Testing
@testable import XSellCore

@Suite struct BinaryCodecTests {
    @Test(arguments: Fixtures.allEvents)
    func roundTrip(event: DomainEvent) throws {
        let bytes = event.binaryEncoded()
        #expect(bytes.first == DomainEvent.binaryFormatVersion)
        #expect(try DomainEvent(binary: bytes) == event)
        #expect(try DomainEvent(binary: bytes).binaryEncoded() == bytes)
    }

    @Test func readsFormatOneDecisionsWithoutRequestIdOrFingerprint() throws {
        guard case .decision(var d) = Fixtures.decision else { Issue.record("fixture is not a decision"); return }
        d.requestId = nil
        d.configFingerprint = nil
        var bytes = DomainEvent.decision(d).binaryEncoded()
        #expect(bytes.removeLast() == 0)  // the format-2 flags byte: neither field
        bytes[0] = 1
        #expect(try DomainEvent(binary: bytes) == .decision(d))
    }

    @Test func extremeValues() throws {
        let e = DomainEvent.profile(ProfileEvent(
            eventId: String(repeating: "é", count: 300), customerId: "", occurredAt: Timestamp(millisecondsSinceEpoch: .min),
            attributes: ["i": .integer(.max), "j": .integer(.min), "d": .decimal(-0.0), "n": .decimal(.infinity)]))
        #expect(try DomainEvent(binary: e.binaryEncoded()) == e)
    }

    @Test func isCompact() {
        #expect(Fixtures.interaction.binaryEncoded().count < EventCodec.encode(Fixtures.interaction).count / 2)
    }

    @Test func rejectsTruncatedAndCorrupt() {
        for event in Fixtures.allEvents {
            let bytes = event.binaryEncoded()
            for cut in 0..<bytes.count {
                #expect(throws: BinaryDecodingError.self) { try DomainEvent(binary: Array(bytes[..<cut])) }
            }
            #expect(throws: BinaryDecodingError.self) { try DomainEvent(binary: bytes + [0]) }
        }
        #expect(throws: BinaryDecodingError(offset: 0, message: "unsupported binary format 3")) {
            try DomainEvent(binary: [3, 1])
        }
        #expect(throws: BinaryDecodingError(offset: 1, message: "unknown event kind 9")) {
            try DomainEvent(binary: [1, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        }
    }
}
