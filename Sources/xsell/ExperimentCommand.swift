import ArgumentParser

/// `xsell experiment`.
struct Experiment: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Report the holdout experiment per flow and offer."
    )

    @OptionGroup var common: CommonOptions

    func run() async throws {
        throw NotBuiltYet(command: "experiment")
    }
}
