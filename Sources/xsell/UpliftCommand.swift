import ArgumentParser

/// `xsell uplift`.
struct Uplift: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uplift",
        abstract: "Report CATE, μ_T, μ_C, segment and sample sizes per offer."
    )

    @OptionGroup var common: CommonOptions

    func run() async throws {
        throw NotBuiltYet(command: "uplift")
    }
}
