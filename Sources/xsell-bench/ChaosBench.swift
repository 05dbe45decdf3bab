#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import ConfigLoading
import Foundation
import KafkaClient
import Runtime
import Synchronization
import XSellClient
import XSellCore
import XSellTestSupport

/// `xsell-bench chaos`: the same request load through a node without faults, with the broker
/// cut, with a burst far beyond the rate, and with the node killed (`kill -9`) and restarted;
/// reports answered, duplicated (requests with more than one decision in `decision.made.v1`),
/// lost (never answered) and the latency gap, each scenario next to the fault-free run.
struct ChaosBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Crash (kill -9 of a child xsell run), broker outage and overload vs. the same load without faults.")

    @Option(help: "The decisioning configuration.") var config = "config/cross-sell.yaml"
    @Option(help: "Directory of topic specs.") var topics = "topics"
    @Option(help: "Requests per second.") var rate = 50
    @Option(help: "Seconds of requests per scenario.") var seconds = 10
    @Option(help: "Seconds the broker is down in the outage scenario.") var outageSeconds = 4
    @Option(help: "Distinct customers.") var customers = 50
    @Option(help: "Seconds a request waits for its reply before it counts as lost.") var replyTimeout = 60
    @Option(help: "The xsell executable for the crash scenario (default: next to this one).") var xsell: String?

    func run() async throws {
        let executable = xsell ?? siblingExecutable("xsell")
        print("| scenario | sent | answered | error replies | duplicated | lost | p50 ms | p99 ms | max ms | max / no-fault max |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        var baselineMax = Double.nan
        for scenario in ChaosScenario.allCases {
            let result = try await ChaosRun(bench: self, scenario: scenario, xsell: executable).run()
            if scenario == .none { baselineMax = result.maxMilliseconds }
            print("| \(scenario.rawValue) | \(result.sent) | \(result.answered) | \(result.errors) | \(result.duplicated) | "
                + "\(result.lost) | \(fixed(result.p50, 1)) | \(fixed(result.p99, 1)) | \(fixed(result.maxMilliseconds, 1)) | "
                + "\(fixed(result.maxMilliseconds / baselineMax, 1)) |")
        }
    }
}

/// The faults of `xsell-bench chaos`.
enum ChaosScenario: String, CaseIterable {
    case none = "no faults"
    case outage = "broker cut"
    case overload = "burst (all at once, half for one customer)"
    case crash = "kill -9 + restart"
}

/// What one scenario measured.
struct ChaosResult {
    var sent = 0
    var answered = 0
    var errors = 0
    var duplicated = 0
    var lost = 0
    var p50 = Double.nan
    var p99 = Double.nan
    var maxMilliseconds = Double.nan
}

/// Each request's outcome: its latency when answered.
final class ChaosOutcomes: Sendable {
    let value = Mutex<[String: (latency: Duration?, error: Bool)]>([:])
}

/// One scenario on a fresh embedded broker: a child `xsell run`, the load, the fault, then the
/// count of decisions per request id.
struct ChaosRun {
    let bench: ChaosBench
    let scenario: ChaosScenario
    let xsell: String

    func run() async throws -> ChaosResult {
        let broker = try EmbeddedBroker(brokerCount: 1)
        defer { broker.shutdown() }
        try TopicSetup.create(try TopicSpec.loadAll(directory: bench.topics), broker: broker)
        let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: ["log_level": "0"])
        let data = FileManager.default.temporaryDirectory.path + "/xsell-chaos-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: data) }
        // Every scenario runs the node the same way, so the fault-free run is a like-for-like baseline.
        let arguments = [
            "run", "--bootstrap-servers", broker.bootstrapServers, "--data-dir", data, "--config", bench.config,
            "--metrics-listen", "127.0.0.1:0", "-X", "log_level=3",
        ]
        var child: Process? = try launchChild(xsell, arguments, output: data + "/run.out")
        defer { if let child { kill(child.processIdentifier, SIGKILL) } }

