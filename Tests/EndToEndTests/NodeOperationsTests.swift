#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ConfigLoading
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KafkaClient
import Runtime
import Testing
import XSellClient
import XSellCore
import XSellTestSupport

/// A running `xsell run` node against a mock cluster the test hosts: readiness, metrics,
/// health, and its start and shutdown lines.
@Suite struct NodeOperationsTests {
    /// `xsell run` with `extra` arguments, its output file, and the addresses it announced.
    struct RunningNode {
        let child: ChildProcess
        let metrics: String
        let bootstrap: String
        let dataDirectory: String

        /// Starts the node on `bootstrap`, or on its own embedded broker when nil.
        static func start(bootstrap: String?, scratch: ScratchDirectory) async throws -> RunningNode {
            let child = try ChildProcess(
                executable: try PackagePaths.xsell(),
                arguments: ["run", "--data-dir", scratch.path + "/data", "--topics", PackagePaths.root + "/topics",
                    "--config", PackagePaths.root + "/config/cross-sell.yaml", "--metrics-listen", "127.0.0.1:0",
                    "-X", "log_level=3",
                ] + (bootstrap.map { ["--bootstrap-servers", $0] } ?? []),
                outputPath: scratch.path + "/run.out")
            try await eventually("the node to print its ready line", timeout: .seconds(120)) {
                if child.hasEnded { throw TestFailure("xsell run ended: \(child.outputTail())") }
                return child.outputTail(100_000).contains("xsell ready")
            }
            let lines = child.outputTail(100_000).split(separator: "\n")
            func announced(_ prefix: String) throws -> String {
                String(try #require(lines.first { $0.hasPrefix(prefix) }).dropFirst(prefix.count))
            }
            return RunningNode(
                child: child, metrics: "http://" + (try announced("metrics.listen=")),
                bootstrap: try announced("bootstrap.servers="), dataDirectory: scratch.path + "/data")
        }

        /// GET `path` of the operations endpoint: the status and the body.
        func get(_ path: String) async throws -> (Int, String) {
            let (data, response) = try await URLSession.shared.data(from: try #require(URL(string: metrics + path)))
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }

        /// The value of the sample `series` (name and labels, as exported) in `/metrics`.
        func sample(_ series: String) async throws -> Double? {
            let (_, body) = try await get("/metrics")
            return body.split(separator: "\n").first { $0.hasPrefix(series + " ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") }
        }
    }

    static func mockWithTopics() throws -> EmbeddedBroker {
        let broker = try EmbeddedBroker(brokerCount: 1)
        try TopicSetup.create(try TopicSpec.loadAll(directory: PackagePaths.root + "/topics"), broker: broker)
        return broker
    }

    /// Profiles published before the node starts are answered from the moment it says it is
    /// ready: "ready" means ingest has consumed to the end and the projection has folded it.
    @Test func readyMeansCaughtUp() async throws {
        let broker = try Self.mockWithTopics()
        defer { broker.shutdown() }
        let scratch = try ScratchDirectory("ready")
        defer { scratch.remove() }
        let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers).merging(["log_level": "3"])
        let producer = try KafkaProducer(configuration: kafka, logger: .test())
        for line in try String(contentsOfFile: PackagePaths.root + "/topics/examples/tutorial-customers.jsonl", encoding: .utf8)
            .split(separator: "\n")
        {
            let customer = try #require(try JSONValue.parse(Array(line.utf8))["customerId"]?.stringValue)
            _ = try await producer.send(OutgoingMessage(
                topic: XSellTopic.profile.rawValue, key: Array(customer.utf8), value: Array(line.utf8)))
        }
        try await producer.close()

        let node = try await RunningNode.start(bootstrap: broker.bootstrapServers, scratch: scratch)
        let (status, body) = try await node.get("/readyz")
        #expect(status == 200, "\(body)")
        let client = try RecommendationClient(kafka: kafka, logger: .test())
        try await client.start()
        let reply = try await client.recommend(
            RecommendationRequest(
                requestId: "ready-\(UUID().uuidString)", customerId: "cust_42", channel: "in_app",
                decisionFlowKey: "cross-sell", limit: nil, explain: false, attributes: nil, replyTo: nil),
            timeout: .seconds(30))
        try await client.close()
        guard case .response(let response) = reply else { Issue.record("expected a response: \(reply)"); return }
        #expect(!response.decisions.isEmpty || response.controlGroup, "cust_42's profile was folded before ready")
        #expect(response.meta.afterQualification == 2, "the tutorial's 2 qualified offers for cust_42")
        node.child.signal(SIGTERM)
        _ = try await node.child.waitForExit(timeout: .seconds(60))
    }

