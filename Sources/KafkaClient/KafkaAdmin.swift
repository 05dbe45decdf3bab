import BlockingThreads
import Crdkafka
import Logging

/// A topic to create.
public struct NewTopic: Sendable, Hashable {
    /// The topic name.
    public var name: String
    /// The number of partitions.
    public var partitions: Int
    /// The number of replicas of each partition.
    public var replicationFactor: Int
    /// Topic configs such as `cleanup.policy` or `retention.ms`.
    public var configs: [String: String]

    /// Describes a topic to create.
    public init(name: String, partitions: Int, replicationFactor: Int = 1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// Topic administration through the Kafka admin API. Blocking calls run on its own thread.
public final class KafkaAdmin: Sendable {
    private let handle: NativeHandle
    private let worker = BlockingWorker(name: "kafka-admin")
    private let logger: Logger

    /// Creates an admin client (a producer-type handle that never produces) logging to `logger`,
    /// the owner's logger (a client has none of its own).
    public init(configuration: KafkaConfiguration, logger: Logger) throws {
        handle = try NativeHandle(type: RD_KAFKA_PRODUCER, properties: configuration.properties)
        self.logger = logger
    }

    deinit {
        let handle = handle
        worker.submit { handle.destroy() }  // release point of the handle and its callback sink
        worker.stop()
    }

    /// Creates `topics`; a topic that already exists counts as created (its settings are not checked).
    ///
    /// The request is sent, and its result awaited on a private queue, on the admin thread;
    /// all of it within `timeout` (then `_TIMED_OUT`).
    public func createTopics(_ topics: [NewTopic], timeout: Duration = .seconds(30)) async throws {
        try await run { rk in
            var newTopics: [OpaquePointer?] = []
            defer { newTopics.forEach { rd_kafka_NewTopic_destroy($0) } }
            var errorText = [CChar](repeating: 0, count: 512)
            for topic in topics {
                guard let newTopic = rd_kafka_NewTopic_new(
                    topic.name, Int32(topic.partitions), Int32(topic.replicationFactor), &errorText, errorText.count)
                else { throw KafkaError(code: .invalidArgument, message: NativeHandle.string(errorText)) }
                newTopics.append(newTopic)
                for (key, value) in topic.configs {
                    try KafkaError.check(rd_kafka_NewTopic_set_config(newTopic, key, value), "config \(key)")
                }
            }
            let options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS)
            defer { rd_kafka_AdminOptions_destroy(options) }
            try KafkaError.check(
                rd_kafka_AdminOptions_set_operation_timeout(options, timeout.milliseconds, &errorText, errorText.count),
                "operation timeout")
            try KafkaError.check(
                rd_kafka_AdminOptions_set_request_timeout(options, timeout.milliseconds, &errorText, errorText.count),
                "request timeout")
            let queue = rd_kafka_queue_new(rk)
            defer { rd_kafka_queue_destroy(queue) }
            newTopics.withUnsafeMutableBufferPointer {
                rd_kafka_CreateTopics(rk, $0.baseAddress, $0.count, options, queue)
            }
            // The request times out after `timeout` and then posts its result; a little on top.
            guard let event = rd_kafka_queue_poll(queue, (timeout + .seconds(1)).milliseconds) else {
                throw KafkaError(code: .timedOut, message: "no CreateTopics result within \(timeout)")
            }
            defer { rd_kafka_event_destroy(event) }
            try KafkaError.check(rd_kafka_event_error(event), "create topics")
            var count = 0
            let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
            for index in 0..<count {
                let result = results![index]
                let err = rd_kafka_topic_result_error(result)
                guard err != RD_KAFKA_RESP_ERR_NO_ERROR, err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS else { continue }
                let name = String(cString: rd_kafka_topic_result_name(result))
                let detail = rd_kafka_topic_result_error_string(result).map { String(cString: $0) } ?? ""
                throw KafkaError(err, context: "create topic \(name) \(detail)")
            }
        }
    }

    /// Every topic the cluster reports, with its partition count.
    public func listTopics(timeout: Duration = .seconds(10)) async throws -> [String: Int] {
        try await run { rk in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            try KafkaError.check(rd_kafka_metadata(rk, 1, nil, &metadata, timeout.milliseconds), "metadata")
            defer { rd_kafka_metadata_destroy(metadata) }
            guard let metadata = metadata?.pointee else { return [:] }
            var topics: [String: Int] = [:]
            for index in 0..<Int(metadata.topic_cnt) {
                let topic = metadata.topics[index]
                if topic.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    topics[String(cString: topic.topic)] = Int(topic.partition_cnt)
                }
            }
            return topics
        }
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        try await worker.run { [handle, logger] in
            defer { logger.emit(handle.sink.take()) }
            return try body(handle.pointer)
        }
    }
}
