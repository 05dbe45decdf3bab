import DecisionFlow
import Foundation
import KafkaClient
import Logging
import Projection
import ServiceLifecycle
import Synchronization
import XSellCore

/// Answers `recommendation.requested.v1` from the projection's current view: replies on the
/// request's `replyTo` (keyed like the request), publishes `decision.made.v1`, and stores the
/// request's offset only once both are delivered. Invalid requests get an error reply (when a
/// request id can be read) and a dead letter.
public final class ScoringWorker: Service, Sendable {
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let projection: ProjectionRunner
    private let engine: DecisionEngine
    private let schema: CustomerSchema
    /// Channels whose contacts are explicit `impression` interactions: there a returned offer is
    /// not a contact, in the projection (guide §3) and so not in the overlay either.
    private let explicitImpressionChannels: Set<String>
    private let pending = PendingContacts()
    private let logger: Logger
    private let metrics: NodeMetrics
    /// Requests created longer ago than this (milliseconds, by their Kafka timestamp) are
    /// skipped: their client has given up, and a new serving group must not re-answer a
    /// request topic's history.
    private let requestTimeToLive: Int64 = 30_000

    /// A worker; `consumer` must already be subscribed to `recommendation.requested.v1`.
    public init(
        consumer: KafkaConsumer, producer: KafkaProducer, projection: ProjectionRunner, config: XSellConfig,
        logger: Logger, metrics: NodeMetrics = NodeMetrics()
    ) {
        self.consumer = consumer
        self.producer = producer
        self.projection = projection
        self.engine = DecisionEngine(config: config)
        self.schema = config.schema
        self.explicitImpressionChannels = Set(config.channels.filter { $0.impressionMode == .explicit }.map(\.name))
        self.logger = logger
        self.metrics = metrics
    }

