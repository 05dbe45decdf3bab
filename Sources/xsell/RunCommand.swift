import ArgumentParser
import ConfigLoading
import Foundation
import KafkaClient
import Logging
import OperationsEndpoint
import Prometheus
import Runtime
import ServiceLifecycle
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
    @OptionGroup var node: NodeOptions
    @Option(help: "Directory of topic specs (topics are created on the embedded broker).") var topics: String = "topics"

    func run() async throws {
        let config = try CommandSetup.config(common)
        let log = CommandSetup.logger("xsell.run")
        var embedded: EmbeddedBroker?
        let bootstrapServers: String
        if let servers = common.resolvedBootstrapServers {
            _ = try await CommandSetup.reach(common, required: Roles.all.topics, logger: log)
            bootstrapServers = servers
        } else {
            let broker = try EmbeddedBroker(brokerCount: 1)
            try TopicSetup.create(try TopicSpec.loadAll(directory: topics), broker: broker)
            embedded = broker
            bootstrapServers = broker.bootstrapServers
        }
        CommandSetup.announce("bootstrap.servers=\(bootstrapServers)")
        let settings = try instance.apply(to: guards.apply(to: NodeSettings(
            kafka: try CommandSetup.kafka(common, bootstrapServers: bootstrapServers), config: config,
            dataDirectory: common.dataDir, roles: .all, instanceId: try instance.resolvedInstanceId)))
        try await CommandSetup.serve(settings, node: node, logger: log)
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
    @OptionGroup var node: NodeOptions

    func run() async throws {
        try await CommandSetup.serveRole(.serve, common: common, guards: guards, instance: instance, node: node)
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
    @OptionGroup var node: NodeOptions

    func run() async throws {
        try await CommandSetup.serveRole(.ingest, common: common, guards: guards, instance: instance, node: node)
    }
}

extension CommandSetup {
    /// Runs one role against the Kafka given by `--bootstrap-servers` (no embedded broker).
    static func serveRole(
        _ role: Roles, common: CommonOptions, guards: InputGuardOptions, instance: InstanceOptions, node: NodeOptions
    ) async throws {
        let log = logger("xsell." + role.names.joined(separator: "+"))
        let settings = try instance.apply(to: guards.apply(to: NodeSettings(
            kafka: try await reach(common, required: role.topics, logger: log).0,
            config: try config(common), dataDirectory: common.dataDir, roles: role, instanceId: try instance.resolvedInstanceId)))
        try await serve(settings, node: node, logger: log)
    }

    /// Starts a node for `settings` with its operations endpoint, announces readiness on
    /// standard output the moment `GET /readyz` turns 200, and runs until a signal; the node and
    /// its endpoint log to `log`.
    static func serve(_ settings: NodeSettings, node options: NodeOptions, logger log: Logger) async throws {
        var settings = settings
        let registry = PrometheusCollectorRegistry()
        settings.metrics = NodeMetrics(factory: OperationsServer.metricsFactory(registry: registry))
        settings.readiness = ReadinessRules(maxIngestLag: options.readyMaxLag)
        try ensureDirectory(settings.dataDirectory)
        let readyLine = "xsell ready: roles \(settings.roles.names.joined(separator: "+")), instance \(settings.instanceId), data in \(settings.dataDirectory)"
        let node = try await Node(settings: settings, logger: log, onReady: { announce(readyLine) })
        var outer: [any Service] = []
        if let address = try options.metricsAddress() {
            outer.append(OperationsServer.service(
                address: address, registry: registry, health: node.health, logger: log,
                onListening: { announce("metrics.listen=\($0)") }))
        }
        try await node.start()
        try await node.run(outer: outer)
    }
}

extension Roles {
    /// The topics the roles read or write.
    var topics: [String] {
        var topics: [XSellTopic] = [.deadLetter]
        if contains(.ingest) { topics += [.profile, .decision, .interaction] }
        if contains(.serve) { topics += [.requested, .returned, .decision] }
        return Array(Set(topics.map(\.rawValue))).sorted()
    }
}

/// Options of the long-running roles (`run`, `ingest`, `serve`).
struct NodeOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Where GET /metrics, /healthz and /readyz listen: HOST:PORT (port 0: any free port), or off.",
        valueName: "host:port|off"))
    var metricsListen: String = OperationsAddress.default.description

    @Option(
        parsing: .unconditional,
        help: "Ready only while ingest is at most this many messages behind on every partition.")
    var readyMaxLag: Int64 = 1_000

    func validate() throws {
        _ = try metricsAddress()
        guard readyMaxLag >= 0 else { throw ValidationError("--ready-max-lag \(readyMaxLag): expected 0 or more") }
    }

    /// The parsed `--metrics-listen`; nil when off.
    func metricsAddress() throws -> OperationsAddress? {
        do { return try OperationsAddress.parse(metricsListen) } catch { throw ValidationError(error.description) }
    }
}

/// `--instance-id` and `--serve-group` of the long-running roles (docs/scaling.md).
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

    @Option(
        help: ArgumentHelp(
            "The scoring workers' consumer group, shared by the replicas of one deployment (run and serve; default: $XSELL_SERVE_GROUP, else xsell-serve).",
            discussion: """
                Deployments that share a Kafka cluster need groups of their own, or Kafka balances \
                one's requests to the other's replicas.
                """))
    var serveGroup: String?

    func validate() throws {
        _ = try resolvedInstanceId
        _ = try resolvedServeGroup
    }

    /// `settings` with the serve group from the flag or the environment (else its default).
    func apply(to settings: NodeSettings) throws -> NodeSettings {
        var settings = settings
        settings.serveGroup = try resolvedServeGroup
        return settings
    }

    /// The group from the flag, the environment or `xsell-serve`; an empty or unusable name is a usage error.
    var resolvedServeGroup: String {
        get throws {
            let group = serveGroup ?? ProcessInfo.processInfo.environment["XSELL_SERVE_GROUP"] ?? NodeSettings.defaultServeGroup
            try Self.check(group, "--serve-group")
            return group
        }
    }

    /// Refuses an id that is empty, too long, or has characters other than letters, digits, '.', '_' and '-'.
    static func check(_ id: String, _ flag: String) throws {
        guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }), id.count <= 200 else {
            throw ValidationError("\(flag) '\(id)': use 1 to 200 letters, digits, '.', '_' or '-'")
        }
    }

    /// The id from the flag, the environment or the host name; an empty or unusable id is a usage error.
    var resolvedInstanceId: String {
        get throws {
            let id = instanceId ?? ProcessInfo.processInfo.environment["XSELL_INSTANCE_ID"] ?? NodeSettings.defaultInstanceId
            try Self.check(id, "--instance-id")
            return id
        }
    }
}
