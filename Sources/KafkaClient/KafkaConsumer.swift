import BlockingThreads
import Crdkafka
import Logging
import Synchronization

/// A Kafka consumer: a consumer group member (``subscribe(topics:)``) or a reader of
/// explicitly assigned partitions (``assign(_:)``, still requires `group.id`).
///
/// Pull-based: ``poll(maxMessages:timeout:)`` (or ``messages(batchSize:pollTimeout:)``) fetches
/// from librdkafka's bounded local queue, which is the backpressure. Every blocking call runs on
/// the consumer's own thread, one at a time; rebalances happen inside `poll` and are published
/// as ``rebalanceEvents``. Offsets are committed only after ``storeOffset(for:)``: by
/// `enable.auto.commit` (default on), on ``commit()``, and on ``close()``.
public final class KafkaConsumer: Sendable {
    private struct State {
        var assignment: Set<TopicPartition> = []
        /// Per assigned partition, the offset after the last message (or end-of-partition
        /// event) that ``poll(maxMessages:timeout:)`` returned: the consumer's position.
        var positions: [TopicPartition: Int64] = [:]
    }

    private let handle: NativeHandle
    private let worker = BlockingWorker(name: "kafka-consumer")
    private let logger: Logger
    private let state = Mutex(State())
    /// Every call into the handle holds a lease (no lock across librdkafka); close waits for them.
    private let lifecycle = HandleGuard(client: "consumer")
    private let rebalanceContinuation: AsyncStream<RebalanceEvent>.Continuation

    /// Assignment changes as they happen (inside ``poll(maxMessages:timeout:)``); finishes on
    /// ``close()``. Bounded: a consumer nobody reads this from keeps only the latest
    /// ``rebalanceEventBuffer`` (a long-running node sees rebalances for its whole life).
    public let rebalanceEvents: AsyncStream<RebalanceEvent>

    /// How many unread rebalance events ``rebalanceEvents`` keeps.
    public static let rebalanceEventBuffer = 64

    /// Creates a consumer from `configuration` layered over ``KafkaConfiguration/consumerDefaults``,
    /// logging to `logger`, the owner's logger (a client has none of its own).
    ///
    /// `group.id` is required, also for ``assign(_:)``-only readers.
    public init(configuration: KafkaConfiguration, logger: Logger) throws {
        guard configuration["group.id"] != nil else {
            throw KafkaError(code: .invalidArgument, message: "a consumer needs group.id")
        }
        handle = try NativeHandle(
            type: RD_KAFKA_CONSUMER,
            properties: configuration.withDefaults(KafkaConfiguration.consumerDefaults),
            configure: ConsumerCallbacks.install(on:)
        )
        rd_kafka_poll_set_consumer(handle.pointer)  // errors and rebalances are served by consumer_poll
        self.logger = logger
        (rebalanceEvents, rebalanceContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(Self.rebalanceEventBuffer))
    }

    deinit {
        // Not closed: close and destroy on the consumer thread, without waiting here.
        let handle = handle
        if lifecycle.isClosing { return }
        worker.submit {
            rd_kafka_consumer_close(handle.pointer)
            handle.destroy()
        }
        worker.stop()
        rebalanceContinuation.finish()
    }

    /// The partitions currently assigned to this consumer.
    public var assignment: Set<TopicPartition> { state.withLock { $0.assignment } }

    /// Joins the group for `topics` (replacing any previous subscription). Runs on the
    /// consumer thread: librdkafka waits for its group thread to take the subscription.
    public func subscribe(topics: [String]) async throws {
        try await runOnWorker { rk in
            let partitions = topics.map { (TopicPartition(topic: $0, partition: -1), Int64(0)) }  // -1: RD_KAFKA_PARTITION_UA
            try PartitionList.with(partitions) { list throws(KafkaError) in
                try KafkaError.check(rd_kafka_subscribe(rk, list), "subscribe")
            }
        }
    }

