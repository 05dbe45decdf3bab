import Crdkafka
import Synchronization

/// An in-process Kafka cluster: librdkafka's mock cluster.
///
/// It listens on 127.0.0.1 TCP ports, so clients in this process and others can connect via
/// ``bootstrapServers``. It supports produce, fetch, metadata and consumer groups with commits
/// (not the admin API: create topics with ``createTopic(_:partitions:replicationFactor:)``),
/// and injects failures for tests. It is owned by a helper producer handle
/// (`rd_kafka_mock_cluster_new` needs one); ``shutdown()`` (or deinit) destroys the cluster
/// first and then that handle, which is the release point of both.
public final class EmbeddedBroker: Sendable {
    /// `@unchecked Sendable`: the mock cluster API is thread-safe (it posts to the cluster's thread).
    private struct Pointers: @unchecked Sendable {
        let helper: OpaquePointer
        let cluster: OpaquePointer
    }

    private let pointers: Mutex<Pointers?>

    /// The `bootstrap.servers` value for clients of this cluster.
    public let bootstrapServers: String

    /// Starts a cluster of `brokerCount` brokers with ids 1...brokerCount.
    public init(brokerCount: Int = 1) throws {
        let conf = rd_kafka_conf_new()!
        var errorText = [CChar](repeating: 0, count: 512)
        rd_kafka_conf_set(conf, "log_level", "3", &errorText, errorText.count)
        guard let helper = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(code: .invalidArgument, message: NativeHandle.string(errorText))
        }
        guard let cluster = rd_kafka_mock_cluster_new(helper, Int32(brokerCount)) else {
            rd_kafka_destroy(helper)
            throw KafkaError(code: .state, message: "rd_kafka_mock_cluster_new failed")
        }
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        self.pointers = Mutex(Pointers(helper: helper, cluster: cluster))
    }

    deinit { shutdown() }

    /// Creates `name` with `partitions` partitions and the given replication factor; a topic
    /// that already exists counts as created, as in ``KafkaAdmin/createTopics(_:timeout:)``.
    ///
    /// Use this rather than ``KafkaAdmin`` here: the mock cluster has no CreateTopics handler.
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws {
        try withCluster { cluster throws(KafkaError) in
            let err = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor))
            if err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS { try KafkaError.check(err, "create topic \(name)") }
        }
    }

    /// Stops the cluster and destroys its helper handle. Later calls throw; calling it again does nothing.
    public func shutdown() {
        guard let pointers = pointers.withLock({ current in defer { current = nil }; return current }) else { return }
        rd_kafka_mock_cluster_destroy(pointers.cluster)  // before the handle it was created on
        rd_kafka_destroy(pointers.helper)
    }

    /// Runs `body` with the live cluster (for the testing-only fault injection in XSellTestSupport).
    package func withCluster(_ body: (OpaquePointer) throws(KafkaError) -> Void) throws(KafkaError) {
        try pointers.withLock { (pointers) throws(KafkaError) in
            guard let pointers else { throw KafkaError.closed("embedded broker") }
            try body(pointers.cluster)
        }
    }
}
