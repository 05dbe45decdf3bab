import BlockingThreads
import Crdkafka
import Logging

/// A Kafka producer (`rd_kafka_t` of type producer) with delivery reports.
///
/// Threading: a dedicated poll thread runs `rd_kafka_poll` in a loop; the delivery report
/// callback only records facts, which that thread then hands to the waiting sends. `flush` and
/// `rd_kafka_destroy` run on a second dedicated thread, never on Swift's cooperative pool.
/// Call ``close(timeout:)`` before dropping the producer, or unflushed messages are lost.
public final class KafkaProducer: Sendable {
    private let handle: NativeHandle
    private let dispatcher: DeliveryDispatcher
    private let pollWorker: BlockingWorker
    private let blockingWorker: BlockingWorker
    /// A send holds a lease during `rd_kafka_produceva` (no lock across it: sends run in
    /// parallel), so `close` cannot destroy the handle under a send.
    private let lifecycle = HandleGuard(client: "producer")

    /// Creates a producer from `configuration` layered over ``KafkaConfiguration/producerDefaults``,
    /// logging to `logger`, the owner's logger (a client has none of its own).
    public init(configuration: KafkaConfiguration, logger: Logger) throws {
        let handle = try NativeHandle(
            type: RD_KAFKA_PRODUCER,
            properties: configuration.withDefaults(KafkaConfiguration.producerDefaults),
            configure: DeliveryDispatcher.install(on:)
        )
        let dispatcher = DeliveryDispatcher(sink: handle.sink, logger: logger)
        self.handle = handle
        self.dispatcher = dispatcher
        self.pollWorker = BlockingWorker(name: "kafka-producer-poll")
        self.blockingWorker = BlockingWorker(name: "kafka-producer-flush")
        pollWorker.submit { dispatcher.pollLoop(handle.pointer) }
    }

    deinit {
        // Not closed: stop polling and destroy the handle on the poll thread, off any caller.
        guard !lifecycle.isClosed else { return }
        let (handle, dispatcher) = (handle, dispatcher)
        dispatcher.requestStop(handle.pointer)
        pollWorker.submit {
            handle.destroy()
            dispatcher.failAll(.closed("producer"))
        }
        pollWorker.stop()
        blockingWorker.stop()
    }

    /// Sends `message` and waits for its delivery report.
    ///
    /// Throws a ``KafkaError`` if the message cannot be enqueued (e.g. ``KafkaError/Code/queueFull``,
    /// which is retriable) or if delivery fails. Cancelling the task does not recall the message.
    public func send(_ message: OutgoingMessage) async throws -> DeliveryReport {
        try await withCheckedThrowingContinuation { continuation in
            do {
                try enqueue(message, .task(continuation))
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Enqueues `message`; `completion` runs on the poll thread with its delivery report.
    ///
    /// Throws (and never calls `completion`) if the message cannot be enqueued.
    public func send(
        _ message: OutgoingMessage, completion: @escaping @Sendable (Result<DeliveryReport, KafkaError>) -> Void
    ) throws {
        try enqueue(message, .callback(completion))
    }

    /// The number of sent messages whose delivery report has not arrived yet.
    public var outstandingDeliveries: Int { dispatcher.outstanding }

    /// Waits until every enqueued message has its delivery report, or throws ``KafkaError/Code/timedOut``.
    public func flush(timeout: Duration) async throws {
        try lifecycle.acquire()
        defer { lifecycle.release() }
        try await flushHandle(timeout: timeout)
    }

    private func flushHandle(timeout: Duration) async throws {
        let (handle, dispatcher) = (handle, dispatcher)
        try await blockingWorker.run {
            let err = rd_kafka_flush(handle.pointer, timeout.milliseconds)
            dispatcher.drain()  // reports served inside rd_kafka_flush are delivered before returning
            try KafkaError.check(err, "flush")
        }
    }

    /// Flushes, stops the poll thread and destroys the handle; later sends throw.
    ///
    /// Every send enqueued before `close` gets its delivery report or, if the flush timed out,
    /// a failure. Calling `close` again does nothing.
    public func close(timeout: Duration = .seconds(30)) async throws {
        guard await lifecycle.beginClose() else { return }
        let flushResult = await Result { try await flushHandle(timeout: timeout) }
        let (handle, dispatcher) = (handle, dispatcher)
        dispatcher.requestStop(handle.pointer)
        try await pollWorker.run {  // runs once the poll loop job has returned
            handle.destroy()
            dispatcher.failAll(.closed("producer"))
        }
        lifecycle.closed()
        pollWorker.stop()
        blockingWorker.stop()
        try flushResult.get()
    }

    private func enqueue(_ message: OutgoingMessage, _ waiter: DeliveryDispatcher.Waiter) throws(KafkaError) {
        try lifecycle.withLease { () throws(KafkaError) in
            let id = dispatcher.register(waiter)
            if let error = MessageEncoder.produce(message, id: id, on: handle.pointer) {
                dispatcher.remove(id)
                throw error
            }
        }
    }
}

extension Duration {
    /// Whole milliseconds, clamped to `Int32` (librdkafka's timeout type).
    var milliseconds: Int32 {
        let (seconds, attoseconds) = components
        let total = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: total)
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
