import ArgumentParser

/// `xsell backtest`.
struct Backtest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Evaluate a candidate configuration on the logged decisions and holdout."
    )

    @OptionGroup var common: CommonOptions

    func run() async throws {
        throw NotBuiltYet(command: "backtest")
    }
}
