/// A topic and partition.
public struct TopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The topic name.
    public var topic: String
    /// The partition number.
    public var partition: Int32

    /// Creates a topic/partition pair.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// Orders by topic, then partition.
    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    /// `topic[partition]`.
    public var description: String { "\(topic)[\(partition)]" }
}

/// A position to start reading a partition from.
public enum KafkaOffset: Sendable, Hashable {
    /// The oldest retained message.
    case beginning
    /// After the newest message.
    case end
    /// The group's committed offset (falling back to `auto.offset.reset`).
    case stored
    /// An absolute offset: the next message read is the one at this offset.
    case exact(Int64)

    var raw: Int64 {
        switch self {
        case .beginning: -2  // RD_KAFKA_OFFSET_BEGINNING (a macro that does not import)
        case .end: -1  // RD_KAFKA_OFFSET_END
        case .stored: -1000  // RD_KAFKA_OFFSET_STORED
        case .exact(let offset): offset
        }
    }
}

/// A partition to read from, and where to start.
public struct TopicPartitionOffset: Sendable, Hashable {
    /// The partition.
    public var topicPartition: TopicPartition
    /// Where to start reading.
    public var offset: KafkaOffset

    /// Creates a partition/start position pair.
    public init(topic: String, partition: Int32, offset: KafkaOffset) {
        self.topicPartition = TopicPartition(topic: topic, partition: partition)
        self.offset = offset
    }
}

/// A message header: a key and opaque bytes.
public struct KafkaHeader: Sendable, Hashable {
    /// The header key.
    public var key: String
    /// The header value.
    public var value: [UInt8]

    /// Creates a header.
    public init(_ key: String, _ value: [UInt8]) {
        self.key = key
        self.value = value
    }
}

/// A message to produce.
public struct OutgoingMessage: Sendable, Hashable {
    /// The destination topic.
    public var topic: String
    /// An explicit partition, or `nil` to let the partitioner choose from the key.
    public var partition: Int32?
    /// The key (`nil` for none); with the default `murmur2_random` partitioner it picks the partition.
    public var key: [UInt8]?
    /// The payload.
    public var value: [UInt8]
    /// Headers, in order.
    public var headers: [KafkaHeader]
    /// The message's create time in milliseconds since the epoch, or `nil` for the time it is sent.
    public var timestamp: Int64?

    /// Creates a message.
    public init(
        topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = [],
        timestamp: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }
}

/// Where a produced message was stored.
public struct DeliveryReport: Sendable, Hashable {
    /// The topic.
    public var topic: String
    /// The partition the message went to.
    public var partition: Int32
    /// Its offset in that partition (-1 if the broker did not return one).
    public var offset: Int64

    /// A report (for in-memory sinks in tests; producers build them from librdkafka's).
    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

/// A consumed message.
public struct KafkaMessage: Sendable, Hashable {
    /// The topic it was read from.
    public var topic: String
    /// The partition.
    public var partition: Int32
    /// Its offset.
    public var offset: Int64
    /// The key, `nil` if the message had none.
    public var key: [UInt8]?
    /// The payload (empty for a `null` value).
    public var value: [UInt8]
    /// Headers, in order.
    public var headers: [KafkaHeader]
    /// Milliseconds since the Unix epoch (create or log-append time), `nil` if unavailable.
    public var timestamp: Int64?

    /// The topic and partition.
    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }

    /// A message as a consumer returns it (for in-memory sources in tests; consumers build them
    /// from librdkafka's).
    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = [],
        timestamp: Int64?
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }
}

/// A change to a consumer group member's assignment.
public enum RebalanceEvent: Sendable, Hashable {
    /// These partitions were added to the assignment.
    case assigned([TopicPartition])
    /// These partitions were taken away (`lost` when the member was fenced out of the group
    /// rather than revoking cleanly: its uncommitted work may be redone by another member).
    case revoked([TopicPartition], lost: Bool)
    /// The rebalance failed; librdkafka's error.
    case failed(KafkaError)
}
