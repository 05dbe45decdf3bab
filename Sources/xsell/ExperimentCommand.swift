import Analytics
import ArgumentParser

/// `xsell experiment`.
struct Experiment: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Report the holdout experiment per flow and offer.",
        discussion: """
            Rebuilds the projection from the log under --data-dir and prints, per flow and offer, \
            the conversion rates of the treatment and holdout arms over committed (labelled) \
            exposures, absolute and relative uplift, the pooled two-proportion z-test and its \
            p-value, the 95% CI of the difference, and incremental conversions and revenue with \
            their 95% CIs.
            """
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var output: ReportOutput

    func run() async throws {
        try output.write(Reports.experiment(try ReportSupport.rebuild(common).state))
    }
}
