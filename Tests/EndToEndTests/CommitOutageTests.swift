import Foundation
import KafkaClient
import Logging
import Synchronization
@testable import Runtime
import Testing
import XSellTestSupport

/// Issue 9 item 3: with the broker away, a commit fails (`_WAIT_COORD`, `_TRANSPORT`); ingest
/// used to throw that out of its loop and stop the node. `commitTolerating` (what both roles
/// call) keeps the offsets stored for the next commit and lets the role go on.
@Suite("Offset commits during a broker outage", .timeLimit(.minutes(2)))
struct CommitOutageTests {
    @Test func commitWithoutCoordinatorIsToleratedThenSucceeds() async throws {
        let broker = try EmbeddedBroker(brokerCount: 1)
        defer { broker.shutdown() }
        try broker.createTopic("commit-outage", partitions: 1)
        let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers).merging(["log_level": "0"])
        let producer = try KafkaProducer(configuration: kafka, logger: .test())
        _ = try await producer.send(OutgoingMessage(topic: "commit-outage", key: nil, value: Array("x".utf8)))
        try await producer.close()
        let group = "commit-outage-\(UUID().uuidString.prefix(8))"
        let consumer = try KafkaConsumer(configuration: kafka.merging([
            "group.id": group, "enable.auto.commit": "false", "session.timeout.ms": "6000", "heartbeat.interval.ms": "500",
        ]), logger: .test())
        try await consumer.subscribe(topics: ["commit-outage"])
        var messages: [KafkaMessage] = []
        while messages.isEmpty { messages = try await consumer.poll(maxMessages: 10, timeout: .seconds(1)) }
        try consumer.storeOffset(for: messages[0])

        try broker.setBrokerDown(1)
        // What ingest called before: the commit throws, a retriable, non-fatal error.
        let error = await #expect(throws: KafkaError.self) { try await consumer.commit() }
        #expect(error?.isFatal == false, "\(String(describing: error))")
        // What it calls now: logged, not thrown; the offset stays stored.
        let lines = LoggedLines()
        let logger = Logger(label: "commit-test") { _ in CapturingLogHandler(lines: lines) }
        try await consumer.commitTolerating(logger: logger, attempts: 2, backoff: Backoff(initial: .milliseconds(10)))
        let logged = lines.value.withLock { $0 }
        #expect(logged.contains { $0.contains("commit failed, offsets stay stored") }, "\(logged)")
        print("commit with the broker down: \(String(describing: error)); tolerated: \(logged)")

        try broker.setBrokerUp(1)
        // The member goes on: it rejoins and reads what comes next (and may re-read "x", whose
        // offset was lost with the assignment: ingest skips such re-reads by source coordinates).
        let sentinelProducer = try KafkaProducer(configuration: kafka, logger: .test())
        _ = try await sentinelProducer.send(OutgoingMessage(topic: "commit-outage", key: nil, value: Array("y".utf8)))
        try await sentinelProducer.close()
        var after: [String] = []
        while !after.contains("y") {
            after += try await consumer.poll(maxMessages: 10, timeout: .seconds(1)).map { String(decoding: $0.value, as: UTF8.self) }
        }
        try await consumer.close()
    }
}

/// Log messages captured by ``CapturingLogHandler``.
final class LoggedLines: Sendable {
    let value = Mutex<[String]>([])
}

/// A log handler that records every message.
struct CapturingLogHandler: LogHandler {
    let lines: LoggedLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { lines.value.withLock { $0.append(event.message.description) } }
}
