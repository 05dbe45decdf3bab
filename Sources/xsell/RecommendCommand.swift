import ArgumentParser

/// `xsell recommend`.
struct Recommend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Send one recommendation request and print its reply."
    )

    @OptionGroup var common: CommonOptions

    func run() async throws {
        throw NotBuiltYet(command: "recommend")
    }
}
