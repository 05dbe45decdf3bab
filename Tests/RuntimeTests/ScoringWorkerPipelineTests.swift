import EventLog
import Foundation
import KafkaClient
import Logging
import Runtime
import Testing
import XSellCore
import XSellTestSupport

/// The scoring worker's pipelining, in process with in-memory Kafka (``ScriptedSource``,
/// ``GatedSink``) and a real projection over a real log: while one batch's sends are in flight
/// the next batch is decided and sent, and offsets are stored in batch order, each only once
/// its own batch and every earlier one are delivered.
@Suite("scoring worker pipeline", .timeLimit(.minutes(2)))
struct ScoringWorkerPipelineTests {
    /// A log holding a tutorial-like profile for each of `customers`.
    static func log(_ directory: String, customers: [String]) throws {
        let log = try EventLogWriter.open(directory: directory)
        try log.append(customers.enumerated().map { index, customer in
            LogRecordInput(
                topic: XSellTopic.profile.rawValue, partition: 0, offset: Int64(index), eventId: "pf-\(customer)",
                payload: DomainEvent.profile(ProfileEvent(
                    eventId: "pf-\(customer)", customerId: customer, occurredAt: WallClock.now(),
                    attributes: ["tenureMonths": .integer(30), "age": .integer(40), "segment": .string("mass")]))
                    .binaryEncoded())
        })
        try log.close()
    }

    static func request(_ customer: String, offset: Int64, limit: Int? = nil) -> KafkaMessage {
        let request = RecommendationRequest(
            requestId: "req-\(customer)-\(offset)", customerId: customer, channel: "in_app", decisionFlowKey: "cross-sell",
            limit: limit)
        return KafkaMessage(
            topic: XSellTopic.requested.rawValue, partition: 0, offset: offset, key: Array(customer.utf8),
            value: RequestCodec.encode(request), timestamp: WallClock.now().millisecondsSinceEpoch)
    }

    @Test("batch 2 is decided and delivered while batch 1 is held; offsets wait and are stored in order")
    func pipelined() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/xsell-pipeline-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = (0..<4).map { "first-\($0)" }
        let second = (0..<4).map { "second-\($0)" }
        try Self.log(directory + "/log", customers: first + second)
        let config = try RuntimeFixtures.tutorialConfig()
        let logger = Logger.test("xsell.pipeline-test")
        let projection = ProjectionRunner(
            config: config, reader: EventLogReader(directory: directory + "/log"),
            snapshotDirectory: directory + "/snapshots", logger: logger)
        try await projection.restore()
        #expect(projection.applied == 8)

        let heldKeys = Set(first.map { Array($0.utf8) })
        let source = ScriptedSource(assignment: [TopicPartition(topic: XSellTopic.requested.rawValue, partition: 0)])
        let sink = GatedSink { message in message.key.map(heldKeys.contains) ?? false }
        let worker = ScoringWorker(
            consumer: source, ingestProgress: EmptyPartitions(), producer: sink, projection: projection,
            config: config, logger: logger)
        let running = Task { try await worker.run() }

        source.enqueue(first.enumerated().map { Self.request($1, offset: Int64($0)) })
        // Every answer of batch 1 sends its decision record first: four sends held.
        try await withTimeout(.seconds(30), "batch 1's four held sends") {
            for await held in sink.heldCounts where held == 4 { return }
        }
        source.enqueue(second.enumerated().map { Self.request($1, offset: Int64(4 + $0)) })
        let secondKeys = Set(second.map { Array($0.utf8) })
        try await withTimeout(.seconds(30), "batch 2's replies") {
            var replied: Set<[UInt8]> = []
            for await message in sink.acknowledged where message.topic == XSellTopic.returned.rawValue {
                if let key = message.key, secondKeys.contains(key) { replied.insert(key) }
                if replied == secondKeys { return }
            }
        }
        #expect(source.stored.map(\.offset) == [], "batch 2 is delivered, but its offsets wait for batch 1")

        sink.release()
        let stored = try await withTimeout(.seconds(30), "all eight offsets stored") {
            var offsets: [Int64] = []
            for await message in source.storedOffsets {
                offsets.append(message.offset)
                if offsets.count == 8 { return offsets }
            }
            return offsets
        }
        #expect(stored == Array(0..<8), "batch 1's offsets, then batch 2's")
        running.cancel()
        try await running.value
        #expect(source.committedAndLeft, "a stopping worker commits and leaves the group")
    }
}
