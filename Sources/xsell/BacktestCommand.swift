import Analytics
import ArgumentParser
import ConfigLoading
import XSellCore

/// `xsell backtest`.
struct Backtest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Estimate off-policy what a candidate configuration would have achieved on the logged decisions.",
        discussion: """
            Replays the log under --data-dir. At every logged decision in [--from, --until], the \
            candidate (--config) and the baseline (--baseline) flows decide for the same customer, \
            channel and flow from the projection as of that log position (no look-ahead), with \
            their holdout off. Their conversions, incremental conversions and incremental revenue \
            per 1,000 decisions are estimated from the logged propensities by inverse propensity \
            scoring (IPS), self-normalised IPS and doubly robust (the projection's μ_T/μ_C as the \
            direct model), each with a 95% CI, plus the candidate − baseline difference, the \
            effective sample size, and a warning for offers the logged policy (almost) never \
            showed where the candidate picks them. One conversion labels at most one decision \
            (docs/adr/0003-projection.md). See docs/backtesting.md.
            """
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "Baseline configuration to compare with (default: none).") var baseline: String?
    @Option(help: "Evaluate decisions from this RFC 3339 time on.") var from: String?
    @Option(help: "Evaluate decisions up to this RFC 3339 time.") var until: String?
    @OptionGroup var output: ReportOutput

    func run() async throws {
        var policies = [(name: common.config, config: try CommandSetup.config(common))]
        if let baseline { policies.append((baseline, try ConfigLoader.load(path: baseline))) }
        let window = BacktestEvaluation.Window(
            from: try ReportSupport.timestamp(from, option: "--from"), until: try ReportSupport.timestamp(until, option: "--until"))
        let report = try BacktestEvaluation.run(
            policies: policies, directory: CommandSetup.logDirectory(common), window: window,
            progress: ReportSupport.progress("backtest"))
        try output.write(Reports.backtest(report))
    }
}
