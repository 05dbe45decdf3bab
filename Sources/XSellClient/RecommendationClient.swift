import Foundation
import KafkaClient
import Synchronization
import XSellCore

/// A personalization client over Kafka: publishes `recommendation.requested.v1` and awaits the
/// reply on the reply topic, matched by `requestId`.
///
/// The reply reader assigns every partition of the reply topic at its high watermark, resolved
/// before ``start()`` returns, so no reply can arrive unseen; it does not join a group.
public final class RecommendationClient: Sendable {
    private let producer: KafkaProducer
    private let consumer: KafkaConsumer
    private let admin: KafkaAdmin
    private let replyTopic: String
    private let waiting = Mutex<[String: CheckedContinuation<RecommendationReply, any Error>]>([:])
    private let pump = Mutex<Task<Void, Never>?>(nil)

    /// A client on `kafka`; call ``start()`` before ``recommend(_:timeout:)``.
    public init(kafka: KafkaConfiguration, replyTopic: String = XSellTopic.returned.rawValue) throws {
        producer = try KafkaProducer(configuration: kafka.lowLatencyProducer)
        consumer = try KafkaConsumer(configuration: kafka.lowLatencyConsumer.merging([
            "group.id": "xsell-client-\(UUID().uuidString)", "enable.auto.commit": "false",
        ]))
        admin = try KafkaAdmin(configuration: kafka)
        self.replyTopic = replyTopic
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
        try consumer.assign(positions)
        let task = Task { [self] in await readReplies() }
        pump.withLock { $0 = task }
    }

    /// Sends `request` (keyed by its customer id) and returns its reply.
    public func recommend(_ request: RecommendationRequest, timeout: Duration = .seconds(30)) async throws
        -> RecommendationReply
    {
        var request = request
        request.replyTo = replyTopic
        let message = OutgoingMessage(
            topic: XSellTopic.requested.rawValue, key: Array(request.customerId.utf8),
            value: RequestCodec.encode(request))
        let requestId = request.requestId
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
                guard let reply = try? ResponseCodec.decode(value: message.value) else { continue }
                waiting.withLock { $0.removeValue(forKey: reply.requestId) }?.resume(returning: reply)
            }
        }
    }

    private func fail(_ requestId: String, with error: any Error) {
        waiting.withLock { $0.removeValue(forKey: requestId) }?.resume(throwing: error)
    }
}
