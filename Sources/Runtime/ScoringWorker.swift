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
/// request's offset only once both are delivered. Invalid requests (malformed, too large, a
/// `replyTo` the policy refuses, expired) get an error reply (when a request id can be read)
/// and a dead letter.
///
/// No single message stops the worker: sends that fail with a retriable error (a broker
/// outage) are retried with backoff until they succeed, and a send that fails for good (too
/// large, no such topic) is dead-lettered and logged. Only fatal client errors end `run()`.
public final class ScoringWorker: Service, Sendable {
    private let consumer: any GroupMessageSource
    private let producer: any MessageSink
    private let projection: ProjectionRunner
    private let engine: DecisionEngine
    private let schema: CustomerSchema
    private let options: ServeOptions
    /// Channels whose contacts are explicit `impression` interactions: there a returned offer is
    /// not a contact, in the projection (guide §3) and so not in the overlay either.
    private let explicitImpressionChannels: Set<String>
    private let pending = PendingContacts()
    private let answered = AnsweredRequests()
    private let handover: RequestHandover
    private let logger: Logger
    private let metrics: NodeMetrics

    /// A worker; `consumer` must already be subscribed to `recommendation.requested.v1`.
    /// `ingestProgress` has this replica's ingest group as `group.id` (see ``RequestHandover``).
    public init(
        consumer: any GroupMessageSource, ingestProgress: any PartitionProgressSource, producer: any MessageSink, projection: ProjectionRunner,
        config: XSellConfig, options: ServeOptions = ServeOptions(), logger: Logger,
        metrics: NodeMetrics = NodeMetrics()
    ) {
        self.consumer = consumer
        self.handover = RequestHandover(
            consumer: consumer, ingestProgress: ingestProgress, projection: projection, logger: logger)
        self.producer = producer
        self.projection = projection
        self.engine = DecisionEngine(config: config)
        self.schema = config.schema
        self.options = options
        self.explicitImpressionChannels = config.explicitImpressionChannels
        self.logger = logger
        self.metrics = metrics
    }