    /// Leaves the group now: the assignment is revoked and the coordinator is told, so the
    /// partitions move to the other members at once. Unlike ``close()``, this also holds for a
    /// static member (`group.instance.id`), which on close keeps its partitions until it
    /// rejoins or its session times out (KIP-345). Commit what must be kept first: after
    /// this, offsets of the revoked partitions can no longer be committed.
    ///
    /// librdkafka sends the LeaveGroup only once the revoke is done, and the revoke runs in the
    /// rebalance callback, inside a poll; a static member whose revoke is only done by
    /// ``close()`` never sends it (KIP-345 forbids a LeaveGroup on termination). So this polls
    /// until the leave is issued (the member id is cleared), at most `timeout`; messages
    /// returned meanwhile are dropped without storing their offsets (the next owner reads them).
    public func leaveGroup(timeout: Duration) async throws {
        try await runOnWorker { rk in try KafkaError.check(rd_kafka_unsubscribe(rk), "unsubscribe") }
        let deadline = ContinuousClock.now + timeout
        while try memberId != nil {
            guard ContinuousClock.now < deadline else {
                logger.warning("the group leave was not issued within \(timeout); the coordinator drops this member when its session times out")
                return
            }
            _ = try await poll(maxMessages: 256, timeout: .milliseconds(20))
        }
    }

    /// The member id the group coordinator gave this consumer; nil before it joins and once
    /// it has left the group (librdkafka clears it when it issues the LeaveGroup).
    public var memberId: String? {
        get throws(KafkaError) {
            try withOpenHandleResult { rk, _ in
                guard let id = rd_kafka_memberid(rk) else { return nil }
                defer { rd_kafka_mem_free(rk, id) }
                let text = String(cString: id)
                return text.isEmpty ? nil : text
            }
        }
    }

    /// Reads exactly these partitions from the given positions, without joining the group.
    /// Runs on the consumer thread: librdkafka waits for its group thread to take the assignment.
    public func assign(_ partitions: [TopicPartitionOffset]) async throws {
        try await runOnWorker { [self] rk in
            try PartitionList.with(partitions.map { ($0.topicPartition, $0.offset.raw) }) { list throws(KafkaError) in
                try KafkaError.check(rd_kafka_assign(rk, list), "assign")
            }
            state.withLock { $0.assignment = Set(partitions.map(\.topicPartition)) }
        }
    }

