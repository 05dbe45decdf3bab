import ArgumentParser

/// `xsell run`.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Ingest, projection and scoring worker in one process (embedded broker when no bootstrap servers)."
    )

    @OptionGroup var common: CommonOptions

    func run() async throws {
        throw NotBuiltYet(command: "run")
    }
}
