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

/// Issue 9 item 7: ingest skips a message at or below the log's highest offset of its
/// partition as a re-read. Against a new broker (or recreated topics) offsets restart, and
/// that rule used to drop new events silently; now ingest refuses with a clear message and
/// ingests them under `--accept-offset-reset`.
@Suite("Ingest end to end: offsets that restart", .timeLimit(.minutes(4)))
struct IngestOffsetResetTests {
    @Test("a second broker with restarted offsets: refused (exit 1, message), then ingested with --accept-offset-reset")
    func offsetsGoingBackwards() async throws {
        let scratch = try ScratchDirectory("offset-reset")
        defer { scratch.remove() }
        let data = scratch.path + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        func events(_ name: String, on broker: IngestBroker) async throws -> [String] {
            let ids = (0..<60).map { "\(name)-\($0)" }
            let producer = try broker.producer()
            _ = try await producer.publish(ids.enumerated().map { index, id in
                // One partition, so the second broker's offsets sit below the first one's highest.
                IngestFixtures.message(
                    .profile, key: "c-\(index)", value: IngestFixtures.profile(id: id, customer: "c-\(index)"), partition: 0)
            })
            try await producer.close()
            return ids
        }

        let first = try await IngestBroker.start(.mock, scratch: scratch)
        let firstIds = try await events("first", on: first)
        let ingest1 = try IngestProcess.start(broker: first, dataDirectory: data)
        try await eventually("60 records") { LogFiles.count(ingest1.logDirectory) >= 60 }
        #expect(try await ingest1.stop() == ChildProcess.Exit(status: 0, bySignal: false))
        await first.shutdown()

        let second = try await IngestBroker.start(.mock, scratch: scratch)
        let secondIds = try await events("second", on: second)
        let refused = try IngestProcess.start(broker: second, dataDirectory: data)
        let exit = try await refused.child.waitForExit(timeout: .seconds(60))
        #expect(exit == ChildProcess.Exit(status: 1, bySignal: false), "\(refused.child.outputTail())")
        #expect(refused.child.outputTail().contains("--accept-offset-reset"), "\(refused.child.outputTail())")
        #expect(LogFiles.count(data + "/log") == 60)

        let accepted = try IngestProcess.start(broker: second, dataDirectory: data, extraArguments: ["--accept-offset-reset"])
        try await eventually("120 records") { LogFiles.count(accepted.logDirectory) >= 120 }
        #expect(try await accepted.stop() == ChildProcess.Exit(status: 0, bySignal: false))
        #expect(try LogFiles.records(data + "/log").map(\.eventId).sorted() == (firstIds + secondIds).sorted())
        await second.shutdown()
    }
}
