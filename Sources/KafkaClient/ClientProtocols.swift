/// What a role reads a subscribed topic through: a consumer group member's polls, offsets and
/// assignment. ``KafkaConsumer`` is the one implementation; unit tests of the roles drive them
/// through an in-memory one.
public protocol GroupMessageSource: Sendable {
    /// The partitions currently assigned.
    var assignment: Set<TopicPartition> { get }
    /// Up to `maxMessages` messages, waiting at most `timeout` for the first.
    func poll(maxMessages: Int, timeout: Duration) async throws -> [KafkaMessage]
    /// Marks `message` as processed for the next commit.
    func storeOffset(for message: KafkaMessage) throws
    /// Commits the stored offsets.
    func commit(timeout: Duration) async throws
    /// Leaves the group now, handing the partitions to the other members.
    func leaveGroup(timeout: Duration) async throws
    /// Stops fetching `partitions`.
    func pause(_ partitions: [TopicPartition]) throws
    /// Resumes fetching `partitions`.
    func resume(_ partitions: [TopicPartition]) throws
}

extension GroupMessageSource {
    /// Commits the stored offsets, waiting up to 10 s for the answer.
    public func commit() async throws { try await commit(timeout: .seconds(10)) }

    /// Leaves the group, waiting up to 10 s for the leave to be issued.
    public func leaveGroup() async throws { try await leaveGroup(timeout: .seconds(10)) }
}

/// What a role learns of another group's progress on a partition without joining it: the
/// partition's end and the group's committed offsets (``KafkaConsumer``, or an in-memory one).
public protocol PartitionProgressSource: Sendable {
    /// The offset of the next message to be written to `partition`.
    func highWatermark(_ partition: TopicPartition, timeout: Duration) async throws -> Int64
    /// The offsets the group has committed for `partitions` (absent: none).
    func committedOffsets(_ partitions: [TopicPartition], timeout: Duration) async throws -> [TopicPartition: Int64]
}

extension PartitionProgressSource {
    /// ``highWatermark(_:timeout:)`` within 10 s.
    public func highWatermark(_ partition: TopicPartition) async throws -> Int64 {
        try await highWatermark(partition, timeout: .seconds(10))
    }

    /// ``committedOffsets(_:timeout:)`` within 10 s.
    public func committedOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        try await committedOffsets(partitions, timeout: .seconds(10))
    }
}

/// Where a role sends messages and awaits their delivery (``KafkaProducer``, or an in-memory one).
public protocol MessageSink: Sendable {
    /// Sends `message` and returns once the broker acknowledged it.
    func send(_ message: OutgoingMessage) async throws -> DeliveryReport
}

extension KafkaConsumer: GroupMessageSource, PartitionProgressSource {}
extension KafkaProducer: MessageSink {}