    /// Waits up to `timeout` for a first message, then returns it with up to `maxMessages - 1`
    /// more that are already available. An empty result means the timeout passed.
    ///
    /// Non-fatal errors (a broker going away, for instance) are logged; librdkafka recovers from
    /// them. Fatal errors are thrown.
    public func poll(maxMessages: Int, timeout: Duration) async throws -> [KafkaMessage] {
        try await runOnWorker { [self] rk in
            var messages: [KafkaMessage] = []
            var positions: [TopicPartition: Int64] = [:]
            defer { self.recordPositions(positions) }
            let deadline = ContinuousClock.now + timeout
            while messages.count < maxMessages {
                let wait = messages.isEmpty ? max(Duration.zero, deadline - .now).milliseconds : 0
                guard let native = rd_kafka_consumer_poll(rk, wait) else { break }
                defer { rd_kafka_message_destroy(native) }
                let err = native.pointee.err
                if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    let message = KafkaMessage(native)
                    positions[message.topicPartition] = message.offset + 1
                    messages.append(message)
                } else if err == RD_KAFKA_RESP_ERR__FATAL {
                    throw KafkaError(code: .fatal, message: "consumer failed", isFatal: true)
                } else if err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    // With `enable.partition.eof=true`: the position is known before any message.
                    let topic = String(cString: rd_kafka_topic_name(native.pointee.rkt))
                    positions[TopicPartition(topic: topic, partition: native.pointee.partition)] = native.pointee.offset
                } else {
                    self.logger.warning("consume error", metadata: [LogMetadataKey.error: "\(KafkaError(err))"])
                }
            }
            return messages
        }
    }

    /// Marks `message` as processed: its offset + 1 is committed by the next commit.
    public func storeOffset(for message: KafkaMessage) throws {
        try store(topic: message.topic, partition: message.partition, offset: message.offset + 1)
    }

    /// Stores `offset` (the offset of the *next* message to read) for the next commit.
    public func store(topic: String, partition: Int32, offset: Int64) throws {
        try withOpenHandle { rk throws(KafkaError) in
            try PartitionList.with([(TopicPartition(topic: topic, partition: partition), offset)]) { list throws(KafkaError) in
                try KafkaError.check(rd_kafka_offsets_store(rk, list), "store offset")
                try PartitionList.check(list, "store offset")
            }
        }
    }

    /// Commits the stored offsets and waits up to `timeout` for the broker's answer.
    ///
    /// A synchronous `rd_kafka_commit` can wait without end when the coordinator went away
    /// with the request in flight, and this consumer's thread (which also polls) with it; so
    /// the commit is posted with its own result queue and awaited for a bounded time. After a
    /// timeout (`timedOut`, retriable) the offsets stay stored for the next commit, and a late
    /// answer is dropped with the queue.
    public func commit(timeout: Duration) async throws {
        try await runOnWorker { rk in
            let queue = rd_kafka_queue_new(rk)
            defer { rd_kafka_queue_destroy(queue) }
            let posted = rd_kafka_commit_queue(rk, nil, queue, nil, nil)
            if posted == RD_KAFKA_RESP_ERR__NO_OFFSET { return }
            try KafkaError.check(posted, "commit")
            guard let event = rd_kafka_queue_poll(queue, timeout.milliseconds) else {
                throw KafkaError(code: .timedOut, message: "commit: no answer within \(timeout)", isRetriable: true)
            }
            defer { rd_kafka_event_destroy(event) }
            let err = rd_kafka_event_error(event)
            if err == RD_KAFKA_RESP_ERR__NO_OFFSET { return }
            try KafkaError.check(err, "commit")
            if let partitions = rd_kafka_event_topic_partition_list(event) { try PartitionList.check(partitions, "commit") }
        }
    }

    /// The high watermark (offset of the next message to be written) of `partition`, asked of
    /// the broker. Reply readers use it to ``assign(_:)`` at an explicit position before they
    /// send a request, so no reply can slip in before the position resolves.
    public func highWatermark(_ partition: TopicPartition, timeout: Duration) async throws -> Int64 {
        try await runOnWorker { rk in
            var low: Int64 = 0
            var high: Int64 = 0
            try KafkaError.check(
                rd_kafka_query_watermark_offsets(
                    rk, partition.topic, partition.partition, &low, &high, Int32(timeout.milliseconds)),
                "query watermarks of \(partition)")
            return high
        }
    }

    /// The offsets this consumer's `group.id` has committed for `partitions`, asked of the
    /// group coordinator (no group join: any consumer with that `group.id` can ask). A
    /// partition without a committed offset is absent from the result.
    public func committedOffsets(_ partitions: [TopicPartition], timeout: Duration) async throws
        -> [TopicPartition: Int64]
    {
        try await runOnWorker { rk in
            try PartitionList.with(partitions.map { ($0, Int64(-1001)) }) { list in  // RD_KAFKA_OFFSET_INVALID
                try KafkaError.check(rd_kafka_committed(rk, list, Int32(timeout.milliseconds)), "committed offsets")
                try PartitionList.check(list, "committed offsets")
                var offsets: [TopicPartition: Int64] = [:]
                for entry in PartitionList.read(list) where entry.offset >= 0 { offsets[entry.partition] = entry.offset }
                return offsets
            }
        }
    }

    /// The lag of every assigned partition: messages between the consumer's position and the
    /// partition's high watermark (as of the last fetch response; no broker round trip).
    /// `nil` for a partition whose position or watermark is not known yet: it has not been
    /// fetched, or (without `enable.partition.eof=true`) has returned no message yet.
    public func lag() -> [TopicPartition: Int64?] {
        (try? withOpenHandleResult { rk, state in
            var lags: [TopicPartition: Int64?] = [:]
            for partition in state.assignment {
                var low: Int64 = -1
                var high: Int64 = -1
                let err = rd_kafka_get_watermark_offsets(rk, partition.topic, partition.partition, &low, &high)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR || high < 0 { lags[partition] = .some(nil); continue }
                lags[partition] = state.positions[partition].map { max(0, high - $0) }
            }
            return lags
        }) ?? [:]
    }

    /// Stops fetching `partitions`; buffered messages of them are dropped and re-fetched on resume.
    public func pause(_ partitions: [TopicPartition]) throws {
        try withPartitions(partitions, "pause", rd_kafka_pause_partitions)
    }

    /// Resumes fetching `partitions` from the current position.
    public func resume(_ partitions: [TopicPartition]) throws {
        try withPartitions(partitions, "resume", rd_kafka_resume_partitions)
    }

    /// Moves the position of an assigned partition.
    public func seek(_ partition: TopicPartition, to offset: KafkaOffset, timeout: Duration = .seconds(10)) async throws {
        try await runOnWorker { rk in
            try PartitionList.with([(partition, offset.raw)]) { list in
                if let error = rd_kafka_seek_partitions(rk, list, timeout.milliseconds) {
                    throw KafkaError(consuming: error)
                }
                try PartitionList.check(list, "seek")
            }
        }
    }

    /// Leaves the group cleanly (final revoke, commit of stored offsets when auto commit is on)
    /// and destroys the handle. Later calls throw; calling it again does nothing.
    public func close() async throws {
        guard await lifecycle.beginClose() else { return }
        let handle = handle
        try await worker.run { [self] in
            let err = rd_kafka_consumer_close(handle.pointer)
            drain()
            handle.destroy()  // release point of the handle and its callback sink
            state.withLock { $0.assignment = [] }
            lifecycle.closed()
            try KafkaError.check(err, "close")
        }
        worker.stop()
        rebalanceContinuation.finish()
    }

    /// Whether ``close()`` has been called.
    public var isClosed: Bool { lifecycle.isClosing }

    // MARK: - Plumbing

    /// Runs `body` on the consumer thread unless closing, then publishes callback facts.
    private func runOnWorker<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        try await worker.run { [self] in
            // Jobs that run after close() began get no lease; the close job is the last to use the handle.
            try lifecycle.acquire()
            defer { lifecycle.release() }
            defer { drain() }
            return try body(handle.pointer)
        }
    }

    /// Records the positions a poll reached. Runs before the poll's rebalance events are
    /// drained, so the positions of partitions revoked in that poll are removed after it.
    private func recordPositions(_ positions: [TopicPartition: Int64]) {
        guard !positions.isEmpty else { return }
        state.withLock { state in state.positions.merge(positions) { _, new in new } }
    }

    /// Runs a non-blocking read of the handle, with a copy of the state, under a lease.
    private func withOpenHandleResult<T>(_ body: (OpaquePointer, State) -> T) throws(KafkaError) -> T {
        try lifecycle.withLease { () throws(KafkaError) -> T in body(handle.pointer, state.withLock { $0 }) }
    }

    /// Runs a non-blocking call under a lease, so close() cannot destroy the handle meanwhile.
    private func withOpenHandle(_ body: (OpaquePointer) throws(KafkaError) -> Void) throws(KafkaError) {
        try lifecycle.withLease { () throws(KafkaError) in try body(handle.pointer) }
    }

    private func withPartitions(
        _ partitions: [TopicPartition], _ context: String,
        _ call: (OpaquePointer?, PartitionList.Pointer?) -> rd_kafka_resp_err_t
    ) throws(KafkaError) {
        try withOpenHandle { rk throws(KafkaError) in
            try PartitionList.with(partitions.map { ($0, Int64(-1001)) }) { list throws(KafkaError) in  // RD_KAFKA_OFFSET_INVALID
                try KafkaError.check(call(rk, list), context)
                try PartitionList.check(list, context)
            }
        }
    }

    /// Logs librdkafka's messages and publishes rebalance events (on the consumer thread).
    private func drain() {
        let facts = handle.sink.take()
        guard !facts.isEmpty else { return }
        logger.emit(facts)
        for event in facts.rebalances {
            state.withLock { state in
                switch event {
                case .assigned(let partitions): state.assignment.formUnion(partitions)
                case .revoked(let partitions, _):
                    state.assignment.subtract(partitions)
                    for partition in partitions { state.positions[partition] = nil }
                case .failed:
                    state.assignment = []
                    state.positions = [:]
                }
            }
            rebalanceContinuation.yield(event)
        }
    }
}
