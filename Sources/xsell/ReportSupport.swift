import Analytics
import ArgumentParser
import Foundation
import XSellCore

/// What the analyst commands share: rebuild the projection from the log of `--data-dir`
/// (no snapshot needed) with progress on standard error, and print a report.
enum ReportSupport {
    /// Rebuilds the projection from the log, with progress on standard error.
    static func rebuild(_ common: CommonOptions, until: Timestamp? = nil) throws -> LogReplay.Result {
        try LogReplay.rebuild(
            config: try CommandSetup.config(common), directory: CommandSetup.logDirectory(common), until: until,
            progress: progress("replay"))
    }

    /// A progress callback on standard error: on a terminal, one line rewritten in place after
    /// every batch; otherwise a log line every 100,000 records.
    static func progress(_ label: String) -> (LogReplay.Progress) -> Void {
        let terminal = isatty(STDERR_FILENO) == 1
        var reported: UInt64 = 0
        return { progress in
            let done = progress.read >= progress.end
            guard terminal || progress.read - reported >= 100_000 else { return }
            reported = progress.read
            let share = Double(progress.read) / Double(max(progress.end, 1)) * 100
            let line = "\(label): " + String(format: "%llu / %llu records (%.0f%%)", progress.read, progress.end, share)
            FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K" + line + (done ? "\n" : "") : line + "\n").utf8))
        }
    }

    /// Parses an optional RFC 3339 option value.
    static func timestamp(_ value: String?, option: String) throws -> Timestamp? {
        guard let value else { return nil }
        guard let t = Timestamp(rfc3339: value) else {
            throw ValidationError("\(option) \(value): expected an RFC 3339 date-time such as 2024-05-01T00:00:00Z")
        }
        return t
    }
}

/// `--json` and `--csv FILE` of the analyst commands.
struct ReportOutput: ParsableArguments {
    @Flag(help: "Print the report as JSON.") var json = false
    @Option(help: "Also write the report's main table to this CSV file.") var csv: String?

    /// Prints `report` as JSON (one line) or as text, and writes its CSV if asked.
    func write(_ report: ReportDocument) throws {
        Swift.print(json ? String(decoding: report.json.serialized(), as: UTF8.self) : report.text)
        guard let csv else { return }
        guard let table = report.csv else { throw ValidationError("--csv: this report has no table") }
        do {
            try table.csv.write(toFile: csv, atomically: true, encoding: .utf8)
        } catch {
            throw ValidationError("--csv \(csv): cannot write: \(error.localizedDescription)")
        }
    }
}
