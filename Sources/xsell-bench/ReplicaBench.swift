#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import ConfigLoading
import Foundation
import KafkaClient
import Runtime
import Synchronization
import XSellClient
import XSellCore

/// `xsell-bench replicas`: requests/s and latency with 1, 2 and 3 `xsell run` replica processes
/// on one embedded broker, and the failover gap when one of them is killed with SIGKILL.
struct ReplicaBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replicas",
        abstract: "Closed-loop requests/s and p50/p99 with 1, 2 and 3 replicas; failover gap after kill -9.")

    @Option(help: "The decisioning configuration.") var config = "config/cross-sell.yaml"
    @Option(help: "Directory of topic specs.") var topics = "topics"
    @Option(help: "The xsell executable (default: next to this one).") var xsell: String?
    @Option(name: .customLong("replicas"), help: "Replica counts to measure (repeatable).") var counts: [Int] = [1, 2, 3]
    @Option(help: "Requests in flight (closed loop).") var concurrency = 32
    @Option(help: "Seconds of load per replica count.") var seconds = 8
    @Option(help: "Distinct customers (over 6 partitions).") var customers = 60
    @Option(help: "An independent broker (tansu) to run on instead of the embedded mock cluster; its topics need 6 partitions. Needs librdkafka >= 2.2.")
    var tansu: String?
    @Option(name: .customLong("replica-property"), help: "A librdkafka property KEY=VALUE passed to every replica with -X, after the bench's own (repeatable), e.g. debug=cgrp.")
    var replicaProperties: [String] = []
    @Flag(help: "Keep the replicas' data directories and outputs (r<N>.out) and print where they are; they are always kept when a run fails.")
    var keep = false

    func run() async throws {
        let executable = xsell ?? siblingExecutable("xsell")
        print("| replicas | requests | requests/s | p50 ms | p99 ms | ratio to 1 replica | gap after kill -9 (until every customer is answered again) |")
        print("|---|---|---|---|---|---|---|")
        var baseline: Double?
        for count in counts {
            let run = try await ReplicaBenchRun.start(
                replicas: count, executable: executable, config: config, topics: topics, customers: customers, tansu: tansu,
                properties: replicaProperties)
            do {
                let load = try await run.closedLoop(concurrency: concurrency, seconds: seconds)
                let rate = Double(load.latencies.count) / load.elapsed.benchSeconds
                baseline = baseline ?? rate
                // One replica: killed and restarted at once; more: killed, the others take over.
                let gap = try await run.gapAfterKill(restart: count == 1)
                let ratio = String(format: "%.2f", rate / (baseline ?? rate))
                print("| \(count) | \(load.latencies.count) | \(Int(rate)) | "
                    + String(format: "%.1f | %.1f", percentileMilliseconds(load.latencies, 0.5), percentileMilliseconds(load.latencies, 0.99))
                    + " | \(ratio) | " + String(format: "%.1f s", gap.benchSeconds) + (count == 1 ? " (restarted)" : " (failover)") + " |")
            } catch {
                await run.stop(keepData: true)
                throw error
            }
            await run.stop(keepData: keep)
        }
    }
}

/// One measurement: a fresh embedded broker (or the given independent one), `replicas`
/// processes with their own data directories and instance ids, a recommendation client, and
/// the customers' profiles ingested by every replica.
final class ReplicaBenchRun: Sendable {
    private let broker: EmbeddedBroker?
    private let directory: String
    private let children: Mutex<[Int: Process]>
    private let client: RecommendationClient
    private let customerIds: [String]
    private let relaunch: @Sendable (Int) throws -> Process

    private init(
        broker: EmbeddedBroker?, directory: String, children: [Int: Process], client: RecommendationClient,
        customerIds: [String], relaunch: @escaping @Sendable (Int) throws -> Process
    ) {
        self.relaunch = relaunch
        self.broker = broker
        self.directory = directory
        self.children = Mutex(children)
        self.client = client
        self.customerIds = customerIds
    }

