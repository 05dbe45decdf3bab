#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EventLog
import Foundation
import KafkaClient
import Testing
import XSellCore
import XSellTestSupport

/// DESIGN property 1 under crashes: `xsell ingest` killed with SIGKILL at varied moments while
/// a producer publishes, restarted each time, ends with every event in the log exactly once.
@Suite("Ingest end to end: kill -9 while publishing", .timeLimit(.minutes(5)))
struct IngestCrashTests {
    static let eventCount = 5_000
    /// The producer stays at most this many events ahead of the log, so publishing goes on
    /// across the crashes instead of finishing before the first one.
    static let window = 1_200
    /// Kill each ingest process once the log has grown by this many records since it started:
    /// right after its first append (before or during its commit), or further into the stream.
    static let killAfterGrowth: [UInt64] = [1, 450, 1, 900]

    @Test("SIGKILL 4 times while publishing 5,000 events: each event once, log verify passes",
          arguments: BrokerKind.available)
    func crashAndRestart(kind: BrokerKind) async throws {
        try await IngestTestContext.run(kind, "ingest-crash") { context in
            let label = context.label
            let logDirectory = context.dataDirectory + "/log"
            let producer = try context.broker.producer()
            let ids = (0..<Self.eventCount).map { "\(label)-\($0)" }
            let publisher = Task {
                let chunk = 250
                for start in stride(from: 0, to: ids.count, by: chunk) {
                    let allowed = UInt64(max(0, start + chunk - Self.window))
                    try await eventually("the log to reach \(allowed) before publishing more", timeout: .seconds(180)) {
                        LogFiles.count(logDirectory) >= allowed
                    }
                    _ = try await producer.publish(ids[start..<min(start + chunk, ids.count)].enumerated().map { offset, id in
                        let customer = "\(label)-cust-\((start + offset) % 97)"
                        return IngestFixtures.message(
                            .interaction, key: customer, value: IngestFixtures.interaction(id: id, customer: customer))
                    })
                }
            }

            var crashes: [(point: UInt64, logged: UInt64)] = []
            for growth in Self.killAfterGrowth {
                let point = LogFiles.count(logDirectory) + growth
                let ingest = try context.startIngest()
                try await eventually("the log to reach \(point) before crash \(crashes.count + 1)") {
                    LogFiles.count(logDirectory) >= point
                }
                let exit = try await ingest.crash()
                #expect(exit == ChildProcess.Exit(status: SIGKILL, bySignal: true))
                crashes.append((point, LogFiles.count(logDirectory)))
            }
            #expect(crashes.count >= 3)
            print("[\(label)] \(kind): crashes at (kill point, log records): \(crashes)")

            let last = try context.startIngest()
            try await withTimeout(.seconds(180), "the publisher") { try await publisher.value }
            let markers = try await publishPartitionMarkers(producer, label: label)
            try await producer.close()
            let expected = ids + markers
            try await eventually("all \(expected.count) events in the log", timeout: .seconds(180)) {
                LogFiles.count(logDirectory) >= UInt64(expected.count)
            }
            #expect(try await last.stop() == ChildProcess.Exit(status: 0, bySignal: false))

            let records = try LogFiles.records(logDirectory)
            var seen: [String: Int] = [:]
            for record in records { seen[record.eventId, default: 0] += 1 }
            let duplicated = seen.filter { $0.value > 1 }.keys.sorted()
            let missing = expected.filter { seen[$0] == nil }
            #expect(duplicated.isEmpty, "duplicated: \(duplicated.prefix(10)) (\(duplicated.count))")
            #expect(missing.isEmpty, "missing: \(missing.prefix(10)) (\(missing.count))")
            #expect(records.count == expected.count, "crashes at (point, log size): \(crashes)")
            for record in records where (try? DomainEvent(binary: record.payload))?.eventId != record.eventId {
                Issue.record("record \(record.position) does not decode to \(record.eventId)")
            }

            let verify = try ChildProcess(
                executable: try PackagePaths.xsell(),
                arguments: ["log", "verify", "--data-dir", context.dataDirectory],
                outputPath: context.scratch.path + "/verify.out")
            #expect(try await verify.waitForExit(timeout: .seconds(60)) == ChildProcess.Exit(status: 0, bySignal: false))
            #expect(verify.outputTail().contains("\(expected.count) records"), "\(verify.outputTail())")
        }
    }
}
