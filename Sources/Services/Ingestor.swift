import EventLog
import Foundation
import KafkaClient
import Logging
import ServiceLifecycle
import XSellCore

/// Tunables of ingest.
public struct IngestOptions: Sendable {
    /// Most messages appended (and fsynced) as one batch.
    public var maxBatch: Int = 2_000
    /// How long one poll waits for a first message.
    public var pollTimeout: Duration = .milliseconds(50)
    /// How many recent event ids are remembered to drop producer retries (by event id).
    public var deduplicationHorizon: Int = 100_000
    /// Most time between offset commits while busy (an idle ingest commits at once).
    public var commitInterval: Duration = .milliseconds(200)
    /// Size limit of one event value.
    public var maxEventBytes: Int = EventCodec.defaultMaxBytes
    /// Most bytes of a rejected message carried in its dead letter; longer payloads are cut
    /// (and the reason says so). Base64 grows them by a third, and the dead letter must stay
    /// under the producer's `message.max.bytes` (default 1,000,000) or it could never be sent.
    public var maxDeadLetterPayloadBytes: Int = 512 * 1024

    /// Defaults.
    public init() {}
}

/// Consumes the event topics into the append-only log: valid events are appended with their
/// source coordinates, invalid ones go to the dead-letter topic, and offsets are committed only
/// after the batch is fsynced and the dead letters are delivered.
///
/// Restart safety: a record whose (topic, partition, offset) is at or below the highest one
/// already in the log is skipped (crash between fsync and commit), and an event id seen within
/// the horizon is skipped (producers that retry).
public final class Ingestor: Service, Sendable {
    /// The topics ingest consumes.
    public static let topics = [XSellTopic.profile, .decision, .interaction].map(\.rawValue)

    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let log: EventLogWriter
    private let schema: CustomerSchema
    private let options: IngestOptions
    private let logger: Logger
    private let metrics: NodeMetrics
    private let disk = BlockingQueue(label: "xsell.ingest.fsync")

    /// Creates an ingestor; `consumer` must already be subscribed to ``topics``.
    public init(
        consumer: KafkaConsumer, producer: KafkaProducer, log: EventLogWriter, schema: CustomerSchema,
        options: IngestOptions = IngestOptions(), logger: Logger, metrics: NodeMetrics = NodeMetrics()
    ) {
        self.consumer = consumer
        self.producer = producer
        self.log = log
        self.schema = schema
        self.options = options
        self.logger = logger
        self.metrics = metrics
    }

