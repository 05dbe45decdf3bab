import ConfigLoading
import DecisionFlow
import EventLog
import Foundation
import KafkaClient
import Projection
import Runtime
import Synchronization
import Testing
import XSellClient
import XSellCore
import XSellTestSupport

/// Repository paths, from this file's location.
enum FlowPaths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static var config: String { root + "/config/cross-sell.yaml" }
    static var topics: String { root + "/topics" }
    static var tutorialCustomers: String { root + "/topics/examples/tutorial-customers.jsonl" }
}

/// Configurations and events of the tutorial.
enum FlowFixtures {
    static let card = "rewards-credit-card"
    static let savings = "high-yield-savings"
    static let wealth = "wealth-management-account"
    static let mortgage = "mortgage-pre-approval"

    static func tutorialYAML() throws -> String { try String(contentsOfFile: FlowPaths.config, encoding: .utf8) }

    static func tutorialConfig() throws -> XSellConfig { try ConfigLoader.load(path: FlowPaths.config) }

    /// The tutorial configuration with `contactPolicies: []` replaced by `policies` (YAML flow items).
    static func config(contactPolicies policies: [String]) throws -> XSellConfig {
        let yaml = try tutorialYAML()
        let replaced = yaml.replacingOccurrences(
            of: "contactPolicies: []", with: "contactPolicies:\n" + policies.map { "  - " + $0 }.joined(separator: "\n"))
        #expect(replaced != yaml, "config/cross-sell.yaml no longer has `contactPolicies: []`")
        return try ConfigLoader.load(yaml: replaced)
    }

    /// The exact `customer.profile.v1` line of `customerId` in topics/examples/tutorial-customers.jsonl.
    static func tutorialProfileLine(_ customerId: String) throws -> String {
        let lines = try String(contentsOfFile: FlowPaths.tutorialCustomers, encoding: .utf8).split(separator: "\n")
        return String(try #require(lines.first { $0.contains("\"customerId\":\"\(customerId)\"") }))
    }

    /// cust_42's tutorial profile for another customer id (same attributes, own event id).
    static func cust42Profile(as customerId: String) throws -> [UInt8] {
        Array(try tutorialProfileLine("cust_42").replacingOccurrences(of: "cust_42", with: customerId).utf8)
    }

    /// A fresh customer id with `prefix` that the flow's holdout puts in the treatment arm
    /// (guide §4.6: FNV-1a 64 of `flowKey:customerId` mod 10,000 at or above holdoutPercent × 100).
    static func treatedCustomer(_ prefix: String, flow: String = "cross-sell", holdoutPercent: Double = 10) -> String {
        while true {
            let id = "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
            if Double(HoldoutAssignment.bucket(flowKey: flow, customerId: id)) >= holdoutPercent * 100 { return id }
        }
    }

    /// A request on in_app for the tutorial flow.
    static func request(_ customerId: String, explain: Bool = false, limit: Int? = nil, flow: String = "cross-sell")
        -> RecommendationRequest
    {
        RecommendationRequest(
            requestId: "flow-\(UUID().uuidString.lowercased())", customerId: customerId, channel: "in_app",
            decisionFlowKey: flow, limit: limit, explain: explain, attributes: nil, replyTo: nil)
    }
}

/// A request or a wait did not complete in time.
struct FlowTimeout: Error, CustomStringConvertible {
    let description: String
}

/// One test's broker and in-process node (roles `.all`), client and producer. Isolation on the
/// shared tansu: fresh group ids, a fresh data directory, and customer ids unique to the test.
final class FlowHarness: Sendable {
    let kind: BrokerKind
    let embedded: EmbeddedBroker?
    let kafka: KafkaConfiguration
    let settings: NodeSettings
    let node: Node
    let projection: ProjectionRunner
    let client: RecommendationClient
    let producer: KafkaProducer
    private let runTask: Task<Void, any Error>
    /// How the node's `run()` ended, once it has: "returned" or the error it threw.
    private let ending: NodeEnding

    private init(
        kind: BrokerKind, embedded: EmbeddedBroker?, kafka: KafkaConfiguration, settings: NodeSettings, node: Node,
        client: RecommendationClient, producer: KafkaProducer, runTask: Task<Void, any Error>, ending: NodeEnding
    ) throws {
        self.kind = kind
        self.embedded = embedded
        self.kafka = kafka
        self.settings = settings
        self.node = node
        self.projection = try #require(node.projection)
        self.client = client
        self.producer = producer
        self.runTask = runTask
        self.ending = ending
    }

    /// How the node's `run()` ended, or nil while it runs.
    var nodeEnding: String? { ending.value.withLock { $0 } }

    /// Waits until the node's `run()` has ended (or throws ``FlowTimeout``); returns how.
    func awaitNodeEnding(timeout: Duration) async throws -> String {
        try await awaitOrTimeout("the node to stop", deadline: ContinuousClock.now + timeout) { [runTask] in _ = await runTask.result }
        return nodeEnding ?? "?"
    }

