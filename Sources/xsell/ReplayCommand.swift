import ArgumentParser
import Services
import XSellCore

/// `xsell replay`.
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild the projection from the log (optionally until a time) and print its digest.",
        discussion: """
            Folds every record of the event log under --data-dir from position 0 (no snapshot), \
            settles the learners and prints the state digest, the record and customer counts and \
            the committed exposures per flow and offer. With --until T only events whose occurredAt \
            is at or before T are folded: the log is in arrival order, not event time, so the whole \
            log is read and later events are skipped.
            """
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "Fold only events with occurredAt ≤ this RFC 3339 time.") var until: String?
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        var bound: Timestamp?
        if let until {
            guard let t = Timestamp(rfc3339: until) else {
                throw ValidationError("--until \(until): expected an RFC 3339 date-time such as 2024-05-01T00:00:00Z")
            }
            bound = t
        }
        ReportSupport.print(Reports.replay(try ReportSupport.rebuild(common, until: bound)), json: json)
    }
}