    /// Serves until cancelled or shut down gracefully; what was taken is answered first.
    ///
    /// Batches are pipelined: while one batch's replies and events are being delivered, the
    /// next is polled and decided (at most two batches in flight). Offsets are stored in batch
    /// order, each only once its batch is delivered. A newly assigned partition is answered
    /// only once its handover is complete (``RequestHandover``).
    public func run() async throws {
        var pipeline = BatchPipeline()
        defer { handover.stop() }
        do {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let requests = handover.admit(try await consumer.poll(maxMessages: 256, timeout: .milliseconds(50)))
                if requests.isEmpty { continue }
                let batch = try await decide(requests)
                await pipeline.makeRoom()?.value
                let previous = pipeline.newest
                // Awaited by `makeRoom` or `drain` below on every path out of `run`.
                pipeline.add(Task {
                    await self.deliver(batch)
                    await previous?.value
                    self.consumer.storeOffsets(for: requests, logger: self.logger)
                })
            }
        } catch {
            for batch in pipeline.drain() { await batch.value }  // what was taken is still answered
            throw error
        }
        for batch in pipeline.drain() { await batch.value }
        try await consumer.commitTolerating(logger: logger, attempts: 5, backoff: options.retryBackoff)
        // A graceful stop hands the request partitions to the other replicas now, rather than
        // leaving them unserved until this instance rejoins or its session times out.
        do { try await consumer.leaveGroup() } catch { logger.warning("leaving the serve group: \(error)") }
    }

    /// The batches in flight, oldest first: at most ``depth``, each storing its offsets only
    /// after the one before it has.
    struct BatchPipeline {
        static let depth = 2
        private var inFlight: [Task<Void, Never>] = []

        /// The oldest batch, taken out to be awaited, when ``depth`` are in flight.
        mutating func makeRoom() -> Task<Void, Never>? {
            inFlight.count == Self.depth ? inFlight.removeFirst() : nil
        }

        /// The newest batch in flight: the next one stores its offsets after it.
        var newest: Task<Void, Never>? { inFlight.last }

        /// Adds a batch (after ``makeRoom()``).
        mutating func add(_ batch: Task<Void, Never>) {
            precondition(inFlight.count < Self.depth, "makeRoom() first")
            inFlight.append(batch)
        }

        /// Every batch in flight, oldest first, to be awaited; the pipeline is empty after.
        mutating func drain() -> [Task<Void, Never>] {
            defer { inFlight = [] }
            return inFlight
        }
    }

    /// What answering one request sends: the reply, and the records that must be durable
    /// before its offset is stored (the decision event, dead letters).
    struct Answer: Sendable {
        var request: KafkaMessage
        var reply: OutgoingMessage?
        var records: [OutgoingMessage]
        /// Sent instead of `reply` when the decision event could not be recorded: a client
        /// never gets a decision the log (and so the contact policies) will not know of.
        var unrecordedReply: OutgoingMessage? = nil
    }

    /// The decided batch, one answer per request.
    struct DecidedBatch: Sendable {
        var answers: [Answer] = []
    }

    /// Decides every request of a batch against the projection, once it has folded everything
    /// in the log (read-your-writes of ingested events).
    func decide(_ requests: [KafkaMessage]) async throws -> DecidedBatch {
        try await projection.catchUp()
        projection.withState { state in answered.forget { state.loggedDecision(requestId: $0) != nil } }
        let now = WallClock.now()
        return DecidedBatch(answers: requests.map { handle($0, now: now) })
    }

    /// Sends the batch's records and then its replies, and awaits their delivery (or their dead
    /// letters). Each reply goes out only once its request's decision event is acknowledged.
    func deliver(_ batch: DecidedBatch) async {
        await withTaskGroup(of: Void.self) { group in
            for answer in batch.answers {
                group.addTask {
                    var recorded = true
                    for record in answer.records {
                        let failure = record.topic == XSellTopic.deadLetter.rawValue ? nil : "DECISION_UNDELIVERABLE"
                        if !(await self.send(record, for: answer.request, failure: failure)) { recorded = false }
                    }
                    guard let reply = recorded ? answer.reply : answer.unrecordedReply ?? answer.reply else { return }
                    if await self.send(reply, for: answer.request, failure: "REPLY_UNDELIVERABLE") {
                        self.metrics.replied(toRequestCreatedAt: answer.request.timestamp)
                    }
                }
            }
        }
    }

    /// Sends `message`, retrying retriable failures; true once it is delivered. One that fails
    /// for good is dead-lettered with `failure` as its code (or, a dead letter itself, logged as lost).
    @discardableResult
    private func send(_ message: OutgoingMessage, for request: KafkaMessage, failure: String?) async -> Bool {
        let logger = self.logger
        do {
            _ = try await producer.sendRetrying(message, backoff: options.retryBackoff) { error, attempt in
                if attempt == 1 || attempt % 10 == 0 {
                    logger.warning("send to \(message.topic) failed (attempt \(attempt)), retrying: \(error)")
                }
            }
            return true
        } catch {
            guard let failure else {
                logger.error(
                    "dead letter undeliverable, the request is lost",
                    metadata: .kafkaMessage(request, error: error))
                return false
            }
            logger.warning(
                "\(message.topic) undeliverable; dead-lettering the request",
                metadata: .kafkaMessage(request, error: error))
            metrics.deadLettered(code: failure)
            let deadLetter = DeadLetters.message(
                for: request, code: failure, reason: "\(message.topic): \(error)",
                maxPayloadBytes: options.maxDeadLetterPayloadBytes)
            await send(deadLetter, for: request, failure: nil)
            return false
        }
    }

    private func handle(_ message: KafkaMessage, now: Timestamp) -> Answer {
        let ttl = options.requestTimeToLive.wholeMilliseconds
        if let created = message.timestamp, now.millisecondsSinceEpoch - created > ttl {
            let age = now.millisecondsSinceEpoch - created
            logger.notice("request expired (\(age) ms old); not decided", metadata: .kafkaMessage(message))
            return refusal(
                of: message, code: .expired, deadLetterCode: ReplyErrorCode.expired.rawValue,
                reason: "request created \(age) ms ago, past the time to live of \(ttl) ms; not decided")
        }
        let request: RecommendationRequest
        do {
            request = try RequestCodec.decode(value: message.value, schema: schema, maxBytes: options.maxRequestBytes)
        } catch {
            logger.notice(
                "bad request", metadata: .kafkaMessage(message, error: error))
            return refusal(of: message, code: .badRequest, deadLetterCode: error.code.rawValue, reason: error.message)
        }
        if let replyTo = request.replyTo, let refused = options.replyTopics.refusal(of: replyTo) {
            logger.notice(
                "bad request", metadata: .kafkaMessage(message, error: refused))
            return refusal(of: message, code: .badRequest, deadLetterCode: ReplyErrorCode.badRequest.rawValue, reason: refused)
        }
        if let response = answeredBefore(request) {
            return Answer(request: message, reply: reply(.response(response), to: request.replyTopic, key: message.key), records: [])
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
        case .decided(let response, let event, let newContacts):
            answered.add(response, at: now)
            metrics.request(.decided)
            metrics.decided(arm: event.arm)
            pending.add(
                newContacts.filter { !explicitImpressionChannels.contains($0.channel) }, for: request.customerId, at: now)
            let decision = OutgoingMessage(
                topic: XSellTopic.decision.rawValue, key: Array(request.customerId.utf8),
                value: EventCodec.encode(.decision(event)))
            let unrecorded = reply(
                .error(requestId: request.requestId, code: .unavailable, message: "the decision could not be recorded"),
                to: request.replyTopic, key: message.key)
            return Answer(request: message, reply: replyMessage, records: [decision], unrecordedReply: unrecorded)
        case .rejected(let error):
            metrics.request(.rejected)
            metrics.deadLettered(code: error.code.rawValue)
            return Answer(
                request: message, reply: replyMessage,
                records: [deadLetter(for: message, code: error.code.rawValue, reason: error.message)])
        }
    }

    /// The response of a request that was decided before: by this worker and not yet folded
    /// (the exact response), or in the log (rebuilt from its `decision.made.v1`).
    private func answeredBefore(_ request: RecommendationRequest) -> RecommendationResponse? {
        if let response = answered.response(to: request.requestId) { return response }
        guard let logged = projection.withState({ $0.loggedDecision(requestId: request.requestId) }) else { return nil }
        logger.info(
            "request answered before (recommendation \(logged.recommendationId)); replying from the log",
            metadata: [LogMetadataKey.requestId: "\(request.requestId)"])
        return engine.reply(to: request, from: logged)
    }

    /// A request refused before any decision: its dead letter, and an error reply when a
    /// request id can be read (on its `replyTo` if the policy allows it, else the default topic).
    /// Values over 1 MiB are not parsed for one.
    private func refusal(of message: KafkaMessage, code: ReplyErrorCode, deadLetterCode: String, reason: String) -> Answer {
        metrics.request(code == .expired ? .expired : .badRequest)
        metrics.deadLettered(code: deadLetterCode)
        let deadLetter = deadLetter(for: message, code: deadLetterCode, reason: reason)
        guard message.value.count <= EventCodec.defaultMaxBytes, let json = try? JSONValue.parse(message.value),
            let requestId = json["requestId"]?.stringValue, !requestId.isEmpty,
            requestId.utf8.count <= RequestCodec.maxIdBytes
        else {
            return Answer(request: message, reply: nil, records: [deadLetter])
        }
        var topic = XSellTopic.returned.rawValue
        if let replyTo = json["replyTo"]?.stringValue, !replyTo.isEmpty, options.replyTopics.refusal(of: replyTo) == nil {
            topic = replyTo
        }
        return Answer(
            request: message, reply: reply(.error(requestId: requestId, code: code, message: reason), to: topic, key: message.key),
            records: [deadLetter])
    }

    private func deadLetter(for message: KafkaMessage, code: String, reason: String) -> OutgoingMessage {
        DeadLetters.message(for: message, code: code, reason: reason, maxPayloadBytes: options.maxDeadLetterPayloadBytes)
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
    ///
    /// Costs O(log n + k) for a history of n contacts of which k are at least as recent as the
    /// oldest pending one (the folded copies of pending contacts carry their decision's time),
    /// not O(pending × n): a customer with a long or fast-growing history stays cheap to decide.
    func contacts(of customerId: String, notIn state: CustomerState?) -> [Contact] {
        byCustomer.withLock { all in
            guard let list = all[customerId], let oldest = list.map(\.at).min() else { return [] }
            let folded = state.map { Self.eventIds(in: $0.contacts, since: oldest) } ?? []
            let kept = list.filter { !folded.contains($0.eventId) }
            all[customerId] = kept.isEmpty ? nil : kept
            return kept
        }
    }

    /// The event ids of the contacts at or after `since` in `contacts` (in event-time order).
    static func eventIds(in contacts: Timeline<Contact>, since: Timestamp) -> Set<String> {
        Set(contacts[contacts.firstIndex(admittedBy: InstantBound(instant: since, inclusive: true))...].lazy.map(\.eventId))
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