    /// The reply topic prefix the tests' nodes allow (private reply topics of single tests).
    static let replyTopicPrefix = "flow-replies-"

    /// The serve options of the tests' nodes: reply topics under ``replyTopicPrefix`` allowed.
    static var serveOptions: ServeOptions {
        var options = ServeOptions()
        options.replyTopics = ReplyTopicPolicy(prefixes: [replyTopicPrefix])
        return options
    }

    /// Creates the topics (if absent), starts a node for `config` and a recommendation client.
    /// - Parameter nodeProperties: librdkafka properties for the node's clients only.
    /// - Parameter roles: the node's roles (without `.ingest`, the test writes the log itself).
    static func start(
        _ kind: BrokerKind, config: XSellConfig, serve: ServeOptions = serveOptions, nodeProperties: [String: String] = [:],
        roles: Roles = .all
    ) async throws -> FlowHarness {
        let specs = try TopicSpec.loadAll(directory: FlowPaths.topics)
        var embedded: EmbeddedBroker?
        var kafka: KafkaConfiguration
        switch kind {
        case .mock:
            let broker = try EmbeddedBroker(brokerCount: 1)
            try TopicSetup.create(specs, broker: broker)
            embedded = broker
            kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers)
        case .tansu:
            let address = try #require(BrokerKind.tansuBootstrap)
            kafka = KafkaConfiguration(bootstrapServers: address)
            try await TopicSetup.create(specs, admin: KafkaAdmin(configuration: kafka, logger: .test()))
            // tansu joins a group in ~3.5 s with these (~20 s with the defaults).
            kafka = kafka.merging(["session.timeout.ms": "6000", "max.poll.interval.ms": "7000"])
        }
        // Warnings that are expected here (consumer properties on producers, the mock's missing
        // auto-create switch) would drown the test output; errors are still logged.
        kafka = kafka.merging(["log_level": "3"])
        let unique = UUID().uuidString.prefix(8).lowercased()
        var settings = NodeSettings(
            kafka: kafka.merging(nodeProperties), config: config,
            dataDirectory: FileManager.default.temporaryDirectory.path + "/xsell-flow-\(unique)", roles: roles)
        settings.ingestGroup = "flow-ingest-\(unique)"
        settings.serveGroup = "flow-serve-\(unique)"
        settings.serve = serve
        try FileManager.default.createDirectory(atPath: settings.dataDirectory, withIntermediateDirectories: true)
        let node = try await Node(settings: settings, logger: .test("xsell.flow-test"))
        try await node.start()
        let ending = NodeEnding()
        let runTask = Task {
            do {
                try await node.run()
                ending.value.withLock { $0 = "returned" }
            } catch {
                ending.value.withLock { $0 = "threw \(error)" }
                throw error
            }
        }
        let client = try RecommendationClient(kafka: kafka, logger: .test())
        try await client.start()
        let producer = try KafkaProducer(configuration: kafka.lowLatencyProducer, logger: .test())
        return try FlowHarness(
            kind: kind, embedded: embedded, kafka: kafka, settings: settings, node: node, client: client,
            producer: producer, runTask: runTask, ending: ending)
    }

    /// Stops the node, closes the clients, removes the data directory and the mock cluster.
    func stop() async {
        try? await client.close()
        try? await producer.close()
        runTask.cancel()
        _ = await runTask.result
        embedded?.shutdown()
        try? FileManager.default.removeItem(atPath: settings.dataDirectory)
    }

    /// Publishes `value` keyed by `key` to `topic` and awaits its delivery.
    func publish(_ topic: XSellTopic, key: String, value: [UInt8]) async throws {
        _ = try await producer.send(OutgoingMessage(topic: topic.rawValue, key: Array(key.utf8), value: value))
    }

    /// Publishes an event to its topic, keyed by its customer.
    func publish(_ event: DomainEvent) async throws {
        try await publish(event.topic, key: event.customerId, value: EventCodec.encode(event))
    }

    /// Sends a request and awaits its reply.
    func recommend(_ request: RecommendationRequest) async throws -> RecommendationReply {
        try await client.recommend(request, timeout: .seconds(30))
    }

    /// Sends a request and requires a decided response.
    func response(_ request: RecommendationRequest) async throws -> RecommendationResponse {
        let reply = try await recommend(request)
        guard case .response(let response) = reply else {
            Issue.record("expected a response, got \(reply)")
            throw FlowTimeout(description: "error reply")
        }
        return response
    }