    static func start(
        replicas: Int, executable: String, config: String, topics: String, customers: Int, tansu: String?,
        properties: [String]
    ) async throws -> ReplicaBenchRun {
        let specs = try TopicSpec.loadAll(directory: topics)
        let broker: EmbeddedBroker?
        let bootstrap: String
        if let tansu {
            broker = nil
            bootstrap = tansu
            try await TopicSetup.create(specs, partitions: 6, admin: KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: tansu), logger: .bench()))
        } else {
            let embedded = try EmbeddedBroker(brokerCount: 1)
            try TopicSetup.create(specs, partitions: 6, broker: embedded)
            broker = embedded
            bootstrap = embedded.bootstrapServers
        }
        // Instance ids and a serve group of their own: on a broker kept between runs, no group
        // remembers them (tansu can keep a departed leader in a group for good: docs/scaling.md).
        let run = String(UUID().uuidString.prefix(8))
        let directory = FileManager.default.temporaryDirectory.path + "/xsell-bench-replicas-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var children: [Int: Process] = [:]
        let launch = { @Sendable (index: Int) throws -> Process in
            try Self.launch(
                index, run: run, executable: executable, bootstrap: bootstrap, config: config, directory: directory,
                properties: properties)
        }
        for index in 1...replicas { children[index] = try launch(index) }
        let client = try RecommendationClient(kafka: KafkaConfiguration(bootstrapServers: bootstrap), logger: .bench())
        try await client.start()
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: bootstrap), logger: .bench())
        let ids = (0..<customers).map { "bench-replica-\($0)" }
        let tutorialProfile = try String(contentsOfFile: topics + "/examples/tutorial-customers.jsonl", encoding: .utf8)
            .split(separator: "\n").first { $0.contains(#""customerId":"cust_42""#) }.map(String.init) ?? ""
        for id in ids {
            let profile = tutorialProfile.replacingOccurrences(of: "cust_42", with: id)
            _ = try await producer.send(OutgoingMessage(
                topic: XSellTopic.profile.rawValue, key: Array(id.utf8), value: Array(profile.utf8)))
        }
        try await producer.close()
        let measurement = ReplicaBenchRun(
            broker: broker, directory: directory, children: children, client: client, customerIds: ids,
            relaunch: launch)
        // Warm-up: one answered request per customer means every replica joined and every
        // request partition is handed over.
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in ids {
                    group.addTask {
                        do {
                            _ = try await measurement.request(id, timeout: .seconds(90))
                        } catch {
                            throw ValidationError("warm-up with \(replicas) replicas: customer \(id): \(error)")
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            await measurement.stop(keepData: true)
            throw error
        }
        return measurement
    }

    private static func launch(
        _ index: Int, run: String, executable: String, bootstrap: String, config: String, directory: String,
        properties: [String]
    ) throws -> Process {
        let arguments = [
            "run", "--bootstrap-servers", bootstrap, "--data-dir", directory + "/r\(index)",
            "--instance-id", "bench-\(run)-r\(index)", "--serve-group", "bench-serve-\(run)",
            "--config", config, "--metrics-listen", "127.0.0.1:0", "-X", "log_level=3",
        ] + properties.flatMap { ["-X", $0] }
        return try launchChild(executable, arguments, output: directory + "/r\(index).out")
    }

    private func request(_ customerId: String, timeout: Duration = .seconds(30)) async throws -> RecommendationReply {
        try await client.recommend(
            RecommendationRequest(
                requestId: "bench-\(UUID().uuidString.lowercased())", customerId: customerId, channel: "in_app",
                decisionFlowKey: "cross-sell", limit: 1, explain: false, attributes: nil, replyTo: nil),
            timeout: timeout)
    }

    /// `concurrency` request loops over the customers for `seconds`.
    func closedLoop(concurrency: Int, seconds: Int) async throws -> (latencies: [Duration], elapsed: Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + .seconds(seconds)
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for worker in 0..<concurrency {
                group.addTask { [self] in
                    var samples: [Duration] = []
                    var i = worker
                    while clock.now < end {
                        let sent = clock.now
                        _ = try await request(customerIds[i % customerIds.count])
                        samples.append(clock.now - sent)
                        i += concurrency
                    }
                    return samples
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return (latencies, clock.now - start)
    }

    /// Kills the last replica with SIGKILL (and, with `restart`, starts it again at once) while
    /// requests for every customer keep coming (one every 10 ms), and returns the time from the
    /// kill until every customer's requests are answered again: the failover of the moved
    /// partitions (session timeout, rebalance, handover), or the restarted replica's recovery.
    func gapAfterKill(restart: Bool) async throws -> Duration {
        guard let (index, victim) = children.withLock({ $0.max { $0.key < $1.key } }) else { return .zero }
        let clock = ContinuousClock()
        let killed = clock.now
        kill(victim.processIdentifier, SIGKILL)
        if restart {
            while victim.isRunning { try await Task.sleep(for: .milliseconds(5)) }  // another process's exit
            let process = try relaunch(index)
            children.withLock { $0[index] = process }
        }
        let firstAnswer = FirstAnswers()
        try await withThrowingTaskGroup(of: Void.self) { group in
            var i = 0
            while firstAnswer.times.withLock({ $0.count }) < customerIds.count {
                guard clock.now - killed < .seconds(60) else { throw ValidationError("no failover within 60 s") }
                let id = customerIds[i % customerIds.count]
                i += 1
                if firstAnswer.times.withLock({ $0[id] }) == nil {
                    group.addTask { [self] in
                        _ = try await request(id, timeout: .seconds(60))
                        let now = clock.now
                        firstAnswer.times.withLock { if $0[id] == nil { $0[id] = now } }
                    }
                }
                try await Task.sleep(for: .milliseconds(10))  // the send schedule
            }
            group.cancelAll()
        }
        return (firstAnswer.times.withLock { $0.values.max() } ?? killed) - killed
    }

    /// Stops the replicas (SIGTERM, then waits), the client and the broker; removes the data
    /// unless `keepData` (then it prints where the replicas' outputs are).
    func stop(keepData: Bool = false) async {
        try? await client.close()
        let running = children.withLock { Array($0.values) }.filter(\.isRunning)
        for process in running { process.terminate() }
        for process in running {
            while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }  // another process's exit
        }
        broker?.shutdown()
        if keepData {
            FileHandle.standardError.write(Data("replica outputs and data kept in \(directory) (r<N>.out)\n".utf8))
        } else {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}

/// When each customer's first request after the kill was answered.
private final class FirstAnswers: Sendable {
    let times = Mutex<[String: ContinuousClock.Instant]>([:])
}
