import Analytics
import ArgumentParser
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
    @OptionGroup var output: ReportOutput

    func run() async throws {
        let bound = try ReportSupport.timestamp(until, option: "--until")
        try output.write(Reports.replay(try ReportSupport.rebuild(common, until: bound)))
    }
}
