import KafkaClient
import XSellCore

/// Applies the topic specs of `topics/` to a cluster.
public enum TopicSetup {
    /// Creates every topic (idempotent: existing topics count as success).
    /// `partitions` overrides the specs' partition count (all topics stay co-partitioned).
    public static func create(
        _ specs: [TopicSpec], partitions: Int? = nil, admin: KafkaAdmin, timeout: Duration = .seconds(30)
    ) async throws {
        try await admin.createTopics(specs.map { spec in
            NewTopic(name: spec.name, partitions: partitions ?? spec.partitions, configs: spec.configs)
        }, timeout: timeout)
    }

    /// Creates every topic on the embedded broker.
    public static func create(_ specs: [TopicSpec], partitions: Int? = nil, broker: EmbeddedBroker) throws {
        for spec in specs {
            try broker.createTopic(spec.name, partitions: partitions ?? spec.partitions)
        }
    }
}
