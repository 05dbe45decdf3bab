import ArgumentParser

/// `xsell log …`.
struct Log: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Check and print the event log.",
        subcommands: [Verify.self, Dump.self]
    )

    /// `xsell log verify`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check every record of the log.")
        @OptionGroup var common: CommonOptions
        func run() async throws { throw NotBuiltYet(command: "log verify") }
    }

    /// `xsell log dump`.
    struct Dump: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print log records as JSON lines.")
        @OptionGroup var common: CommonOptions
        func run() async throws { throw NotBuiltYet(command: "log dump") }
    }
}
