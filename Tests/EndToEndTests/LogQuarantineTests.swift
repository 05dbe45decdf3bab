import EventLog
import Foundation
import Testing
import XSellCore

/// Issue 9 item 1: `xsell log quarantine` finds the records of an existing log dated in the
/// future (written before ingest refused them) and, with --apply, moves them out of the log.
@Suite("xsell log quarantine")
struct LogQuarantineTests {
    @Test func findsAndMovesOutFutureDatedRecords() throws {
        let data = ReportFixtures.dataDirectory("quarantine")
        defer { try? FileManager.default.removeItem(atPath: data) }
        var events = ReportFixtures.handComputedExperiment()
        let poisoned = DomainEvent.interaction(InteractionEvent(
            eventId: "poison-9999", occurredAt: try #require(Timestamp(rfc3339: "9999-12-31T00:00:00Z")),
            customerId: "c-poison", offerId: "high-yield-savings", channel: "email", outcome: .click))
        events.insert(poisoned, at: events.count / 2)
        try ReportFixtures.writeLog(events, dataDirectory: data)
        try FileManager.default.createDirectory(atPath: data + "/snapshots", withIntermediateDirectories: true)

        let listed = try ReportFixtures.runXSell(["log", "quarantine", "--data-dir", data])
        #expect(listed.contains("event poison-9999: occurredAt 9999-12-31T00:00:00"), "\(listed)")
        #expect(listed.contains("1 records dated after"), "\(listed)")
        #expect(LogFiles.count(data + "/log") == UInt64(events.count), "listing changes nothing")

        let applied = try ReportFixtures.runXSell(["log", "quarantine", "--apply", "--data-dir", data])
        #expect(applied.contains("quarantined 1 records"), "\(applied)")
        let records = try LogFiles.records(data + "/log")
        #expect(records.map(\.eventId) == events.map(\.eventId).filter { $0 != "poison-9999" })
        let quarantine = data + "/quarantine"
        let files = try FileManager.default.contentsOfDirectory(atPath: quarantine)
        let lines = try #require(files.first { $0.hasSuffix(".jsonl") })
        let text = try String(contentsOfFile: quarantine + "/" + lines, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 1 && text.contains("poison-9999"))
        let backup = try #require(files.first { $0.hasPrefix("backup-") })
        #expect(LogFiles.count(quarantine + "/" + backup + "/log") == UInt64(events.count))
        #expect(FileManager.default.fileExists(atPath: quarantine + "/" + backup + "/snapshots"))
        #expect(!FileManager.default.fileExists(atPath: data + "/snapshots"))
        let verified = try ReportFixtures.runXSell(["log", "verify", "--data-dir", data])
        #expect(verified.contains("\(events.count - 1) records"), "\(verified)")
    }
}
