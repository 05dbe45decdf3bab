import Crdkafka

/// An error reported by librdkafka or by this wrapper.
///
/// `code` carries the raw `rd_kafka_resp_err_t` value, so every librdkafka error code is
/// representable even when this module has no named constant for it.
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An extensible wrapper around a raw `rd_kafka_resp_err_t` value.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The raw `rd_kafka_resp_err_t` value (negative values are client-local errors).
        public let rawValue: Int32

        /// Wraps a raw `rd_kafka_resp_err_t` value.
        public init(rawValue: Int32) { self.rawValue = rawValue }

        init(_ err: rd_kafka_resp_err_t) { self.rawValue = err.rawValue }

        package var native: rd_kafka_resp_err_t { rd_kafka_resp_err_t(rawValue: rawValue) }

        /// librdkafka's short name for the code, e.g. `_QUEUE_FULL`.
        public var description: String { String(cString: rd_kafka_err2name(native)) }

        /// No error.
        public static let noError = Code(RD_KAFKA_RESP_ERR_NO_ERROR)
        /// The local producer queue is full (`queue.buffering.max.messages`).
        public static let queueFull = Code(RD_KAFKA_RESP_ERR__QUEUE_FULL)
        /// An operation timed out.
        public static let timedOut = Code(RD_KAFKA_RESP_ERR__TIMED_OUT)
        /// A message could not be delivered within `message.timeout.ms`.
        public static let messageTimedOut = Code(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
        /// An invalid argument or configuration value.
        public static let invalidArgument = Code(RD_KAFKA_RESP_ERR__INVALID_ARG)
        /// The client instance is closed or being destroyed.
        public static let destroyed = Code(RD_KAFKA_RESP_ERR__DESTROY)
        /// No offset to commit.
        public static let noOffset = Code(RD_KAFKA_RESP_ERR__NO_OFFSET)
        /// A fatal error; the client instance is unusable.
        public static let fatal = Code(RD_KAFKA_RESP_ERR__FATAL)
        /// The operation is not valid in the client's current state.
        public static let state = Code(RD_KAFKA_RESP_ERR__STATE)
        /// End of partition reached (only with `enable.partition.eof=true`).
        public static let partitionEOF = Code(RD_KAFKA_RESP_ERR__PARTITION_EOF)
        /// The topic already exists (treated as success by ``KafkaAdmin/createTopics(_:timeout:)``).
        public static let topicAlreadyExists = Code(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        /// The topic or partition does not exist.
        public static let unknownTopicOrPartition = Code(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        /// The broker is not the leader for the partition.
        public static let notLeaderForPartition = Code(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION)
        /// Not enough in-sync replicas.
        public static let notEnoughReplicas = Code(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS)
        /// A broker transport failure.
        public static let transport = Code(RD_KAFKA_RESP_ERR__TRANSPORT)
        /// All brokers are down.
        public static let allBrokersDown = Code(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        /// The group coordinator is not known yet (a commit during a broker outage).
        public static let waitingForCoordinator = Code(RD_KAFKA_RESP_ERR__WAIT_COORD)
        /// The message is larger than the broker or the producer accepts.
        public static let messageTooLarge = Code(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
    }

    /// The librdkafka error code.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// Whether retrying the operation may succeed.
    public var isRetriable: Bool
    /// Whether the client instance is unusable after this error.
    public var isFatal: Bool

    /// Creates an error; by default retriability is derived from the code.
    public init(code: Code, message: String, isRetriable: Bool? = nil, isFatal: Bool = false) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable ?? Self.retriableCodes.contains(code)
        self.isFatal = isFatal || code == .fatal
    }

    /// `code (name): message`.
    public var description: String { "KafkaError \(code.rawValue) (\(code)): \(message)" }

    private static let retriableCodes: Set<Code> = [
        .queueFull, .timedOut, .messageTimedOut, .transport, .allBrokersDown, .waitingForCoordinator,
        .notLeaderForPartition, .notEnoughReplicas, Code(RD_KAFKA_RESP_ERR__RESOLVE),
        Code(RD_KAFKA_RESP_ERR__WAIT_CACHE), Code(RD_KAFKA_RESP_ERR__IN_PROGRESS),
        Code(RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION),
        Code(RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS),
        Code(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT), Code(RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE),
        Code(RD_KAFKA_RESP_ERR_NOT_COORDINATOR), Code(RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE),
        Code(RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS),
        Code(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND),
    ]

    /// An error for a bare response code, with librdkafka's description as the message.
    init(_ err: rd_kafka_resp_err_t, context: String? = nil) {
        let text = String(cString: rd_kafka_err2str(err))
        self.init(code: Code(err), message: context.map { "\($0): \(text)" } ?? text)
    }

    /// Takes ownership of a `rd_kafka_error_t` and destroys it (its release point).
    init(consuming error: OpaquePointer) {
        defer { rd_kafka_error_destroy(error) }
        self.init(
            code: Code(rd_kafka_error_code(error)),
            message: String(cString: rd_kafka_error_string(error)),
            isRetriable: rd_kafka_error_is_retriable(error) != 0,
            isFatal: rd_kafka_error_is_fatal(error) != 0
        )
    }

    /// The error used for calls on a closed client.
    static func closed(_ what: String) -> KafkaError {
        KafkaError(code: .destroyed, message: "\(what) is closed", isRetriable: false)
    }

    /// Throws unless `err` is `NO_ERROR`.
    package static func check(_ err: rd_kafka_resp_err_t, _ context: String) throws(KafkaError) {
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, context: context) }
    }
}
