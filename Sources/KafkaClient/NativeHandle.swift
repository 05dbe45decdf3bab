import Crdkafka
import Logging
import Synchronization

/// Facts recorded by librdkafka's C callbacks, drained by Swift code outside the callback.
///
/// Callbacks run on librdkafka threads or inside `rd_kafka_*poll`; they only append here.
struct CallbackFacts: Sendable {
    var deliveries: [(id: UInt, result: Result<DeliveryReport, KafkaError>)] = []
    var rebalances: [RebalanceEvent] = []
    var logs: [(level: Int32, facility: String, message: String)] = []
    var errors: [KafkaError] = []

    /// Log lines beyond this many between two drains are dropped (an idle consumer is not drained).
    static let maxBufferedLogs = 1000

    var isEmpty: Bool { deliveries.isEmpty && rebalances.isEmpty && logs.isEmpty && errors.isEmpty }
}

/// The object behind a handle's `opaque` pointer: a locked buffer of ``CallbackFacts``.
final class CallbackSink: Sendable {
    private let facts = Mutex(CallbackFacts())

    func record(_ update: (inout CallbackFacts) -> Void) {
        facts.withLock { update(&$0) }
    }

    /// Takes everything recorded so far.
    func take() -> CallbackFacts {
        facts.withLock { current in
            let taken = current
            current = CallbackFacts()
            return taken
        }
    }

    /// The sink registered as `rk`'s opaque (see ``NativeHandle/destroy()`` for its release).
    static func of(_ rk: OpaquePointer?) -> CallbackSink? {
        guard let rk, let opaque = rd_kafka_opaque(rk) else { return nil }
        return Unmanaged<CallbackSink>.fromOpaque(opaque).takeUnretainedValue()
    }
}

/// An `rd_kafka_t` plus the retained ``CallbackSink`` its callbacks write to.
///
/// `@unchecked Sendable`: librdkafka handles are thread-safe; ``destroy()`` is called exactly
/// once by the owning client, on a thread outside Swift's cooperative pool.
struct NativeHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    let sink: CallbackSink
    private let retainedSink: Unmanaged<CallbackSink>

    /// Creates a handle of `type` with `properties`; `configure` may install more callbacks.
    init(
        type: rd_kafka_type_t, properties: [String: String],
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        let conf = rd_kafka_conf_new()!
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, key, value, &errorText, errorText.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(code: .invalidArgument, message: Self.string(errorText))
            }
        }
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, message in
            let record = (level, String(cString: facility!), String(cString: message!))
            CallbackSink.of(rk)?.record { facts in
                if facts.logs.count < CallbackFacts.maxBufferedLogs { facts.logs.append(record) }
            }
        }
        rd_kafka_conf_set_error_cb(conf) { rk, err, reason, _ in
            var error = KafkaError(code: .init(rawValue: err), message: String(cString: reason!))
            if err == RD_KAFKA_RESP_ERR__FATAL.rawValue, let rk {
                var text = [CChar](repeating: 0, count: 512)
                let original = rd_kafka_fatal_error(rk, &text, text.count)
                error = KafkaError(code: .init(original), message: NativeHandle.string(text), isFatal: true)
            }
            CallbackSink.of(rk)?.record { $0.errors.append(error) }
        }
        configure(conf)
        let sink = CallbackSink()
        // Retained here; released in `destroy()` after rd_kafka_destroy, or below on failure.
        let retained = Unmanaged.passRetained(sink)
        rd_kafka_conf_set_opaque(conf, retained.toOpaque())
        guard let rk = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)  // rd_kafka_new only takes ownership on success
            retained.release()
            throw KafkaError(code: .invalidArgument, message: Self.string(errorText))
        }
        self.pointer = rk
        self.sink = sink
        self.retainedSink = retained
    }

    /// Destroys the handle (blocking: it waits for librdkafka's threads), then releases the sink.
    ///
    /// This is the release point of the `opaque` pointer: no callback can run after
    /// `rd_kafka_destroy` returns.
    func destroy() {
        rd_kafka_destroy(pointer)
        retainedSink.release()
    }

    static func string(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

extension Logger {
    /// Logs the librdkafka log lines and errors in `facts`.
    func emit(_ facts: CallbackFacts) {
        for line in facts.logs {
            // syslog levels. 3 (ERR) is mostly transient connection failures that librdkafka
            // retries, also reported through error_cb: a warning, not an error.
            var level: Logger.Level = line.level <= 2 ? .error : line.level <= 4 ? .warning : line.level <= 6 ? .info : .debug
            // Brokers older than the protocol of `allow.auto.create.topics` (the mock cluster)
            // repeat this on every metadata request; it changes nothing for us.
            if line.facility == "AUTOCREATE" { level = .debug }
            log(level: level, "\(line.message)", metadata: [LogMetadataKey.rdkafkaFacility: "\(line.facility)"])
        }
        for error in facts.errors {
            log(level: error.isFatal ? .critical : .warning, "\(error)")
        }
    }
}

/// Builds and reads `rd_kafka_topic_partition_list_t`.
enum PartitionList {
    typealias Pointer = UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    /// Runs `body` with a new list of `entries`; the list is destroyed when `body` returns.
    static func with<T, E: Error>(
        _ entries: [(TopicPartition, Int64)], _ body: (Pointer) throws(E) -> T
    ) throws(E) -> T {
        let list = rd_kafka_topic_partition_list_new(Int32(entries.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (tp, offset) in entries {
            rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition).pointee.offset = offset
        }
        return try body(list)
    }

    /// The entries of `list` with their offsets and per-partition errors.
    static func read(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>)
        -> [(partition: TopicPartition, offset: Int64, error: rd_kafka_resp_err_t)]
    {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return (TopicPartition(topic: String(cString: element.topic), partition: element.partition),
                    element.offset, element.err)
        }
    }

    /// Throws the first per-partition error in `list`, if any.
    static func check(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>, _ context: String) throws(KafkaError) {
        for entry in read(list) where entry.error != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(entry.error, context: "\(context) \(entry.partition)")
        }
    }
}