        let ids = (0..<bench.customers).map { "chaos-\($0)" }
        let producer = try KafkaProducer(configuration: kafka, logger: .bench())
        for id in ids {
            let profile = FlowCatalogue.cust42(as: id, at: WallClock.now())
            _ = try await producer.send(OutgoingMessage(
                topic: XSellTopic.profile.rawValue, key: Array(id.utf8), value: EventCodec.encode(.profile(profile))))
        }
        try await producer.close()
        let client = try RecommendationClient(kafka: kafka, logger: .bench())
        try await client.start()
        // Warm-up: the node has joined its groups once one request is answered.
        _ = try await client.recommend(request(ids[0], "warm"), timeout: .seconds(120))

        let count = bench.rate * bench.seconds
        let outcomes = ChaosOutcomes()
        let clock = ContinuousClock()
        let start = clock.now
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    let customer = scenario == .overload && index % 2 == 0 ? ids[0] : ids[index % ids.count]
                    if scenario != .overload {
                        try? await Task.sleep(until: start + .seconds(1) * index / bench.rate)  // pacing
                    }
                    let request = request(customer, "\(index)")
                    group.addTask {
                        let sent = clock.now
                        var outcome: (Duration?, Bool) = (nil, false)
                        if let reply = try? await client.recommend(request, timeout: .seconds(bench.replyTimeout)) {
                            if case .error = reply { outcome.1 = true }
                            outcome.0 = clock.now - sent
                        }
                        outcomes.value.withLock { $0[request.requestId] = outcome }
                    }
                }
            }
        }
        let faultAt = start + .seconds(bench.seconds) / 3
        switch scenario {
        case .none, .overload:
            break
        case .outage:
            try await Task.sleep(until: faultAt)
            try broker.setBrokerDown(1)
            try await Task.sleep(for: .seconds(bench.outageSeconds))
            try broker.setBrokerUp(1)
        case .crash:
            try await Task.sleep(until: faultAt)
            if let running = child {
                kill(running.processIdentifier, SIGKILL)
                running.waitUntilExit()
            }
            child = try launchChild(xsell, arguments, output: data + "/run.out")
        }
        await load.value
        try await client.close()
        let decisions = try await decisionCounts(kafka)
        let results = outcomes.value.withLock { $0 }
        var result = ChaosResult()
        result.sent = results.count
        let latencies = results.values.compactMap(\.latency)
        result.answered = latencies.count
        result.errors = results.values.filter(\.error).count
        result.lost = results.count - latencies.count
        result.duplicated = results.keys.filter { (decisions[$0] ?? 0) > 1 }.count
        result.p50 = percentileMilliseconds(latencies, 0.5)
        result.p99 = percentileMilliseconds(latencies, 0.99)
        result.maxMilliseconds = latencies.max()?.benchMilliseconds ?? .nan
        return result
    }

    private func request(_ customer: String, _ suffix: String) -> RecommendationRequest {
        RecommendationRequest(
            requestId: "chaos-\(UUID().uuidString.prefix(8))-\(suffix)", customerId: customer, channel: "in_app",
            decisionFlowKey: "cross-sell")
    }

    /// How many `decision.made.v1` events each request id has, read from the topic's start.
    private func decisionCounts(_ kafka: KafkaConfiguration) async throws -> [String: Int] {
        let consumer = try KafkaConsumer(configuration: kafka.merging([
            "group.id": "chaos-count-\(UUID())", "enable.auto.commit": "false", "fetch.wait.max.ms": "5",
        ]), logger: .bench())
        defer { Task { try? await consumer.close() } }
        let topic = XSellTopic.decision.rawValue
        let partitions = try await KafkaAdmin(configuration: kafka, logger: .bench()).listTopics()[topic] ?? 0
        var ends: [Int32: Int64] = [:]
        for partition in 0..<Int32(partitions) {
            ends[partition] = try await consumer.highWatermark(TopicPartition(topic: topic, partition: partition))
        }
        try await consumer.assign((0..<Int32(partitions)).map { TopicPartitionOffset(topic: topic, partition: $0, offset: .beginning) })
        var read: [Int32: Int64] = [:]
        var counts: [String: Int] = [:]
        while ends.contains(where: { $0.value > (read[$0.key] ?? 0) }) {
            for message in try await consumer.poll(maxMessages: 1_000, timeout: .milliseconds(200)) {
                read[message.partition] = message.offset + 1
                guard case .decision(let event) = try? EventCodec.decode(topic: topic, value: message.value, schema: nil),
                    let requestId = event.requestId
                else { continue }
                counts[requestId, default: 0] += 1
            }
        }
        return counts
    }
}
