import Foundation
import Services
import XSellCore

/// What the analyst commands share: rebuild the projection from the log of `--data-dir`
/// (no snapshot needed) with progress on standard error, and print a report.
enum ReportSupport {
    /// Rebuilds the projection from the log, with progress on standard error.
    static func rebuild(_ common: CommonOptions, until: Timestamp? = nil) throws -> LogReplay.Result {
        try LogReplay.rebuild(
            config: try Runtime.config(common), directory: Runtime.logDirectory(common), until: until,
            progress: progress("replay"))
    }

    /// A progress callback that writes a line to standard error every 100,000 records.
    static func progress(_ label: String) -> (LogReplay.Progress) -> Void {
        var reported: UInt64 = 0
        return { progress in
            guard progress.read - reported >= 100_000 else { return }
            reported = progress.read
            let share = Double(progress.read) / Double(max(progress.end, 1)) * 100
            FileHandle.standardError.write(Data(
                ("\(label): " + String(format: "%llu / %llu records (%.0f%%)\n", progress.read, progress.end, share)).utf8))
        }
    }

    /// Prints `report` as JSON (one line) or as text.
    static func print(_ report: ReportDocument, json: Bool) {
        Swift.print(json ? String(decoding: report.json.serialized(), as: UTF8.self) : report.text)
    }
}
