import BlockingThreads
import ConfigLoading
import EventLog
import Foundation
import KafkaClient
import Logging
import Projection
import ServiceLifecycle
import Synchronization
import UnixSignals
import XSellCore

/// Settings of one xsell process.
public struct NodeSettings: Sendable {
    /// Kafka client configuration (bootstrap servers and `-X` properties).
    public var kafka: KafkaConfiguration
    /// The validated decisioning configuration.
    public var config: XSellConfig
    /// Root of the event log and snapshots.
    public var dataDirectory: String
    /// Which roles this process plays.
    public var roles: Roles
    /// This replica's name among the replicas on one Kafka cluster (docs/scaling.md): it names
    /// the ingest group and both static group memberships.
    public var instanceId: String
    /// Consumer group of ingest: one per replica (`xsell-ingest-<instanceId>`), so every
    /// replica ingests every event partition into its own log.
    public var ingestGroup: String
    /// Consumer group of the scoring worker, shared by all replicas so that Kafka balances the
    /// request partitions across them and moves a dead replica's partitions to the others.
    public var serveGroup = NodeSettings.defaultServeGroup
    /// Ingest tunables.
    public var ingest = IngestOptions()
    /// Scoring worker tunables (reply topic policy, request limits).
    public var serve = ServeOptions()
    /// Where the node's metrics go (the process's `MetricsSystem` by default).
    public var metrics = NodeMetrics()
    /// When the node counts as ready.
    public var readiness = ReadinessRules()

    /// Settings with the default group names for `instanceId`.
    public init(
        kafka: KafkaConfiguration, config: XSellConfig, dataDirectory: String, roles: Roles,
        instanceId: String = NodeSettings.defaultInstanceId
    ) {
        self.kafka = kafka
        self.config = config
        self.dataDirectory = dataDirectory
        self.roles = roles
        self.instanceId = instanceId
        self.ingestGroup = "xsell-ingest-" + instanceId
    }

    /// The serve group when none is given.
    public static let defaultServeGroup = "xsell-serve"

    /// The instance id when none is given: the host name.
    public static var defaultInstanceId: String { ProcessInfo.processInfo.hostName }

    /// Group defaults of both roles (under `-X`): static membership keyed by the instance
    /// (`group.instance.id` = `xsell-<role>-<instanceId>`), so a restarted replica takes its
    /// partitions back at once without a rebalance; and a 6 s session (the smallest Apache Kafka
    /// accepts by default) with a heartbeat every 500 ms, so a killed replica's partitions move
    /// to the others within ~10 s: the survivors learn of the rebalance at their next heartbeat
    /// (tansu even notices the expired session only then). A poll
    /// interval of 10 s bounds how long a rebalance waits for a member that stopped polling.
    /// `-X group.instance.id=` (empty) turns static membership off: dynamic members, for brokers
    /// whose static membership does not fail over (tansu, docs/scaling.md).
    func groupDefaults(role: String) -> [String: String] {
        [
            "group.instance.id": "xsell-\(role)-\(instanceId)",
            "session.timeout.ms": "6000",
            "heartbeat.interval.ms": "500",
            "max.poll.interval.ms": "10000",
        ]
    }

    /// A client configuration: role `defaults` under the user's properties (`-X` wins), and the
    /// consumer `group`. Consumers report end-of-partition, so their position (and lag) is known
    /// before the first message. Ingest fetches wait at most 5 ms and the request path 1 ms: the test
    /// brokers answer a waiting fetch only when the wait expires, so this bounds freshness.
    /// An empty `group.instance.id` (from `-X`) is left out: the member is dynamic.
    func clientConfiguration(defaults: [String: String], group: String? = nil) -> KafkaConfiguration {
        var configuration = KafkaConfiguration(properties: defaults).merging(kafka.properties)
        if let group {
            configuration = KafkaConfiguration(properties: ["enable.partition.eof": "true"])
                .merging(configuration.properties).merging(["group.id": group])
        }
        if configuration["group.instance.id"]?.isEmpty == true { configuration["group.instance.id"] = nil }
        return configuration
    }

    /// The event log directory.
    public var logDirectory: String { DataDirectory(dataDirectory).log }
    /// The snapshot directory.
    public var snapshotDirectory: String { DataDirectory(dataDirectory).snapshots }
}

/// One xsell process: the services of its roles in a `ServiceGroup` that shuts down in reverse
/// order on SIGINT/SIGTERM (stop taking requests, finish the ingest batch and commit, close).
public final class Node: Sendable {
    private let services: [any Service]
    private let closers: [@Sendable () async -> Void]
    private let lifecycle = Mutex(NodeLifecycle())
    /// The group consumers and their topics, subscribed by ``start()``.
    private let subscriptions: [(consumer: KafkaConsumer, topics: [String])]
    private let logger: Logger
    private let roles: Roles
    /// The projection, when this node serves.
    public let projection: ProjectionRunner?
    /// Whether the node is ready, and if not why (updated a few times a second while it runs).
    public let health = NodeHealth()

