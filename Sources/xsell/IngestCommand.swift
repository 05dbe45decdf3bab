import ArgumentParser
import Services

/// `xsell ingest`.
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Consume events from Kafka into the append-only event log (dead letters for bad input)."
    )

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let settings = NodeSettings(
            kafka: try Runtime.kafka(common, bootstrapServers: try Runtime.requireBootstrapServers(common)),
            config: try Runtime.config(common), dataDirectory: common.dataDir, roles: .ingest)
        let node = try Node(settings: settings, logger: Runtime.logger("xsell.ingest"))
        print("xsell ready: ingest into \(settings.logDirectory)")
        try await node.run()
    }
}
