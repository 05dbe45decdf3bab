import ArgumentParser
import Foundation
import KafkaClient
import Services
import XSellCore

/// `xsell run`: every role in one process, on the embedded broker when no Kafka is given.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Ingest, projection and scoring worker in one process (embedded broker when no bootstrap servers)."
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var guards: InputGuardOptions
    @Option(help: "Directory of topic specs (topics are created on the embedded broker).") var topics: String = "topics"

    func run() async throws {
        let config = try Runtime.config(common)
        var embedded: EmbeddedBroker?
        let bootstrapServers: String
        if let servers = common.resolvedBootstrapServers {
            bootstrapServers = servers
        } else {
            let broker = try EmbeddedBroker(brokerCount: 1)
            try TopicSetup.create(try TopicSpec.loadAll(directory: topics), broker: broker)
            embedded = broker
            bootstrapServers = broker.bootstrapServers
        }
        Runtime.announce("bootstrap.servers=\(bootstrapServers)")
        let settings = guards.apply(to: NodeSettings(
            kafka: try Runtime.kafka(common, bootstrapServers: bootstrapServers), config: config,
            dataDirectory: common.dataDir, roles: .all))
        try await Runtime.serve(settings, label: "xsell.run")
        embedded?.shutdown()
    }
}

/// `xsell serve`.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Answer recommendation requests from the projection of the event log (written by `xsell ingest`)."
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var guards: InputGuardOptions

    func run() async throws {
        try await Runtime.serveRole(.serve, common: common, guards: guards)
    }
}

/// `xsell ingest`.
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Consume events from Kafka into the append-only event log (dead letters for bad input)."
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var guards: InputGuardOptions

    func run() async throws {
        try await Runtime.serveRole(.ingest, common: common, guards: guards)
    }
}

extension Runtime {
    /// Runs one role against the Kafka given by `--bootstrap-servers` (no embedded broker).
    static func serveRole(_ role: Roles, common: CommonOptions, guards: InputGuardOptions) async throws {
        let settings = guards.apply(to: NodeSettings(
            kafka: try kafka(common, bootstrapServers: try requireBootstrapServers(common)),
            config: try config(common), dataDirectory: common.dataDir, roles: role))
        try await serve(settings, label: "xsell." + role.names.joined(separator: "+"))
    }

    /// Starts a node for `settings`, announces readiness on standard output, runs until a signal.
    static func serve(_ settings: NodeSettings, label: String) async throws {
        try ensureDirectory(settings.dataDirectory)
        let node = try Node(settings: settings, logger: logger(label))
        try await node.start()
        announce("xsell ready: roles \(settings.roles.names.joined(separator: "+")), data in \(settings.dataDirectory)")
        try await node.run()
    }
}
