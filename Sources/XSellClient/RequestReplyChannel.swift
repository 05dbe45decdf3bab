import Foundation
import KafkaClient
import Logging
import Synchronization

/// Request/reply over two Kafka topics: produces a request and awaits the reply whose request
/// id matches, read by a reader assigned to every partition of the reply topic (no group join).
///
/// The reader starts at each reply partition's high watermark, resolved before ``start()``
/// returns, so no reply to a request sent after it can arrive unseen. ``RecommendationClient``
/// is this channel with the xsell codecs; benchmarks use it with other payloads.
public final class RequestReplyChannel<Reply: Sendable>: Sendable {
    /// Reads a reply message's value: its request id and reply, or nil for a message that is
    /// not a reply this channel understands (skipped).
    public typealias ReplyDecoder = @Sendable ([UInt8]) -> (requestId: String, reply: Reply)?

    private let producer: KafkaProducer
    private let consumer: KafkaConsumer
    private let admin: KafkaAdmin
    /// The topic the replies arrive on.
    public let replyTopic: String
    private let decode: ReplyDecoder
    private let waiting = Mutex<[String: CheckedContinuation<Reply, any Error>]>([:])
    private let pump = Mutex<Task<Void, Never>?>(nil)

    /// A channel on `kafka` whose replies arrive on `replyTopic`, its clients logging to
    /// `logger`; call ``start()`` before ``send(_:requestId:timeout:)``.
    public init(kafka: KafkaConfiguration, replyTopic: String, logger: Logger, decode: @escaping ReplyDecoder) throws {
        producer = try KafkaProducer(configuration: kafka.lowLatencyProducer, logger: logger)
        consumer = try KafkaConsumer(
            configuration: kafka.lowLatencyConsumer.merging([
                "group.id": "xsell-client-\(UUID().uuidString)", "enable.auto.commit": "false",
            ]),
            logger: logger)
        admin = try KafkaAdmin(configuration: kafka, logger: logger)
        self.replyTopic = replyTopic
        self.decode = decode
    }

    /// Positions the reply reader at the end of every reply partition and starts reading.
    public func start() async throws {
        guard let partitions = try await admin.listTopics()[replyTopic] else {
            throw KafkaError(code: .unknownTopicOrPartition, message: "reply topic \(replyTopic) does not exist")
        }
        var positions: [TopicPartitionOffset] = []
        for partition in 0..<Int32(partitions) {
            let end = try await consumer.highWatermark(TopicPartition(topic: replyTopic, partition: partition))
            positions.append(TopicPartitionOffset(topic: replyTopic, partition: partition, offset: .exact(end)))
        }
        try await consumer.assign(positions)
        let task = Task { [self] in await readReplies() }
        pump.withLock { $0 = task }
    }

    /// Sends `message` and returns the reply to `requestId`; throws `timedOut` when none arrives
    /// within `timeout`, or the delivery failure.
    public func send(_ message: OutgoingMessage, requestId: String, timeout: Duration) async throws -> Reply {
        let timer = Task { [self] in
            try await Task.sleep(for: timeout)
            fail(requestId, with: KafkaError(code: .timedOut, message: "no reply to \(requestId) within \(timeout)"))
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            waiting.withLock { $0[requestId] = continuation }
            do {
                try producer.send(message) { [self] result in
                    if case .failure(let error) = result { fail(requestId, with: error) }
                }
            } catch {
                fail(requestId, with: error)
            }
        }
    }

    /// Stops reading and closes the Kafka clients; pending requests fail.
    public func close() async throws {
        pump.withLock { $0?.cancel() }
        try await producer.close()
        try await consumer.close()
        let pending = waiting.withLock { dict in defer { dict = [:] }; return dict }
        for continuation in pending.values { continuation.resume(throwing: CancellationError()) }
    }

    private func readReplies() async {
        while !Task.isCancelled {
            guard let messages = try? await consumer.poll(maxMessages: 500, timeout: .milliseconds(100)) else {
                return
            }
            for message in messages {
                guard let (requestId, reply) = decode(message.value) else { continue }
                waiting.withLock { $0.removeValue(forKey: requestId) }?.resume(returning: reply)
            }
        }
    }

    private func fail(_ requestId: String, with error: any Error) {
        waiting.withLock { $0.removeValue(forKey: requestId) }?.resume(throwing: error)
    }
}
