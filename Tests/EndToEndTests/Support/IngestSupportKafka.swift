import Foundation
import KafkaClient
import XSellCore

/// Valid event values for the three ingested topics, with unique ids chosen by the test.
enum IngestFixtures {
    static let eventTopics: [XSellTopic] = [.profile, .decision, .interaction]

    static func interaction(id: String, customer: String, outcome: String = "click") -> String {
        """
        {"eventId":"\(id)","occurredAt":"2024-06-01T10:00:00Z","customerId":"\(customer)",\
        "offerId":"high-yield-savings","channel":"email","outcome":"\(outcome)"}
        """
    }

    static func profile(id: String, customer: String) -> String {
        """
        {"eventId":"\(id)","customerId":"\(customer)","occurredAt":"2024-06-01T09:00:00Z",\
        "attributes":{"customer_id":"\(customer)","tier":"standard","tenureMonths":12}}
        """
    }

    static func decision(id: String, customer: String) -> String {
        """
        {"eventId":"\(id)","occurredAt":"2024-06-01T09:30:00Z","customerId":"\(customer)",\
        "recommendationId":"rec-\(id)","interactionId":"int-\(id)","decisionFlowKey":"cross-sell",\
        "decisionFlowVersion":2,"channel":"email","arm":"treatment","candidates":["high-yield-savings"],\
        "decisions":[{"offerId":"high-yield-savings","rank":1}]}
        """
    }

    static func valid(_ topic: XSellTopic, id: String, customer: String) -> String {
        switch topic {
        case .profile: profile(id: id, customer: customer)
        case .decision: decision(id: id, customer: customer)
        default: interaction(id: id, customer: customer)
        }
    }

    /// A keyed message on `topic` (keys are customer ids, as in guide §2).
    static func message(_ topic: XSellTopic, key: String, value: String, partition: Int32? = nil) -> OutgoingMessage {
        OutgoingMessage(topic: topic.rawValue, partition: partition, key: Array(key.utf8), value: Array(value.utf8))
    }
}

extension KafkaProducer {
    /// Sends `messages` concurrently and returns their delivery reports, in the same order.
    func publish(_ messages: [OutgoingMessage]) async throws -> [DeliveryReport] {
        try await withThrowingTaskGroup(of: (Int, DeliveryReport).self) { group in
            for (index, message) in messages.enumerated() {
                group.addTask { (index, try await self.send(message)) }
            }
            var reports = [DeliveryReport?](repeating: nil, count: messages.count)
            for try await (index, report) in group { reports[index] = report }
            return reports.map { $0! }
        }
    }
}

/// Where a delivered message sits.
struct Coordinates: Hashable, Sendable, CustomStringConvertible {
    var topic: String
    var partition: Int32
    var offset: Int64

    init(_ report: DeliveryReport) { (topic, partition, offset) = (report.topic, report.partition, report.offset) }
    init(_ message: KafkaMessage) { (topic, partition, offset) = (message.topic, message.partition, message.offset) }
    init(topic: String, partition: Int32, offset: Int64) { (self.topic, self.partition, self.offset) = (topic, partition, offset) }

    var description: String { "\(topic)[\(partition)]@\(offset)" }
}

/// Reading whole partitions up to a known end, without guessing when nothing more will come:
/// first a sentinel is produced to every partition, then the partitions are read from `start`
/// until each one's sentinel arrived. What came before the sentinels is returned.
///
/// With `start: .stored` and the ingest group, the result is what that group has *not*
/// committed (librdkafka fetches the committed offsets; with none it starts at the beginning).
struct SentinelRead: Sendable {
    /// The messages before the sentinels.
    var messages: [KafkaMessage]
    /// The event ids of the sentinels (valid events when the topics are event topics).
    var sentinelEventIDs: [String]
}

extension IngestBroker {
    func readToSentinels(
        topics: [XSellTopic], group: String, start: KafkaOffset, label: String, timeout: Duration = .seconds(60)
    ) async throws -> SentinelRead {
        let producer = try producer()
        var sentinels: [OutgoingMessage] = []
        var ids: [String] = []
        for topic in topics {
            for partition in 0..<Int32(Self.partitions) {
                let id = "sentinel-\(label)-\(topic.rawValue)-\(partition)"
                ids.append(id)
                sentinels.append(IngestFixtures.message(
                    topic, key: "sentinel-\(label)", value: IngestFixtures.valid(topic, id: id, customer: "sentinel-\(label)"),
                    partition: partition))
            }
        }
        let reports = try await producer.publish(sentinels)
        try await producer.close()
        var pending = Dictionary(uniqueKeysWithValues: reports.map {
            (TopicPartition(topic: $0.topic, partition: $0.partition), $0.offset)
        })
        let consumer = try reader(group: group)
        try await consumer.assign(pending.keys.map { TopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: start) })
        var before: [KafkaMessage] = []
        let deadline = ContinuousClock.now + timeout
        while !pending.isEmpty {
            guard ContinuousClock.now < deadline else {
                throw TestFailure("sentinels of \(pending.keys.sorted()) did not arrive within \(timeout)")
            }
            for message in try await consumer.poll(maxMessages: 5_000, timeout: .milliseconds(200)) {
                guard let sentinel = pending[message.topicPartition] else { continue }
                if message.offset < sentinel {
                    before.append(message)
                } else if message.offset == sentinel {
                    pending[message.topicPartition] = nil
                }
            }
        }
        try await consumer.close()
        return SentinelRead(messages: before, sentinelEventIDs: ids)
    }

    /// Every record on the dead-letter topic so far, decoded.
    func deadLetters(label: String) async throws -> [DeadLetterRecord] {
        let read = try await readToSentinels(
            topics: [.deadLetter], group: "dead-letter-reader-\(label)", start: .beginning, label: label)
        return try read.messages.map { message in
            do { return try DeadLetterCodec.decode(value: message.value) } catch {
                throw TestFailure("undecodable dead letter at \(Coordinates(message)): \(error)")
            }
        }
    }
}