    /// Serves until cancelled or shut down gracefully; what was taken is answered first.
    ///
    /// Batches are pipelined: while one batch's replies and events are being delivered, the
    /// next is polled and decided (at most two batches in flight). Offsets are stored in batch
    /// order, each only once its batch is delivered.
    public func run() async throws {
        var delivering: Task<Void, any Error>?
        var older: Task<Void, any Error>?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let requests = try await consumer.poll(maxMessages: 256, timeout: .milliseconds(50))
            if requests.isEmpty { continue }
            let batch = try await decide(requests)
            try await older?.value
            older = delivering
            let previous = delivering
            delivering = Task {
                try await self.deliver(batch)
                try await previous?.value
                for message in requests { try self.consumer.storeOffset(for: message) }
            }
        }
        try await older?.value
        try await delivering?.value
        try await consumer.commit()
    }

    /// What answering one request sends: the reply, and the records that must be durable
    /// before its offset is stored (the decision event, dead letters).
    private struct Answer {
        var reply: OutgoingMessage?
        var records: [OutgoingMessage]
    }

    /// The decided batch: the replies with their requests, and the records (decision events,
    /// dead letters) that must be durable before the requests' offsets are stored.
    struct DecidedBatch: Sendable {
        var replies: [(reply: OutgoingMessage, request: KafkaMessage)] = []
        var records: [OutgoingMessage] = []
    }

    /// Decides every request of a batch against the projection, once it has folded everything
    /// in the log (read-your-writes of ingested events).
    func decide(_ requests: [KafkaMessage]) async throws -> DecidedBatch {
        try await projection.catchUp()
        let now = WallClock.now()
        var batch = DecidedBatch()
        for message in requests {
            if let created = message.timestamp, now.millisecondsSinceEpoch - created > requestTimeToLive {
                logger.notice("request at \(message.topicPartition)@\(message.offset) expired before it was read; not answered")
                metrics.request(.expired)
                continue
            }
            let answer = handle(message, now: now)
            batch.records.append(contentsOf: answer.records)
            if let reply = answer.reply { batch.replies.append((reply, message)) }
        }
        return batch
    }

    /// Sends the batch's replies and records and awaits their delivery. A reply that cannot be
    /// delivered (its `replyTo` topic does not exist, say) is dead-lettered instead of
    /// stopping the worker.
    func deliver(_ batch: DecidedBatch) async throws {
        async let recordsDelivered: Void = producer.sendAll(batch.records)
        let undelivered = await withTaskGroup(of: OutgoingMessage?.self) { group in
            for (reply, request) in batch.replies {
                group.addTask { [producer, logger, metrics] in
                    do {
                        _ = try await producer.send(reply)
                        metrics.replied(toRequestCreatedAt: request.timestamp)
                        return nil
                    } catch {
                        logger.warning("reply to \(reply.topic) undeliverable: \(error)")
                        metrics.deadLettered(code: "REPLY_UNDELIVERABLE")
                        return DeadLetters.message(
                            for: request, code: "REPLY_UNDELIVERABLE", reason: "reply to \(reply.topic): \(error)")
                    }
                }
            }
            var failed: [OutgoingMessage] = []
            for await deadLetter in group { if let deadLetter { failed.append(deadLetter) } }
            return failed
        }
        try await recordsDelivered
        try await producer.sendAll(undelivered)
    }

    private func handle(_ message: KafkaMessage, now: Timestamp) -> Answer {
        let request: RecommendationRequest
        do {
            request = try RequestCodec.decode(value: message.value, schema: schema)
        } catch {
            logger.notice("bad request at \(message.topicPartition)@\(message.offset): \(error)")
            metrics.request(.badRequest)
            metrics.deadLettered(code: error.code.rawValue)
            let deadLetter = DeadLetters.message(for: message, rejection: error)
            guard let requestId = RequestCodec.requestId(in: message.value) else {
                return Answer(reply: nil, records: [deadLetter])
            }
            return Answer(
                reply: reply(
                    .error(requestId: requestId, code: .badRequest, message: error.description),
                    to: Self.replyTopic(in: message.value) ?? XSellTopic.returned.rawValue, key: message.key),
                records: [deadLetter])
        }
        let view = projection.view(customerId: request.customerId)
        let ids = DecisionIdentifiers(
            recommendationId: UUID().uuidString.lowercased(), interactionId: UUID().uuidString.lowercased(),
            decisionEventId: "dec-" + UUID().uuidString.lowercased())
        let contacts = pending.contacts(of: request.customerId, notIn: view.customer)
        let started = ContinuousClock.now
        let outcome = engine.decide(request: request, view: view, now: now, ids: ids, pendingContacts: contacts)
        metrics.decision.recordInterval(since: started)
        let replyMessage = reply(outcome.reply(requestId: request.requestId), to: request.replyTopic, key: message.key)
        switch outcome {
        case .decided(_, let event, let newContacts):
            metrics.request(.decided)
            metrics.decided(arm: event.arm)
            pending.add(
                newContacts.filter { !explicitImpressionChannels.contains($0.channel) }, for: request.customerId, at: now)
            let decision = OutgoingMessage(
                topic: XSellTopic.decision.rawValue, key: Array(request.customerId.utf8),
                value: EventCodec.encode(.decision(event)))
            return Answer(reply: replyMessage, records: [decision])
        case .rejected(let error):
            metrics.request(.rejected)
            metrics.deadLettered(code: error.code.rawValue)
            return Answer(
                reply: replyMessage,
                records: [DeadLetters.message(for: message, code: error.code.rawValue, reason: error.message)])
        }
    }

    /// Best effort: the `replyTo` of a request that failed validation, so that its error reply
    /// reaches the client's own reply topic like any other reply (guide §5).
    private static func replyTopic(in value: [UInt8]) -> String? {
        guard let json = try? JSONValue.parse(value), let topic = json["replyTo"]?.stringValue, !topic.isEmpty else {
            return nil
        }
        return topic
    }

    private func reply(_ reply: RecommendationReply, to topic: String, key: [UInt8]?) -> OutgoingMessage {
        OutgoingMessage(topic: topic, key: key, value: ResponseCodec.encode(reply))
    }
}

/// The worker's own decisions that the projection has not folded yet (read-your-writes).
/// Entries leave once the projection's view holds their event, or after an hour.
final class PendingContacts: Sendable {
    private static let maximumAge: Int64 = 3_600_000
    private let byCustomer = Mutex<[String: [Contact]]>([:])

    /// The pending contacts of `customerId` not yet in `state`; drops the folded and the stale ones.
    func contacts(of customerId: String, notIn state: CustomerState?) -> [Contact] {
        byCustomer.withLock { all in
            guard let list = all[customerId] else { return [] }
            let kept = list.filter { state?.hasContacts(fromEvent: $0.eventId) != true }
            all[customerId] = kept.isEmpty ? nil : kept
            return kept
        }
    }

    /// Records the contacts a decision made at `now`.
    func add(_ contacts: [Contact], for customerId: String, at now: Timestamp) {
        guard !contacts.isEmpty else { return }
        let horizon = now.millisecondsSinceEpoch - Self.maximumAge
        byCustomer.withLock { all in
            var list = all[customerId, default: []].filter { $0.at.millisecondsSinceEpoch >= horizon }
            list.append(contentsOf: contacts)
            all[customerId] = list
        }
    }
}