    /// Returns once `predicate` holds on the projection, re-checking after every fold
    /// (event-driven: it awaits the next applied log record, never a fixed delay).
    func until(
        _ what: String, timeout: Duration = .seconds(30), _ predicate: (borrowing ProjectionState) -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            // Read before the check: a record folded between the check and the wait ends the wait.
            let next = projection.applied + 1
            if projection.withState(predicate) { return }
            try await awaitOrTimeout(what, deadline: deadline) { [projection] in try await projection.waitUntilApplied(next) }
        }
    }

    /// Returns once `check` holds, re-checking after every fold (for checks on the log itself).
    func untilTrue(_ what: String, timeout: Duration = .seconds(30), _ check: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let next = projection.applied + 1  // before the check, as in `until`
            if try check() { return }
            try await awaitOrTimeout(what, deadline: deadline) { [projection] in try await projection.waitUntilApplied(next) }
        }
    }

    /// The decision events about `customerId` in the node's log, in log order.
    /// Waits until the projection has folded every record the log files hold now. The files can
    /// show a record before the writer's fsync, so `projection.catchUp()` (which targets the
    /// durable end) is not enough after reading them directly.
    func foldEverythingInTheLogFiles(timeout: Duration = .seconds(30)) async throws {
        let end = try EventLogReader(directory: settings.logDirectory).endPosition()
        try await awaitOrTimeout("fold up to position \(end)", deadline: ContinuousClock.now + timeout) { [projection] in
            try await projection.waitUntilApplied(end)
        }
    }

    func loggedDecisions(of customerId: String) throws -> [DecisionEvent] {
        try loggedEvents().compactMap { entry in
            guard case .decision(let event) = entry.event, event.customerId == customerId else { return nil }
            return event
        }
    }

    /// The customer's state in the projection.
    func customer(_ customerId: String) -> CustomerState? {
        projection.withState { $0.customer(customerId) }
    }

    /// Every event in the node's log, in log order.
    func loggedEvents() throws -> [(record: LogRecord, event: DomainEvent)] {
        let reader = EventLogReader(directory: settings.logDirectory)
        var out: [(LogRecord, DomainEvent)] = []
        var position: UInt64 = 0
        while true {
            let batch = try reader.read(from: position, limit: 4_096)
            guard let last = batch.last else { return out }
            for record in batch { out.append((record, try DomainEvent(binary: record.payload))) }
            position = last.position + 1
        }
    }

    /// A reader of `topic` from its beginning (assigned, no group join).
    func tail(_ topic: String) async throws -> TopicTail {
        try await TopicTail(kafka: kafka, topic: topic)
    }
}

/// How a harness's node ended (set once by its run task).
final class NodeEnding: Sendable {
    let value = Mutex<String?>(nil)
}

/// Runs `operation` but gives up with ``FlowTimeout`` at `deadline`; rethrows what it throws.
/// A non-cancellable operation that never finishes is left behind (only on the failure path).
func awaitOrTimeout(
    _ what: String, deadline: ContinuousClock.Instant, _ operation: @escaping @Sendable () async throws -> Void
) async throws {
    let gate = OneShot()
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        gate.arm(continuation)
        Task {
            do {
                try await operation()
                gate.resume(.success(()))
            } catch {
                gate.resume(.failure(error))
            }
        }
        Task {
            try? await Task.sleep(until: deadline)
            gate.resume(.failure(FlowTimeout(description: "timed out waiting for \(what)")))
        }
    }
}

/// A continuation resumed by whichever party comes first.
final class OneShot: Sendable {
    private let slot = Mutex<CheckedContinuation<Void, any Error>?>(nil)

    func arm(_ continuation: CheckedContinuation<Void, any Error>) { slot.withLock { $0 = continuation } }

    func resume(_ result: Result<Void, any Error>) {
        slot.withLock { current in defer { current = nil }; return current }?.resume(with: result)
    }
}

/// Reads every partition of a topic from the beginning with manual assignment and returns the
/// first message matching a predicate (the shared tansu topics hold other tests' messages too).
final class TopicTail: Sendable {
    private let consumer: KafkaConsumer
    private let seen = Mutex<[KafkaMessage]>([])

    init(kafka: KafkaConfiguration, topic: String) async throws {
        consumer = try KafkaConsumer(configuration: kafka.lowLatencyConsumer.merging([
            "group.id": "flow-tail-\(UUID().uuidString)", "enable.auto.commit": "false",
        ]), logger: .test())
        let partitions = try #require(try await KafkaAdmin(configuration: kafka, logger: .test()).listTopics()[topic])
        try await consumer.assign((0..<partitions).map { TopicPartitionOffset(topic: topic, partition: Int32($0), offset: .beginning) })
    }

    /// The first message (already read or arriving within `timeout`) for which `match` holds.
    func first(
        _ what: String, timeout: Duration = .seconds(30), where match: (KafkaMessage) -> Bool
    ) async throws -> KafkaMessage {
        if let hit = seen.withLock({ $0.first(where: match) }) { return hit }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let batch = try await consumer.poll(maxMessages: 500, timeout: .milliseconds(100))
            seen.withLock { $0 += batch }
            if let hit = batch.first(where: match) { return hit }
        }
        throw FlowTimeout(description: "no \(what) within \(timeout)")
    }

    /// Every message read so far for which `match` holds.
    func all(where match: (KafkaMessage) -> Bool) -> [KafkaMessage] {
        seen.withLock { $0.filter(match) }
    }

    func close() async { try? await consumer.close() }
}

extension KafkaMessage {
    /// The value as text.
    var text: String { String(decoding: value, as: UTF8.self) }
}
