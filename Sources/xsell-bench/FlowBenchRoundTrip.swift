import ArgumentParser
import ConfigLoading
import Foundation
import KafkaClient
import Logging
import Projection
import Runtime
import Synchronization
import XSellClient
import XSellCore

/// `xsell-bench roundtrip`: request→reply latency through a running in-process node, next to an
/// echo service on the same broker in the same run.
struct RoundTripBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roundtrip",
        abstract: "Request→reply p50/p99 at fixed rates: xsell (ingest + projection + worker) vs an echo service.")

    @OptionGroup var brokers: BrokerOptions
    @Option(help: "The decisioning configuration.") var config = "config/cross-sell.yaml"
    @Option(help: "Directory of topic specs.") var topics = "topics"
    @Option(name: .customLong("rate"), help: "Requests per second (repeatable).") var rates: [Int] = [100, 500, 1000]
    @Option(help: "Seconds of requests per rate.") var seconds = 3
    @Option(help: "Most requests per rate.") var maxRequests = 3_000
    @Option(help: "Distinct customers the requests cycle through.") var customers = 500

    func run() async throws {
        let config = try ConfigLoader.load(path: config)
        let specs = try TopicSpec.loadAll(directory: topics)
        print("| broker | rate/s | requests | xsell p50 ms | xsell p99 ms | echo p50 ms | echo p99 ms | p99 xsell/echo | failed (xsell/echo) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for broker in try brokers.brokers() {
            try await measure(on: broker, config: config, specs: specs)
        }
    }

    private func measure(
        on broker: (name: String, bootstrap: String, embedded: EmbeddedBroker?), config: XSellConfig, specs: [TopicSpec]
    ) async throws {
        var kafka = KafkaConfiguration(bootstrapServers: broker.bootstrap, properties: ["log_level": "3"])
        if let embedded = broker.embedded {
            try TopicSetup.create(specs, broker: embedded)
        } else {
            try await TopicSetup.create(specs, admin: KafkaAdmin(configuration: kafka, logger: .bench()))
            kafka = kafka.merging(["session.timeout.ms": "6000", "max.poll.interval.ms": "7000"])
        }
        let run = UUID().uuidString.prefix(8).lowercased()
        let echoRequests = "bench-echo-requests-\(run)", echoReplies = "bench-echo-replies-\(run)"
        for topic in [echoRequests, echoReplies] { try await brokers.createTopic(topic, partitions: 6, on: broker) }

        var settings = NodeSettings(
            kafka: kafka, config: config,
            dataDirectory: FileManager.default.temporaryDirectory.path + "/xsell-bench-\(run)", roles: .all)
        settings.ingestGroup = "bench-ingest-\(run)"
        settings.serveGroup = "bench-serve-\(run)"
        defer { try? FileManager.default.removeItem(atPath: settings.dataDirectory) }
        let (node, nodeTask) = try await startBenchNode(settings)
        let echo = try await EchoService(kafka: kafka, requests: echoRequests, replies: echoReplies)
        let echoTask = Task { try await echo.run() }
        let client = try RecommendationClient(kafka: kafka, logger: .bench())
        try await client.start()
        let echoClient = try await EchoClient(kafka: kafka, requests: echoRequests, replies: echoReplies)
        defer {
            nodeTask.cancel()
            echoTask.cancel()
        }

        // Profiles for the customers (the tutorial's cust_42, cloned), ingested before measuring.
        let ids = (0..<customers).map { "bench-\(run)-\($0)" }
        let producer = try KafkaProducer(configuration: kafka, logger: .bench())
        for id in ids {
            let profile = FlowCatalogue.cust42(as: id, at: WallClock.now())
            try producer.send(OutgoingMessage(
                topic: XSellTopic.profile.rawValue, key: Array(id.utf8), value: EventCodec.encode(.profile(profile)))) { _ in }
        }
        try await producer.close()
        let projection = try requireBench(node.projection, "projection")
        while true {
            let next = projection.applied + 1  // read before the check, so no fold is missed
            if projection.withState({ state in ids.allSatisfy { state.customer($0) != nil } }) { break }
            try await projection.waitUntilApplied(next)
        }

        @Sendable func request(_ i: Int) -> RecommendationRequest {
            RecommendationRequest(
                requestId: "b-\(run)-\(UUID().uuidString.prefix(13))", customerId: ids[i % ids.count], channel: "in_app",
                decisionFlowKey: "cross-sell")
        }
        let xsellSend: @Sendable (Int) async throws -> Void = { i in
            guard case .response = try await client.recommend(request(i), timeout: .seconds(20)) else {
                throw ValidationError("error reply")
            }
        }
        let echoSend: @Sendable (Int) async throws -> Void = { i in try await echoClient.roundTrip(request(i)) }
        // Warm-up: group joins and connections, then a short burst of each.
        for send in [xsellSend, echoSend] {
            try await send(0)
            _ = await LatencySample.measure(rate: 200, count: 100, send)
        }
        for rate in rates {
            let count = min(maxRequests, rate * seconds)
            let x = await LatencySample.measure(rate: rate, count: count, xsellSend)
            let e = await LatencySample.measure(rate: rate, count: count, echoSend)
            print("| \(broker.name) | \(rate) | \(count) | \(fixed(x.percentile(0.5), 2)) | \(fixed(x.percentile(0.99), 2)) | "
                + "\(fixed(e.percentile(0.5), 2)) | \(fixed(e.percentile(0.99), 2)) | "
                + "\(fixed(x.percentile(0.99) / e.percentile(0.99), 2)) | \(x.failures)/\(e.failures) |")
        }
        try await stopNodeAndEcho(client: client, echoClient: echoClient, tasks: [nodeTask, echoTask])
    }
}