    /// Counters and histograms move with the traffic; health answers; a new data directory
    /// logs no recovery; SIGTERM logs the shutdown line and exits 0.
    @Test func metricsMoveWithTraffic() async throws {
        let broker = try Self.mockWithTopics()
        defer { broker.shutdown() }
        let scratch = try ScratchDirectory("metrics")
        defer { scratch.remove() }
        let node = try await RunningNode.start(bootstrap: broker.bootstrapServers, scratch: scratch)
        #expect(try await node.get("/healthz").0 == 200)
        #expect(try await node.get("/readyz").0 == 200)
        let profile = #"xsell_events_ingested_total{topic="customer.profile.v1"}"#
        let decided = #"xsell_requests_total{outcome="decided"}"#
        let badRequests = #"xsell_requests_total{outcome="bad_request"}"#
        let decisions = "xsell_decision_seconds_count"
        #expect(try await node.sample(decided) ?? 0 == 0)

        let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers).merging(["log_level": "3"])
        let producer = try KafkaProducer(configuration: kafka, logger: .test())
        let lines = try String(contentsOfFile: PackagePaths.root + "/topics/examples/tutorial-customers.jsonl", encoding: .utf8)
            .split(separator: "\n")
        for line in lines {
            let customer = try #require(try JSONValue.parse(Array(line.utf8))["customerId"]?.stringValue)
            _ = try await producer.send(OutgoingMessage(
                topic: XSellTopic.profile.rawValue, key: Array(customer.utf8), value: Array(line.utf8)))
        }
        _ = try await producer.send(OutgoingMessage(
            topic: XSellTopic.requested.rawValue, key: Array("x".utf8), value: Array(#"{"requestId":"bad-1"}"#.utf8)))
        try await producer.close()
        let client = try RecommendationClient(kafka: kafka, logger: .test())
        try await client.start()
        for index in 0..<3 {
            _ = try await client.recommend(
                RecommendationRequest(
                    requestId: "metrics-\(index)-\(UUID().uuidString)", customerId: "cust_42", channel: "in_app",
                    decisionFlowKey: "cross-sell", limit: nil, explain: false, attributes: nil, replyTo: nil),
                timeout: .seconds(30))
        }
        try await client.close()
        // Scrapes are another process's state: polled, with a deadline.
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let ingested = try await node.sample(profile) ?? 0
            let bad = try await node.sample(badRequests) ?? 0
            let replied = try await node.sample("xsell_request_reply_seconds_count") ?? 0  // counted on delivery
            if ingested >= Double(lines.count) && bad >= 1 && replied >= 4 { break }
            guard ContinuousClock.now < deadline else { throw TestFailure("metrics did not move: \(try await node.get("/metrics").1)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await node.sample(profile) == Double(lines.count))
        #expect(try await node.sample(decided) == 3)
        #expect(try await node.sample(decisions) == 3)
        #expect(try await node.sample("xsell_request_reply_seconds_count") == 4, "3 responses and the bad request's error reply")
        #expect(try await node.sample("xsell_log_fsync_seconds_count") ?? 0 >= 1)
        #expect(try await node.sample("xsell_fold_lag_records") != nil)
        #expect(try await node.sample("xsell_ready") == 1)
        let metrics = try await node.get("/metrics").1
        #expect(metrics.contains(#"xsell_consumer_lag{role="ingest",topic="customer.profile.v1",partition="0"}"#), "\(metrics)")
        #expect(metrics.contains(#"xsell_decisions_total{arm="#), "\(metrics)")
        #expect(metrics.contains(#"xsell_dead_letters_total{code="#), "the bad request was dead-lettered: \(metrics)")

        node.child.signal(SIGTERM)
        let exit = try await node.child.waitForExit(timeout: .seconds(60))
        let output = node.child.outputTail(100_000)
        #expect(exit == ChildProcess.Exit(status: 0, bySignal: false), "\(output)")
        #expect(output.contains("shut down cleanly"), "\(output)")
        #expect(!output.contains("recovery"), "a new data directory is not a recovery: \(output)")
    }
}
