/// A topic and partition of the Kafka source of a record.
public struct TopicPartitionKey: Hashable, Sendable, CustomStringConvertible {
    /// The Kafka topic name.
    public var topic: String
    /// The partition within the topic.
    public var partition: Int32

    /// Creates a key for `topic` and `partition`.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// A record to append: its source coordinates, event id and opaque payload.
public struct LogRecordInput: Hashable, Sendable {
    /// The Kafka topic the event was read from.
    public var topic: String
    /// The Kafka partition the event was read from.
    public var partition: Int32
    /// The Kafka offset of the event in its partition.
    public var offset: Int64
    /// The event's unique id (used for de-duplication).
    public var eventId: String
    /// The event bytes; the log does not interpret them.
    public var payload: [UInt8]

    /// Creates a record to append.
    public init(topic: String, partition: Int32, offset: Int64, eventId: String, payload: [UInt8]) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.eventId = eventId
        self.payload = payload
    }
}

/// A record read from the log, with its log position.
public struct LogRecord: Hashable, Sendable {
    /// The 0-based sequence number of the record in the log.
    public var position: UInt64
    /// The Kafka topic the event was read from.
    public var topic: String
    /// The Kafka partition the event was read from.
    public var partition: Int32
    /// The Kafka offset of the event in its partition.
    public var offset: Int64
    /// The event's unique id.
    public var eventId: String
    /// The event bytes.
    public var payload: [UInt8]

    /// Creates a record (mostly useful in tests).
    public init(
        position: UInt64, topic: String, partition: Int32, offset: Int64, eventId: String, payload: [UInt8]
    ) {
        self.position = position
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.eventId = eventId
        self.payload = payload
    }

    /// The record's topic and partition.
    public var topicPartition: TopicPartitionKey { TopicPartitionKey(topic: topic, partition: partition) }

    /// The record without its position, as it was appended.
    public var input: LogRecordInput {
        LogRecordInput(topic: topic, partition: partition, offset: offset, eventId: eventId, payload: payload)
    }
}

/// Settings of an `EventLogWriter`.
public struct EventLogOptions: Sendable {
    /// A new segment is started when a record would make the current one larger than this
    /// (a single larger record gets a segment of its own). Default 64 MiB, at most 2 GiB.
    public var segmentBytes: Int
    /// One sparse index entry is written per this many bytes of records. Default 4 KiB.
    public var indexIntervalBytes: Int
    /// The write and fsync calls; replace to inject failures in tests.
    public var fileOperations: any LogFileOperations

    /// Creates options; the defaults suit production.
    public init(
        segmentBytes: Int = 64 << 20,
        indexIntervalBytes: Int = 4096,
        fileOperations: any LogFileOperations = PosixFileOperations()
    ) {
        self.segmentBytes = segmentBytes
        self.indexIntervalBytes = indexIntervalBytes
        self.fileOperations = fileOperations
    }
}
