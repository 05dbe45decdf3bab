import EventLog
import Foundation
import KafkaClient
import Runtime
import Testing
import XSellCore
import XSellTestSupport

/// Ingest's deduplication, in process with in-memory Kafka and a real log: an event a producer
/// sent twice is logged once, also when the second copy arrives after a restart (the recent
/// event ids are read back from the log), and both copies' offsets are stored.
@Suite("ingest deduplication", .timeLimit(.minutes(2)))
struct IngestDeduplicationTests {
    static func profile(_ eventId: String, customer: String, offset: Int64) -> KafkaMessage {
        let event = DomainEvent.profile(ProfileEvent(
            eventId: eventId, customerId: customer, occurredAt: WallClock.now(), attributes: ["tenureMonths": .integer(12)]))
        return KafkaMessage(
            topic: XSellTopic.profile.rawValue, partition: 0, offset: offset, key: Array(customer.utf8),
            value: EventCodec.encode(event), timestamp: WallClock.now().millisecondsSinceEpoch)
    }

    /// Runs an ingestor over the log at `directory` on `batch` until all its offsets are stored.
    static func ingest(_ batch: [KafkaMessage], into directory: String) async throws {
        let config = try RuntimeFixtures.tutorialConfig()
        let log = try EventLogWriter.open(directory: directory)
        let source = ScriptedSource(assignment: [TopicPartition(topic: XSellTopic.profile.rawValue, partition: 0)])
        let ingestor = Ingestor(
            consumer: source, producer: GatedSink { _ in false }, log: log, schema: config.schema,
            logger: .test("xsell.dedup-test"))
        let running = Task { try await ingestor.run() }
        source.enqueue(batch)
        try await withTimeout(.seconds(30), "\(batch.count) offsets stored") {
            var stored = 0
            for await _ in source.storedOffsets {
                stored += 1
                if stored == batch.count { return }
            }
        }
        running.cancel()
        try await running.value
        try log.close()
    }

    static func eventIds(_ directory: String) throws -> [String] {
        try EventLogReader(directory: directory).read(from: 0, limit: 100).map(\.eventId)
    }

    @Test("a retried event is logged once, within a batch and across a restart")
    func retriedEventLoggedOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/xsell-dedup-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Self.ingest([
            Self.profile("e1", customer: "a", offset: 0), Self.profile("e2", customer: "b", offset: 1),
            Self.profile("e1", customer: "a", offset: 2),  // the producer's retry of e1
        ], into: directory)
        #expect(try Self.eventIds(directory) == ["e1", "e2"])
        // A new ingestor over the same log: e2's retry arrives after the restart.
        try await Self.ingest([
            Self.profile("e2", customer: "b", offset: 3), Self.profile("e3", customer: "c", offset: 4),
        ], into: directory)
        #expect(try Self.eventIds(directory) == ["e1", "e2", "e3"])
    }
}
