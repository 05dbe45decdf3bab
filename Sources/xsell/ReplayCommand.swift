import ArgumentParser

/// `xsell replay`.
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild the projection from the log (optionally until a time) and print its digest."
    )

    @OptionGroup var common: CommonOptions

    func run() async throws {
        throw NotBuiltYet(command: "replay")
    }
}
