import Crdkafka
import Logging
import Synchronization

/// Matches delivery reports recorded by `dr_msg_cb` with the sends waiting for them, and runs
/// the producer's poll loop.
///
/// Each produced message carries a numeric id as its `msg_opaque` (an integer, not a pointer,
/// so there is nothing to retain or release per message).
final class DeliveryDispatcher: Sendable {
    enum Waiter: Sendable {
        case task(CheckedContinuation<DeliveryReport, any Error>)
        case callback(@Sendable (Result<DeliveryReport, KafkaError>) -> Void)

        func resume(with result: Result<DeliveryReport, KafkaError>) {
            switch self {
            case .task(let continuation): continuation.resume(with: result.mapError { $0 })
            case .callback(let completion): completion(result)
            }
        }
    }

    private struct State {
        var nextID: UInt = 1
        var waiting: [UInt: Waiter] = [:]
    }

    private let state = Mutex(State())
    /// Held while draining, so a `drain()` returns only after earlier-taken reports were handed out.
    private let draining = Mutex(())
    private let stopRequested = Atomic(false)
    private let sink: CallbackSink
    private let logger: Logger

    init(sink: CallbackSink, logger: Logger) {
        self.sink = sink
        self.logger = logger
    }

    /// Installs the delivery report callback: it only records `(id, result)` in the sink.
    static func install(on conf: OpaquePointer) {
        rd_kafka_conf_set_dr_msg_cb(conf) { rk, message, _ in
            guard let message = message?.pointee else { return }
            let id = UInt(bitPattern: message._private)
            let result: Result<DeliveryReport, KafkaError>
            if message.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                let topic = String(cString: rd_kafka_topic_name(message.rkt))
                result = .success(DeliveryReport(topic: topic, partition: message.partition, offset: message.offset))
            } else {
                result = .failure(KafkaError(message.err, context: "delivery"))
            }
            CallbackSink.of(rk)?.record { $0.deliveries.append((id, result)) }
        }
    }

    /// Registers a waiter and returns the id to pass as the message's `msg_opaque`.
    func register(_ waiter: Waiter) -> UInt {
        state.withLock { state in
            defer { state.nextID += 1 }
            state.waiting[state.nextID] = waiter
            return state.nextID
        }
    }

    /// Removes a waiter whose message was never enqueued.
    func remove(_ id: UInt) {
        _ = state.withLock { $0.waiting.removeValue(forKey: id) }
    }

    /// The number of sends still waiting for a delivery report.
    var outstanding: Int { state.withLock { $0.waiting.count } }

    /// Drains the sink: logs, and resumes the waiters of recorded deliveries (outside the state lock;
    /// completions must not call ``drain()`` themselves).
    func drain() {
        draining.withLock { _ in
            let facts = sink.take()
            guard !facts.isEmpty else { return }
            logger.emit(facts)
            let ready = state.withLock { state in
                facts.deliveries.compactMap { delivery in
                    state.waiting.removeValue(forKey: delivery.id).map { ($0, delivery.result) }
                }
            }
            for (waiter, result) in ready { waiter.resume(with: result) }
        }
    }

    /// Serves `rd_kafka_poll` until ``requestStop(_:)``; runs as one job on a dedicated worker.
    func pollLoop(_ rk: OpaquePointer) {
        while !stopRequested.load(ordering: .acquiring) {
            rd_kafka_poll(rk, 100)
            drain()
        }
        drain()
    }

    /// Ends ``pollLoop(_:)`` promptly by waking its `rd_kafka_poll`.
    func requestStop(_ rk: OpaquePointer) {
        stopRequested.store(true, ordering: .releasing)
        let mainQueue = rd_kafka_queue_get_main(rk)
        rd_kafka_queue_yield(mainQueue)
        rd_kafka_queue_destroy(mainQueue)  // queue_get_main returned a new reference
    }

    /// Fails every send still waiting (after the handle is destroyed, none can be reported).
    func failAll(_ error: KafkaError) {
        let waiters = state.withLock { state in
            defer { state.waiting.removeAll() }
            return Array(state.waiting.values)
        }
        for waiter in waiters { waiter.resume(with: .failure(error)) }
    }
}
