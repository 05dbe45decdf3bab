import ArgumentParser

/// `xsell topics …`.
struct Topics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Manage the Kafka topics of topics/.",
        subcommands: [Create.self]
    )

    /// `xsell topics create`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the topics of topics/ (idempotent).")

        @OptionGroup var common: CommonOptions

        func run() async throws {
            throw NotBuiltYet(command: "topics create")
        }
    }
}
