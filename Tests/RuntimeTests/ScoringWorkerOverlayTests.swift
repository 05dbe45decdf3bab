import ConfigLoading
import EventLog
import Foundation
import KafkaClient
import Projection
import Runtime
import Testing
import XSellCore
import XSellTestSupport

/// The worker's overlay of its own contacts, in process with in-memory Kafka: a decision the
/// worker made counts against the customer's contact cap at once, although its
/// `decision.made.v1` never reaches the log here (nothing ingests the sink's messages).
@Suite("scoring worker contact overlay", .timeLimit(.minutes(2)))
struct ScoringWorkerOverlayTests {
    @Test("the second request of a customer with a cap of one contact gets nothing, from the overlay alone")
    func overlayCountsOwnDecisions() async throws {
        let yaml = try String(contentsOfFile: RuntimeFixtures.tutorialConfigPath, encoding: .utf8)
        let capped = yaml.replacingOccurrences(
            of: "contactPolicies: []",
            with: "contactPolicies:\n  - { type: customer_total_cap, name: One contact, maxTotal: 1, periodType: monthly }")
        #expect(capped != yaml, "config/cross-sell.yaml no longer has `contactPolicies: []`")
        let config = try ConfigLoader.load(yaml: capped)
        // cust_42 of the tutorial: treated arm (holdout bucket 6494 of 10,000), eligible for two offers.
        let lines = try String(contentsOfFile: RuntimeFixtures.root + "/topics/examples/tutorial-customers.jsonl", encoding: .utf8)
        let line = try #require(lines.split(separator: "\n").first { $0.contains("\"customerId\":\"cust_42\"") })
        let profile = try EventCodec.decode(topic: XSellTopic.profile.rawValue, value: Array(line.utf8), schema: config.schema)

        let directory = FileManager.default.temporaryDirectory.path + "/xsell-overlay-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try EventLogWriter.open(directory: directory + "/log")
        try log.append([LogRecordInput(
            topic: XSellTopic.profile.rawValue, partition: 0, offset: 0, eventId: profile.eventId, payload: profile.binaryEncoded())])
        try log.close()
        let projection = ProjectionRunner(
            config: config, reader: EventLogReader(directory: directory + "/log"),
            snapshotDirectory: directory + "/snapshots", logger: .test("xsell.overlay-test"))
        try await projection.restore()

        let source = ScriptedSource(assignment: [TopicPartition(topic: XSellTopic.requested.rawValue, partition: 0)])
        let sink = GatedSink { _ in false }
        let worker = ScoringWorker(
            consumer: source, ingestProgress: EmptyPartitions(), producer: sink, projection: projection,
            config: config, logger: .test("xsell.overlay-test"))
        let running = Task { try await worker.run() }
        var counts: [Int] = []
        for offset in Int64(0)..<2 {
            source.enqueue([ScoringWorkerPipelineTests.request("cust_42", offset: offset, limit: 1)])
            let reply = try await withTimeout(.seconds(30), "the reply to request \(offset)") {
                for await message in sink.acknowledged where message.topic == XSellTopic.returned.rawValue {
                    return try ResponseCodec.decode(value: message.value)
                }
                throw TestTimeout(description: "the sink finished")
            }
            guard case .response(let response) = reply else { Issue.record("an error reply: \(reply)"); break }
            counts.append(response.count)
        }
        #expect(counts == [1, 0], "one offer, then none: the first decision is counted before the log knows it")
        #expect(projection.withState { $0.customer("cust_42")?.contacts.count } == 0, "the log never saw the decision")
        running.cancel()
        try await running.value
    }
}
