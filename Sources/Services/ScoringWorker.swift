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
    /// not a contact, in the projection (SPEC §3) and so not in the overlay either.
    private let explicitImpressionChannels: Set<String>
    private let pending = PendingContacts()
    private let answered = AnsweredRequests()
    private let handover: RequestHandover
    private let logger: Logger
    /// Requests created longer ago than this (milliseconds, by their Kafka timestamp) are
    /// skipped: their client has given up, and a new serving group must not re-answer a
    /// request topic's history.
    private let requestTimeToLive: Int64 = 30_000

    /// A worker; `consumer` must already be subscribed to `recommendation.requested.v1`.
    /// `ingestProgress` has this replica's ingest group as `group.id` (see ``RequestHandover``).
    public init(
        consumer: KafkaConsumer, ingestProgress: KafkaConsumer, producer: KafkaProducer, projection: ProjectionRunner,
        config: XSellConfig, logger: Logger
    ) {
        self.consumer = consumer
        self.handover = RequestHandover(
            consumer: consumer, ingestProgress: ingestProgress, projection: projection, logger: logger)
        self.producer = producer
        self.projection = projection
        self.engine = DecisionEngine(config: config)
        self.schema = config.schema
        self.explicitImpressionChannels = Set(config.channels.filter { $0.impressionMode == .explicit }.map(\.name))
        self.logger = logger
    }

    /// Serves until cancelled or shut down gracefully; what was taken is answered first.
    ///
    /// Batches are pipelined: while one batch's replies and events are being delivered, the
    /// next is polled and decided (at most two batches in flight). Offsets are stored in batch
    /// order, each only once its batch is delivered. A newly assigned partition is answered
    /// only once its handover is complete (``RequestHandover``).
    public func run() async throws {
        var delivering: Task<Void, any Error>?
        var older: Task<Void, any Error>?
        defer { handover.stop() }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let requests = handover.admit(try await consumer.poll(maxMessages: 256, timeout: .milliseconds(50)))
            if requests.isEmpty { continue }
            let batch = try await decide(requests)
            try await older?.value
            older = delivering
            let previous = delivering
            delivering = Task {
                try await self.deliver(batch)
                try await previous?.value
                for message in requests { try self.storeOffset(for: message) }
            }
        }
        try await older?.value
        try await delivering?.value
        do {
            try await consumer.commit()
        } catch let error as KafkaError where !error.isFatal {
            // A rebalance in progress (replicas restarting) refuses it: the requests are read
            // again by the partition's next owner and answered from the log.
            logger.notice("final commit of request offsets refused: \(error)")
        }
    }

    /// Stores the offset of an answered request; a partition revoked meanwhile is skipped (its
    /// next owner reads the request again and answers it from the log).
    private func storeOffset(for message: KafkaMessage) throws {
        do {
            try consumer.storeOffset(for: message)
        } catch let error as KafkaError where error.code == .state && !consumer.isClosed {
            logger.info("offset of \(message.topicPartition)@\(message.offset) not stored, partition revoked: \(error)")
        }
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
        projection.withState { state in answered.forget { state.loggedDecision(requestId: $0) != nil } }
        let now = WallClock.now()
        var batch = DecidedBatch()
        for message in requests {
            if let created = message.timestamp, now.millisecondsSinceEpoch - created > requestTimeToLive {
                logger.notice("request at \(message.topicPartition)@\(message.offset) expired before it was read; not answered")
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
                group.addTask { [producer, logger] in
                    do {
                        _ = try await producer.send(reply)
                        return nil
                    } catch {
                        logger.warning("reply to \(reply.topic) undeliverable: \(error)")
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
        if let response = answeredBefore(request) {
            return Answer(reply: reply(.response(response), to: request.replyTopic, key: message.key), records: [])
        }
        let view = projection.view(customerId: request.customerId)
        let ids = DecisionIdentifiers(
            recommendationId: UUID().uuidString.lowercased(), interactionId: UUID().uuidString.lowercased(),
            decisionEventId: "dec-" + UUID().uuidString.lowercased())
        let contacts = pending.contacts(of: request.customerId, notIn: view.customer)
        let outcome = engine.decide(request: request, view: view, now: now, ids: ids, pendingContacts: contacts)
        let replyMessage = reply(outcome.reply(requestId: request.requestId), to: request.replyTopic, key: message.key)
        switch outcome {
        case .decided(let response, let event, let newContacts):
            answered.add(response, at: now)
            pending.add(
                newContacts.filter { !explicitImpressionChannels.contains($0.channel) }, for: request.customerId, at: now)
            let decision = OutgoingMessage(
                topic: XSellTopic.decision.rawValue, key: Array(request.customerId.utf8),
                value: EventCodec.encode(.decision(event)))
            return Answer(reply: replyMessage, records: [decision])
        case .rejected(let error):
            return Answer(
                reply: replyMessage,
                records: [DeadLetters.message(for: message, code: error.code.rawValue, reason: error.message)])
        }
    }

    /// The response of a request that was decided before: by this worker and not yet folded
    /// (the exact response), or in the log (rebuilt from its `decision.made.v1`).
    private func answeredBefore(_ request: RecommendationRequest) -> RecommendationResponse? {
        if let response = answered.response(to: request.requestId) { return response }
        guard let logged = projection.withState({ $0.loggedDecision(requestId: request.requestId) }) else { return nil }
        logger.info("request \(request.requestId) was answered before (recommendation \(logged.recommendationId)); replying from the log")
        return engine.reply(to: request, from: logged)
    }

    /// Best effort: the `replyTo` of a request that failed validation, so that its error reply
    /// reaches the client's own reply topic like any other reply (SPEC §5).
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

/// The responses of this worker's decisions that the projection has not folded yet, by
/// request id: a request delivered again meanwhile gets the same response, not a new decision.
/// Entries leave once the projection's request index holds them, or after an hour.
final class AnsweredRequests: Sendable {
    private static let maximumAge: Int64 = 3_600_000
    private let byRequest = Mutex<[String: (response: RecommendationResponse, at: Int64)]>([:])

    /// The response this worker gave to `requestId`, if it is still held.
    func response(to requestId: String) -> RecommendationResponse? {
        byRequest.withLock { $0[requestId]?.response }
    }

    /// Records the response of a decision made at `now`.
    func add(_ response: RecommendationResponse, at now: Timestamp) {
        byRequest.withLock { $0[response.requestId] = (response, now.millisecondsSinceEpoch) }
    }

    /// Drops the entries `isFolded` says the projection holds, and those older than an hour.
    func forget(where isFolded: (String) -> Bool) {
        byRequest.withLock { all in
            guard !all.isEmpty else { return }
            let horizon = (all.values.map(\.at).max() ?? 0) - Self.maximumAge
            all = all.filter { !isFolded($0.key) && $0.value.at >= horizon }
        }
    }
}
