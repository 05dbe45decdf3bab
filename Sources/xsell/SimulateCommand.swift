import ArgumentParser

/// `xsell simulate`.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "A synthetic bank with known ground-truth uplift, driven through Kafka."
    )

    @OptionGroup var common: CommonOptions

    func run() async throws {
        throw NotBuiltYet(command: "simulate")
    }
}