    /// Opens the log (running recovery, on a blocking thread) and builds the services of
    /// `settings.roles`. `onReady` is called once, the first time every readiness condition holds.
    public init(settings: NodeSettings, logger: Logger, onReady: @escaping @Sendable () -> Void = {}) async throws {
        var services: [any Service] = []
        var closers: [@Sendable () async -> Void] = []
        var writer: EventLogWriter?
        var ingestConsumer: KafkaConsumer?
        var serveConsumer: KafkaConsumer?
        var runner: ProjectionRunner?
        let metrics = settings.metrics
        // librdkafka's own log lines (`-X debug=cgrp`, say) at the node's log level.
        func clientLogger(_ client: String) -> Logger {
            var clientLogger = logger
            clientLogger[metadataKey: LogMetadataKey.kafkaClient] = "\(client)"
            return clientLogger
        }
        if settings.roles.contains(.ingest) {
            // Recovery reads and may truncate the log's tail: disk work, off the cooperative pool.
            let recovery = BlockingWorker(name: "xsell.log-recovery")
            defer { recovery.stop() }
            let log = try await recovery.run {
                try EventLogWriter.open(
                    directory: settings.logDirectory,
                    options: EventLogOptions(fileOperations: metrics.timing(PosixFileOperations())))
            }
            writer = log
            for event in log.recoveryEvents {
                logger.log(level: event.rule == .missingIndex ? .info : .warning, "event log recovery: \(event)")
            }
            let consumer = try KafkaConsumer(configuration: settings.clientConfiguration(
                defaults: settings.groupDefaults(role: "ingest").merging(["fetch.wait.max.ms": "5"]) { a, _ in a },
                group: settings.ingestGroup), logger: clientLogger("ingest"))
            ingestConsumer = consumer
            let producer = try KafkaProducer(
                configuration: settings.clientConfiguration(defaults: [:]), logger: clientLogger("ingest-producer"))
            services.append(Ingestor(
                consumer: consumer, producer: producer, log: log, schema: settings.config.schema,
                options: settings.ingest, logger: logger, metrics: metrics))
            closers.append {
                try? await consumer.close()
                try? await producer.close()
                try? log.close()
            }
        }
        if settings.roles.contains(.serve) {
            // In one process the projection follows the writer's appends; alone it follows the files.
            // Alone, the log may not exist yet: `xsell ingest` creates it when it starts.
            try FileManager.default.createDirectory(
                atPath: settings.logDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            // The audit trail: every decision records this configuration's fingerprint.
            if let source = settings.config.source { try ConfigArchive(dataDirectory: settings.dataDirectory).store(source) }
            let reader = writer?.makeReader() ?? EventLogReader(directory: settings.logDirectory)
            let projection = ProjectionRunner(
                config: settings.config, reader: reader, snapshotDirectory: settings.snapshotDirectory, logger: logger)
            let consumer = try KafkaConsumer(
                configuration: settings.clientConfiguration(
                    defaults: settings.groupDefaults(role: "serve")
                        .merging(KafkaConfiguration.lowLatencyConsumerProperties) { a, _ in a },
                    group: settings.serveGroup),
                logger: clientLogger("serve"))
            // Asks for watermarks and this replica's ingest commits; never joins a group.
            var progressConfiguration = settings.clientConfiguration(defaults: [:], group: settings.ingestGroup)
            progressConfiguration["group.instance.id"] = nil
            let ingestProgress = try KafkaConsumer(configuration: progressConfiguration, logger: clientLogger("ingest-progress"))
            serveConsumer = consumer
            let producer = try KafkaProducer(
                configuration: settings.clientConfiguration(defaults: KafkaConfiguration.lowLatencyProducerProperties),
                logger: clientLogger("serve-producer"))
            services.append(projection)
            services.append(ScoringWorker(
                consumer: consumer, ingestProgress: ingestProgress, producer: producer, projection: projection,
                config: settings.config, options: settings.serve, logger: logger, metrics: metrics))
            closers.append {
                try? await consumer.close()
                try? await ingestProgress.close()
                try? await producer.close()
            }
            runner = projection
        }
        self.projection = runner
        subscriptions = [
            ingestConsumer.map { ($0, Ingestor.topics) }, serveConsumer.map { ($0, [XSellTopic.requested.rawValue]) },
        ].compactMap { $0 }
        services.append(NodeMonitor(
            ingest: ingestConsumer.map { .init(role: "ingest", consumer: $0) },
            serve: serveConsumer.map { .init(role: "serve", consumer: $0) },
            projection: runner, rules: settings.readiness, health: health, metrics: metrics, logger: logger,
            onReady: onReady))
        self.services = services
        self.closers = closers
        self.roles = settings.roles
        self.logger = logger
    }

    /// Prepares the services before the group runs: the group consumers subscribe, and the
    /// projection restores its state and folds the log to its end. Call it once, before
    /// ``run(outer:)``; when it fails, the node closes its clients and cannot run.
    public func start() async throws {
        try lifecycle.withLock { (machine) throws(NodeMisuse) in try machine.beginStart() }
        do {
            for (consumer, topics) in subscriptions { try await consumer.subscribe(topics: topics) }
            try await projection?.restore()
        } catch {
            switch lifecycle.withLock({ $0.startFailed() }) {
            case .closeClients: for close in closers.reversed() { await close() }
            }
            throw error
        }
        lifecycle.withLock { $0.startSucceeded() }
    }

    /// Runs until SIGINT/SIGTERM or until a service fails, then closes the Kafka clients and the
    /// log and logs that it has shut down. `outer` services (the operations endpoint, say) start
    /// before the node's and stop after them.
    public func run(outer: [any Service] = []) async throws {
        try lifecycle.withLock { (machine) throws(NodeMisuse) in try machine.beginRun() }
        defer { lifecycle.withLock { $0.runEnded() } }
        let group = ServiceGroup(
            services: outer + services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [],
            logger: logger)
        do {
            try await group.run()
        } catch {
            for close in closers.reversed() { await close() }
            if error is CancellationError {
                logger.info("shut down: cancelled")
            } else {
                logger.error("shut down after a failure: \(error)")
            }
            throw error
        }
        for close in closers.reversed() { await close() }
        logger.info("shut down cleanly: roles \(roles.names.joined(separator: "+")) stopped, Kafka clients closed")
    }
}
