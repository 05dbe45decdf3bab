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
    @OptionGroup var instance: InstanceOptions
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
            dataDirectory: common.dataDir, roles: .all, instanceId: try instance.resolvedInstanceId))
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
    @OptionGroup var instance: InstanceOptions

    func run() async throws {
        try await Runtime.serveRole(.serve, common: common, guards: guards, instance: instance)
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
    @OptionGroup var instance: InstanceOptions

    func run() async throws {
        try await Runtime.serveRole(.ingest, common: common, guards: guards, instance: instance)
    }
}

extension Runtime {
    /// Runs one role against the Kafka given by `--bootstrap-servers` (no embedded broker).
    static func serveRole(_ role: Roles, common: CommonOptions, guards: InputGuardOptions, instance: InstanceOptions) async throws {
        let settings = guards.apply(to: NodeSettings(
            kafka: try kafka(common, bootstrapServers: try requireBootstrapServers(common)),
            config: try config(common), dataDirectory: common.dataDir, roles: role, instanceId: try instance.resolvedInstanceId))
        try await serve(settings, label: "xsell." + role.names.joined(separator: "+"))
    }

    /// Starts a node for `settings`, announces readiness on standard output, runs until a signal.
    static func serve(_ settings: NodeSettings, label: String) async throws {
        try ensureDirectory(settings.dataDirectory)
        let node = try Node(settings: settings, logger: logger(label))
        try await node.start()
        announce(
            "xsell ready: roles \(settings.roles.names.joined(separator: "+")), instance \(settings.instanceId), data in \(settings.dataDirectory)")
        try await node.run()
    }
}

/// `--instance-id` of the long-running roles (docs/scaling.md).
struct InstanceOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "This replica's id among the replicas on one Kafka cluster (default: $XSELL_INSTANCE_ID, else the host name).",
            discussion: """
                Names the ingest consumer group (xsell-ingest-<id>: every replica ingests every event) \
                and the static group memberships (group.instance.id) of ingest and serve, so a restarted \
                replica takes its partitions back at once. Give each replica its own id and data directory.
                """))
    var instanceId: String?

    func validate() throws { _ = try resolvedInstanceId }

    /// The id from the flag, the environment or the host name; an empty or unusable id is a usage error.
    var resolvedInstanceId: String {
        get throws {
            let id = instanceId ?? ProcessInfo.processInfo.environment["XSELL_INSTANCE_ID"] ?? NodeSettings.defaultInstanceId
            guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }), id.count <= 200 else {
                throw ValidationError("--instance-id '\(id)': use 1 to 200 letters, digits, '.', '_' or '-'")
            }
            return id
        }
    }
}