    /// Ingests until cancelled or shut down gracefully; the batch in hand is finished and committed.
    ///
    /// Two batches overlap: while one is appended and fsynced (on the disk queue), the next is
    /// polled and decoded. Offsets are stored only once their batch is durable.
    public func run() async throws {
        var dedup = RecentEventIDs(capacity: options.deduplicationHorizon, seed: try recentEventIDs())
        var highest = log.highestOffsets()
        let clock = ContinuousClock()
        var lastCommit = clock.now
        var uncommitted = false
        var persisting: Task<Void, any Error>?
        defer { persisting?.cancel() }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let messages = try await consumer.poll(maxMessages: options.maxBatch, timeout: options.pollTimeout)
            if !messages.isEmpty {
                let batch = prepare(messages, dedup: &dedup, highest: &highest)
                try await persisting?.value
                persisting = Task { try await self.persist(batch) }
                uncommitted = true
            }
            // Committing stored offsets is batched: when idle, or every `commitInterval` under
            // load. A crash in between re-reads what the log already holds, which the
            // source-coordinate check skips.
            if uncommitted && (messages.isEmpty || clock.now - lastCommit >= options.commitInterval) {
                try await persisting?.value
                try await consumer.commit()
                lastCommit = clock.now
                uncommitted = false
            }
        }
        try await persisting?.value
        try await consumer.commit()
    }

    /// One polled batch, routed: records for the log, dead letters, and the messages whose
    /// offsets to store once both are durable.
    struct PreparedBatch: Sendable {
        var records: [LogRecordInput] = []
        var deadLetters: [OutgoingMessage] = []
        var messages: [KafkaMessage]
    }

    /// Decodes and routes `messages`. `highest` and `dedup` are advanced at once, so a message
    /// redelivered (after a rebalance) while its first copy is still being persisted is skipped.
    func prepare(
        _ messages: [KafkaMessage], dedup: inout RecentEventIDs, highest: inout [TopicPartitionKey: Int64]
    ) -> PreparedBatch {
        var batch = PreparedBatch(messages: messages)
        for message in messages {
            let key = TopicPartitionKey(topic: message.topic, partition: message.partition)
            if let top = highest[key], message.offset <= top { continue }
            highest[key] = message.offset
            switch route(message) {
            case .event(let event):
                guard dedup.insert(event.eventId) else { continue }
                batch.records.append(LogRecordInput(
                    topic: message.topic, partition: message.partition, offset: message.offset,
                    eventId: event.eventId, payload: event.binaryEncoded()))
            case .rejected(let rejection):
                batch.deadLetters.append(deadLetter(for: message, rejection: rejection))
                metrics.deadLettered(code: rejection.code.rawValue)
                logger.notice("dead-lettered \(key)@\(message.offset): \(rejection)")
            }
        }
        return batch
    }

    /// Appends (one fsync) and delivers the dead letters of `batch`, then stores its offsets.
    func persist(_ batch: PreparedBatch) async throws {
        let log = self.log
        if !batch.records.isEmpty {
            let records = batch.records
            let start = ContinuousClock.now
            _ = try await disk.run { try log.append(records) }
            metrics.logAppend.recordInterval(since: start)
            for (topic, count) in Dictionary(grouping: records, by: \.topic).mapValues(\.count) {
                metrics.ingested(count, topic: topic)
            }
        }
        try await producer.sendAll(batch.deadLetters)
        for message in batch.messages { try consumer.storeOffset(for: message) }
    }

    private enum Routed {
        case event(DomainEvent)
        case rejected(EventRejection)
    }

    private func route(_ message: KafkaMessage) -> Routed {
        do {
            let event = try EventCodec.decode(
                topic: message.topic, value: message.value, schema: schema, maxBytes: options.maxEventBytes)
            return .event(event)
        } catch {
            return .rejected(error)
        }
    }

    /// The dead letter of a rejected message, small enough to be produced: the payload is cut
    /// to ``IngestOptions/maxDeadLetterPayloadBytes`` and the reason to 1,000 characters.
    private func deadLetter(for message: KafkaMessage, rejection: EventRejection) -> OutgoingMessage {
        var reason = rejection.message
        if reason.count > 1_000 { reason = reason.prefix(1_000) + "…" }
        var carried = message
        let limit = max(0, options.maxDeadLetterPayloadBytes)
        if message.value.count > limit {
            carried.value = Array(message.value.prefix(limit))
            reason += " (payload cut to its first \(limit) of \(message.value.count) bytes)"
        }
        return DeadLetters.message(for: carried, code: rejection.code.rawValue, reason: reason)
    }

    private func recentEventIDs() throws -> [String] {
        try log.makeReader().tail(count: options.deduplicationHorizon).map(\.eventId)
    }
}

/// A bounded set of the most recent event ids, oldest evicted first.
struct RecentEventIDs {
    private var members: Set<String> = []
    private var order: [String] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int, seed: [String]) {
        self.capacity = max(1, capacity)
        for id in seed { _ = insert(id) }
    }

    /// Inserts `id`; false when it was already present.
    mutating func insert(_ id: String) -> Bool {
        guard members.insert(id).inserted else { return false }
        if order.count < capacity {
            order.append(id)
        } else {
            members.remove(order[head])
            order[head] = id
            head = (head + 1) % capacity
        }
        return true
    }
}
