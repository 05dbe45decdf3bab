import Crdkafka
import KafkaClient

/// Fault injection on the mock cluster, for tests only: it is not part of `KafkaClient`'s API,
/// so production code cannot take a broker down by accident.
extension EmbeddedBroker {
    /// Disconnects broker `id` and refuses new connections until ``setBrokerUp(_:)``.
    public func setBrokerDown(_ id: Int32) throws {
        try withCluster { cluster throws(KafkaError) in
            try KafkaError.check(rd_kafka_mock_broker_set_down(cluster, id), "broker \(id) down")
        }
    }

    /// Lets broker `id` accept connections again.
    public func setBrokerUp(_ id: Int32) throws {
        try withCluster { cluster throws(KafkaError) in
            try KafkaError.check(rd_kafka_mock_broker_set_up(cluster, id), "broker \(id) up")
        }
    }

    /// Makes the next requests with Kafka API key `apiKey` (0 = Produce, 1 = Fetch, ...) fail
    /// with `errors`, one error per request, in order.
    public func pushRequestErrors(apiKey: Int16, errors: [KafkaError.Code]) throws {
        try withCluster { cluster throws(KafkaError) in
            let native = errors.map(\.native)
            native.withUnsafeBufferPointer {
                rd_kafka_mock_push_request_errors_array(cluster, apiKey, $0.count, $0.baseAddress)
            }
        }
    }
}