/// Starts a node for a bench (warnings and errors to stderr) and runs it in a task.
func startBenchNode(_ settings: NodeSettings) async throws -> (Node, Task<Void, any Error>) {
    let logger = Logger.bench()
    let node = try await Node(settings: settings, logger: logger)
    try await node.start()
    return (node, Task { try await node.run() })
}

/// Closes the clients of a node-and-echo bench, then cancels the node's and the echo's tasks and
/// waits for them to end.
func stopNodeAndEcho(client: RecommendationClient, echoClient: EchoClient, tasks: [Task<Void, any Error>]) async throws {
    try await client.close()
    await echoClient.close()
    for task in tasks { task.cancel() }
    for task in tasks { _ = await task.result }
}

func requireBench<T>(_ value: T?, _ what: String = "value") throws -> T {
    guard let value else { throw ValidationError("missing \(what)") }
    return value
}

/// The baseline: a consumer group member that produces every request's bytes back to the reply
/// topic, shaped like the scoring worker (same low-latency settings, poll batches of 256, await
/// the batch's deliveries, then store the offsets) minus the decision work.
final class EchoService: Sendable {
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let replies: String

    init(kafka: KafkaConfiguration, requests: String, replies: String) async throws {
        consumer = try KafkaConsumer(configuration: kafka.lowLatencyConsumer.merging(["group.id": "bench-echo-\(UUID())"]), logger: .bench())
        try await consumer.subscribe(topics: [requests])
        producer = try KafkaProducer(configuration: kafka.lowLatencyProducer, logger: .bench())
        self.replies = replies
    }

    func run() async throws {
        defer { Task { [consumer, producer] in try? await consumer.close(); try? await producer.close() } }
        while !Task.isCancelled {
            let batch = try await consumer.poll(maxMessages: 256, timeout: .milliseconds(50))
            if batch.isEmpty { continue }
            try await withThrowingTaskGroup(of: DeliveryReport.self) { group in
                for message in batch {
                    let out = OutgoingMessage(topic: replies, key: message.key, value: message.value)
                    group.addTask { [producer] in try await producer.send(out) }
                }
                try await group.waitForAll()
            }
            for message in batch { try consumer.storeOffset(for: message) }
        }
    }
}

/// The echo's client: a ``RequestReplyChannel`` whose replies are the requests echoed back, so a
/// round trip costs what Kafka costs and nothing of xsell's.
final class EchoClient: Sendable {
    private let channel: RequestReplyChannel<Void>
    private let requests: String

    init(kafka: KafkaConfiguration, requests: String, replies: String) async throws {
        channel = try RequestReplyChannel(kafka: kafka, replyTopic: replies, logger: .bench()) { value in
            RequestCodec.requestId(in: value).map { ($0, ()) }
        }
        self.requests = requests
        try await channel.start()
    }

    func roundTrip(_ request: RecommendationRequest, timeout: Duration = .seconds(20)) async throws {
        let message = OutgoingMessage(topic: requests, key: Array(request.customerId.utf8), value: RequestCodec.encode(request))
        try await channel.send(message, requestId: request.requestId, timeout: timeout)
    }

    func close() async { try? await channel.close() }
}
