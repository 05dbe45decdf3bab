#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import KafkaClient
import Synchronization
import Testing
import XSellClient
import XSellCore
import XSellTestSupport

/// `xsell run` replica processes on one test's broker (docs/scaling.md): each with its own
/// `--instance-id` and data directory, all with one configuration file.
final class ReplicaCluster: Sendable {
    let context: IngestTestContext
    let configPath: String
    private let processes = Mutex<[String: ChildProcess]>([:])
    private let everyChild = Mutex<[ChildProcess]>([])

    /// Writes `config` (YAML) into the test's scratch directory.
    init(context: IngestTestContext, configYAML: String) throws {
        self.context = context
        configPath = context.scratch.path + "/replica-config.yaml"
        try configYAML.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func dataDirectory(_ id: String) -> String { context.scratch.path + "/\(id)" }
    func outputPath(_ id: String) -> String { dataDirectory(id) + ".out" }

    /// Starts replica `id` (output appended to `<id>.out`) and waits for its next "xsell ready".
    @discardableResult
    func start(_ id: String, extra: [String] = []) async throws -> ChildProcess {
        let readyBefore = readyCount(id)
        let child = try launch(id, extra: extra)
        try await eventually("replica \(id) ready", timeout: .seconds(60)) {
            if child.hasEnded { throw TestFailure("replica \(id) exited:\n\(child.outputTail())") }
            return readyCount(id) > readyBefore
        }
        return child
    }

    /// Starts replica `id` without waiting.
    func launch(_ id: String, extra: [String] = []) throws -> ChildProcess {
        try FileManager.default.createDirectory(atPath: dataDirectory(id), withIntermediateDirectories: true)
        var arguments = [
            "run", "--bootstrap-servers", context.broker.bootstrapServers, "--data-dir", dataDirectory(id),
            "--instance-id", id, "--config", configPath, "--metrics-listen", "127.0.0.1:0",  // replicas share the host
            "-X", "log_level=4",
            // Each membership change costs the test brokers an eager rebalance of 5-20 s (more
            // under load), during which requests wait: what is tested is that none is lost or
            // decided twice, not how long a rebalance takes, so requests do not expire meanwhile.
            "--request-ttl-seconds", "\(Int(RequestStream.timeout.components.seconds) - 10)",
        ]
        arguments += extra
        let child = try ChildProcess(executable: try PackagePaths.xsell(), arguments: arguments, outputPath: outputPath(id))
        processes.withLock { $0[id] = child }
        everyChild.withLock { $0.append(child) }
        return child
    }

    /// SIGKILL and the exit.
    func kill(_ id: String) async throws -> ChildProcess.Exit {
        let child = try #require(processes.withLock { $0[id] })
        child.signal(SIGKILL)
        return try await child.waitForExit(timeout: .seconds(20))
    }

    /// SIGTERM (graceful) and the exit.
    func stop(_ id: String) async throws -> ChildProcess.Exit {
        let child = try #require(processes.withLock { $0[id] })
        child.signal(SIGTERM)
        return try await child.waitForExit(timeout: .seconds(60))
    }

    /// Kills whatever is still running (teardown), printing outputs when `failed`.
    func tearDown(failed: Bool) async {
        for child in everyChild.withLock({ $0 }) {
            if failed { print("output of replica pid \(child.pid):\n\(child.outputTail(4000))") }
            if !child.hasEnded {
                child.signal(SIGKILL)
                _ = try? await child.waitForExit(timeout: .seconds(10))
            }
        }
    }

    func output(_ id: String) -> String { (try? String(contentsOfFile: outputPath(id), encoding: .utf8)) ?? "" }

    /// The lines of replica `id`'s output that tell where its request partitions went and why
    /// a request waited (printed when a replica test fails).
    func timeline(_ id: String) -> String {
        let markers = ["xsell ready", "request partition", "expired", "shutting down", "stopped at position", "error"]
        return output(id).split(separator: "\n").filter { line in markers.contains { line.contains($0) } }
            .suffix(120).joined(separator: "\n")
    }

    private func readyCount(_ id: String) -> Int { output(id).components(separatedBy: "xsell ready:").count - 1 }

    /// The digest the replica's live projection logged when it last stopped.
    func liveDigest(_ id: String) throws -> String {
        let lines = output(id).split(separator: "\n").filter { $0.contains("projection stopped at position") }
        let last = try #require(lines.last, "replica \(id) logged no final digest")
        return String(try #require(last.split(separator: " ").last))
    }

    /// The digest `xsell replay` computes from the replica's log (the process must have stopped).
    func replayDigest(_ id: String) async throws -> String {
        let path = context.scratch.path + "/replay-\(id).out"
        let child = try ChildProcess(
            executable: try PackagePaths.xsell(),
            arguments: ["replay", "--data-dir", dataDirectory(id), "--config", configPath], outputPath: path)
        let exit = try await child.waitForExit(timeout: .seconds(60))
        #expect(exit == ChildProcess.Exit(status: 0, bySignal: false), "\(child.outputTail())")
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("state digest") }, "\(text)")
        return String(try #require(line.split(separator: " ").last))
    }
}

/// Requests sent at a steady rate while replicas come and go, and what became of each.
final class RequestStream: Sendable {
    struct Outcome: Sendable {
        var replies: [String: RecommendationReply] = [:]
        var failures: [String: String] = [:]
        /// How long each answered request took, send to reply.
        var latencies: [Duration] = []
    }

