import BlockingThreads
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
    /// How far an event's `occurredAt` may be ahead of ingest's wall clock; later events are
    /// dead-lettered (`future_timestamp`). The fold's clock is the log's largest event time,
    /// so one event dated 9999 would otherwise put every customer's history behind it.
    public var maxClockSkew: Duration = .seconds(86_400)
    /// Most bytes of a rejected message carried in its dead letter; longer payloads are cut
    /// (and the reason says so), so the dead letter stays under the broker's message size.
    public var maxDeadLetterPayloadBytes: Int = DeadLetters.defaultMaxPayloadBytes
    /// Ingest messages at or below the log's highest offset of their partition whose event id
    /// the log does not hold (the topic was recreated, or this is another cluster) instead of
    /// refusing to go on.
    public var acceptOffsetReset = false
    /// The backoff between attempts of a dead letter whose send failed with a retriable error.
    public var retryBackoff = Backoff()

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

    private let consumer: any GroupMessageSource
    private let producer: any MessageSink
    private let log: EventLogWriter
    private let schema: CustomerSchema
    private let options: IngestOptions
    private let logger: Logger
    private let metrics: NodeMetrics
    private let disk = BlockingWorker(name: "xsell.ingest.fsync")

    /// Creates an ingestor; `consumer` must already be subscribed to ``topics``.
    public init(
        consumer: any GroupMessageSource, producer: any MessageSink, log: EventLogWriter, schema: CustomerSchema,
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
        // Reading up to the horizon's records back is disk work: on the ingest's disk thread.
        var dedup = RecentEventIDs(
            capacity: options.deduplicationHorizon, seed: try await disk.run { [self] in try recentEventIDs() })
        var highest = log.highestOffsets()
        let clock = ContinuousClock()
        var lastCommit = clock.now
        var uncommitted = false
        var persisting: Task<Void, any Error>?
        defer { persisting?.cancel() }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let messages = try await consumer.poll(maxMessages: options.maxBatch, timeout: options.pollTimeout)
            if !messages.isEmpty {
                let batch = try prepare(messages, dedup: &dedup, highest: &highest)
                try await persisting?.value
                persisting = Task { try await self.persist(batch) }
                uncommitted = true
            }
            // Committing stored offsets is batched: when idle, or every `commitInterval` under
            // load. A crash in between re-reads what the log already holds, which the
            // source-coordinate check skips.
            if uncommitted && (messages.isEmpty || clock.now - lastCommit >= options.commitInterval) {
                try await persisting?.value
                try await consumer.commitTolerating(logger: logger)
                lastCommit = clock.now
                uncommitted = false
            }
        }
        try await persisting?.value
        try await consumer.commitTolerating(logger: logger, attempts: 5)
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
    ) throws -> PreparedBatch {
        var batch = PreparedBatch(messages: messages)
        let latestAccepted = WallClock.now().millisecondsSinceEpoch + options.maxClockSkew.wholeMilliseconds
        for message in messages {
            let key = TopicPartitionKey(topic: message.topic, partition: message.partition)
            let routed = route(message, latestAccepted: latestAccepted)
            if let top = highest[key], message.offset <= top {
                // A re-read after a crash between fsync and commit: the log holds the event.
                guard case .event(let event) = routed, !dedup.contains(event.eventId) else { continue }
                guard options.acceptOffsetReset else {
                    throw IngestError.offsetWentBack(key: key, offset: message.offset, highest: top, eventId: event.eventId)
                }
                logger.warning("\(key)@\(message.offset) is below the log's highest offset \(top); ingesting it (offset reset accepted)")
            }
            highest[key] = message.offset
            switch routed {
            case .event(let event):
                guard dedup.insert(event.eventId) else { continue }
                batch.records.append(LogRecordInput(
                    topic: message.topic, partition: message.partition, offset: message.offset,
                    eventId: event.eventId, payload: event.binaryEncoded()))
            case .rejected(let rejection):
                batch.deadLetters.append(deadLetter(for: message, rejection: rejection))
                metrics.deadLettered(code: rejection.code.rawValue)
                logger.notice(
                    "dead-lettered", metadata: .kafkaMessage(message, error: rejection))
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
        try await producer.sendAll(batch.deadLetters, backoff: options.retryBackoff, logger: logger)
        consumer.storeOffsets(for: batch.messages, logger: logger)
    }

    private enum Routed {
        case event(DomainEvent)
        case rejected(EventRejection)
    }

    /// Decodes `message`; an event dated after `latestAccepted` (ms since the epoch) is rejected.
    private func route(_ message: KafkaMessage, latestAccepted: Int64) -> Routed {
        do {
            let event = try EventCodec.decode(
                topic: message.topic, value: message.value, schema: schema, maxBytes: options.maxEventBytes)
            if event.occurredAt.millisecondsSinceEpoch > latestAccepted {
                let limit = Timestamp(millisecondsSinceEpoch: latestAccepted)
                return .rejected(EventRejection(
                    .futureTimestamp,
                    "occurredAt: \(event.occurredAt) is more than \(options.maxClockSkew) ahead of ingest's clock (latest accepted \(limit))"))
            }
            return .event(event)
        } catch {
            return .rejected(error)
        }
    }

    /// The dead letter of a rejected message, cut to ``IngestOptions/maxDeadLetterPayloadBytes``.
    private func deadLetter(for message: KafkaMessage, rejection: EventRejection) -> OutgoingMessage {
        DeadLetters.message(for: message, rejection: rejection, maxPayloadBytes: options.maxDeadLetterPayloadBytes)
    }

    private func recentEventIDs() throws -> [String] {
        try log.makeReader().tail(count: options.deduplicationHorizon).map(\.eventId)
    }
}

/// Why ingest stopped.
public enum IngestError: Error, CustomStringConvertible {
    /// A message at or below the log's highest offset of its partition carries an event the
    /// log does not hold: the topic was recreated or the cluster is another one, and skipping
    /// such messages (as re-reads) would drop them silently.
    case offsetWentBack(key: TopicPartitionKey, offset: Int64, highest: Int64, eventId: String)

    public var description: String {
        switch self {
        case let .offsetWentBack(key, offset, highest, eventId):
            "\(key)@\(offset) (event \(eventId)) is at or below the log's highest offset \(highest) for that partition, "
                + "but the log does not hold that event: the topic was recreated or this is another Kafka cluster. "
                + "Refusing to skip it; restart with --accept-offset-reset to ingest such messages"
        }
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

    /// Whether `id` is among the remembered ids.
    func contains(_ id: String) -> Bool { members.contains(id) }

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
