import ArgumentParser
import Services
import XSellCore

/// `xsell backtest`.
struct Backtest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Evaluate a candidate configuration on the logged decisions and holdout.",
        discussion: """
            Replays the log under --data-dir. At every logged decision, the candidate (--config) \
            and the baseline (--baseline) flows decide for the same customer, channel and flow \
            from the projection as of that log position (no look-ahead), with their holdout off. \
            Reports how often each would have shown an offer that converted, and a replay \
            estimate of its incremental conversions: the conversion rate of its top offer where \
            the logged treatment showed it, minus the organic rate of its top offer where a \
            holdout customer was eligible for it. The treated side is unbiased only if the \
            logged choice was randomised; see docs/simulation.md and BacktestEvaluation.
            """
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "Baseline configuration to compare with (default: none).") var baseline: String?
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        var policies = [(name: common.config, config: try Runtime.config(common))]
        if let baseline { policies.append((baseline, try ConfigLoader.load(path: baseline))) }
        let report = try BacktestEvaluation.run(
            policies: policies, directory: Runtime.logDirectory(common), progress: ReportSupport.progress("backtest"))
        ReportSupport.print(Reports.backtest(report), json: json)
    }
}
