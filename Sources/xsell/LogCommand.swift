import ArgumentParser
import EventLog
import Foundation
import Runtime
import XSellCore

/// `xsell log …`.
struct Log: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Check, print and clean the event log.",
        subcommands: [Verify.self, Dump.self, Quarantine.self]
    )

    /// `xsell log verify`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every record of the log (CRC and payload); non-zero exit on corruption.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let directory = CommandSetup.logDirectory(common)
            var undecodable = 0
            let records = try EventLogReader(directory: directory).forEachRecord { record in
                guard (try? DomainEvent(binary: record.payload)) == nil else { return }
                undecodable += 1
                print("record \(record.position): payload does not decode")
            }
            let segments = (try? FileManager.default.contentsOfDirectory(atPath: directory))?
                .filter { $0.hasSuffix(".log") }.count ?? 0
            print("\(directory): \(records) records in \(segments) segments, \(undecodable) undecodable")
            if undecodable > 0 { throw ExitCode(1) }
        }
    }

    /// `xsell log dump`.
    struct Dump: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print log records as JSON lines.")
        @OptionGroup var common: CommonOptions
        @Option(help: "First log position to print.") var from: UInt64 = 0
        @Option(parsing: .unconditional, help: "Most records to print.") var limit: Int?

        func validate() throws {
            if let limit, limit < 0 { throw ValidationError("--limit \(limit): expected 0 or more") }
        }

        func run() async throws {
            try EventLogReader(directory: CommandSetup.logDirectory(common)).forEachRecord(
                from: from, limit: limit ?? Int.max
            ) { print(Self.line($0)) }
        }

        static func line(_ record: LogRecord) -> String {
            String(decoding: LogLines.line(record), as: UTF8.self)
        }
    }

    /// `xsell log quarantine`.
    struct Quarantine: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find records dated in the future (a poisoned clock) and, with --apply, move them out of the log.",
            discussion: """
                Lists every record whose occurredAt is after --after (default: now plus --max-clock-skew-seconds). \
                With --apply (the node must be stopped), rewrites the log without them: they go to \
                <data-dir>/quarantine/quarantined-<ms>.jsonl, the original log and the snapshots to \
                <data-dir>/quarantine/backup-<ms>/, and the projection rebuilds from the clean log at the next start.
                """)
        @OptionGroup var common: CommonOptions
        @Option(help: "Quarantine records dated after this RFC 3339 time.") var after: String?
        @Option(help: "Without --after: records more than this many seconds ahead of now.") var maxClockSkewSeconds: Int = 86_400
        @Flag(help: "Rewrite the log without the records found (default: only list them).") var apply = false

        func run() async throws {
            let latest: Timestamp
            if let after {
                guard let parsed = Timestamp(rfc3339: after) else { throw ValidationError("--after \(after): not an RFC 3339 time") }
                latest = parsed
            } else {
                latest = Timestamp(millisecondsSinceEpoch: WallClock.now().millisecondsSinceEpoch + Int64(maxClockSkewSeconds) * 1000)
            }
            let directory = CommandSetup.logDirectory(common)
            guard FileManager.default.fileExists(atPath: directory) else {
                throw ValidationError("no event log at \(directory)")
            }
            guard apply else {
                let found = try LogQuarantine.find(logDirectory: directory, after: latest)
                for finding in found {
                    print("record \(finding.record.position) \(finding.record.topic)[\(finding.record.partition)]@\(finding.record.offset) event \(finding.record.eventId): occurredAt \(finding.occurredAt)")
                }
                print("\(found.count) records dated after \(latest)" + (found.isEmpty ? "" : "; --apply moves them out of the log"))
                return
            }
            let outcome = try LogQuarantine.apply(dataDirectory: common.dataDir, after: latest)
            print("quarantined \(outcome.quarantined.count) records dated after \(latest) to \(outcome.quarantineFile); "
                + "\(outcome.kept) kept; original log and snapshots in \(outcome.backupDirectory)")
        }
    }
}