    /// How long each request waits for its reply.
    static let timeout = Duration.seconds(130)

    private let client: RecommendationClient
    private let outcome = Mutex(Outcome())
    private let tasks = Mutex<[Task<Void, Never>]>([])

    init(kafka: KafkaConfiguration) async throws {
        client = try RecommendationClient(kafka: kafka, logger: .test())
        try await client.start()
    }

    /// Sends `count` requests, `perSecond` a second, cycling over `customers` (limit 1 each);
    /// returns once all are sent (their replies are awaited by ``finish()``).
    func send(count: Int, perSecond: Double, customers: [String], label: String) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        for i in 0..<count {
            try await clock.sleep(until: start + .seconds(Double(i) / perSecond))  // the send schedule
            let request = RecommendationRequest(
                requestId: "\(label)-req-\(i)", customerId: customers[i % customers.count], channel: "in_app",
                decisionFlowKey: "cross-sell", limit: 1, explain: false, attributes: nil, replyTo: nil)
            let task = Task { [self] in
                do {
                    let sent = ContinuousClock.now
                    let reply = try await client.recommend(request, timeout: Self.timeout)
                    let latency = ContinuousClock.now - sent
                    outcome.withLock {
                        $0.replies[request.requestId] = reply
                        $0.latencies.append(latency)
                    }
                } catch {
                    outcome.withLock { $0.failures[request.requestId] = "\(error)" }
                }
            }
            tasks.withLock { $0.append(task) }
        }
    }

    /// Awaits every reply (or its timeout) and closes the client.
    func finish() async -> Outcome {
        for task in tasks.withLock({ $0 }) { await task.value }
        try? await client.close()
        return outcome.withLock { $0 }
    }
}

/// Every `decision.made.v1` on the broker, decoded.
func allDecisions(_ broker: IngestBroker, schema: CustomerSchema) async throws -> [DecisionEvent] {
    let reader = try broker.reader(group: "replica-decisions-\(UUID().uuidString.prefix(8))")
    defer { Task { try? await reader.close() } }
    let topic = XSellTopic.decision.rawValue
    var ends: [Int32: Int64] = [:]
    for p in 0..<Int32(IngestBroker.partitions) {
        ends[p] = try await reader.highWatermark(TopicPartition(topic: topic, partition: p))
    }
    try await reader.assign((0..<Int32(IngestBroker.partitions)).map {
        TopicPartitionOffset(topic: topic, partition: $0, offset: .beginning)
    })
    var read: [Int32: Int64] = [:]
    var decisions: [DecisionEvent] = []
    let deadline = ContinuousClock.now + .seconds(30)
    while ends.contains(where: { read[$0.key, default: 0] < $0.value }) {
        guard ContinuousClock.now < deadline else { throw TestFailure("decision topic not read to its end") }
        for message in try await reader.poll(maxMessages: 1_000, timeout: .milliseconds(100)) {
            read[message.partition] = message.offset + 1
            if case .decision(let d) = try EventCodec.decode(topic: topic, value: message.value, schema: schema) {
                decisions.append(d)
            }
        }
    }
    return decisions
}
