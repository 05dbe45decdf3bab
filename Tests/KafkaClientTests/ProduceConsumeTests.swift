import KafkaClient
import Synchronization
import Testing
import XSellTestSupport

@Suite("produce and consume", .timeLimit(.minutes(2)))
struct ProduceConsumeTests {
    @Test("keys, values and headers arrive unchanged", arguments: BrokerKind.available)
    func roundTrip(kind: BrokerKind) async throws {
        let broker = try TestBroker(kind)
        let topic = try await broker.createTopic("roundtrip", partitions: 3)
        let producer = try broker.producer()
        var sent: [OutgoingMessage] = []
        var reports: [DeliveryReport] = []
        for index in 0..<30 {
            sent.append(message(topic, index))
            reports.append(try await producer.send(sent[index]))
        }
        try await producer.close()
        let partitionOfKey = Dictionary(zip(sent.map(\.key), reports.map(\.partition)), uniquingKeysWith: { first, other in
            #expect(first == other, "one key, one partition")
            return first
        })
        #expect(partitionOfKey.count == 7)

        let consumer = try broker.consumer(group: groupName())
        try await consumer.subscribe(topics: [topic])
        let received = try await collect(consumer, count: sent.count)
        try await consumer.close()

        #expect(received.count == sent.count)
        let byValue = Dictionary(uniqueKeysWithValues: received.map { ($0.value, $0) })
        for (outgoing, report) in zip(sent, reports) {
            let incoming = try #require(byValue[outgoing.value])
            #expect(incoming.key == outgoing.key)
            #expect(incoming.headers == outgoing.headers)
            #expect(incoming.topicPartition == TopicPartition(topic: topic, partition: report.partition))
            #expect(incoming.offset == report.offset)
            #expect(incoming.timestamp != nil)
        }
    }

    @Test("close flushes: every send gets its delivery report", arguments: BrokerKind.available)
    func cleanShutdown(kind: BrokerKind) async throws {
        let broker = try TestBroker(kind)
        let topic = try await broker.createTopic("shutdown", partitions: 2)
        let producer = try broker.producer()
        let outcomes = Mutex((succeeded: 0, failed: 0))
        let count = 2_000
        for index in 0..<count {
            try producer.send(message(topic, index)) { result in
                outcomes.withLock { if case .success = result { $0.succeeded += 1 } else { $0.failed += 1 } }
            }
        }
        try await producer.close()
        #expect(producer.outstandingDeliveries == 0)
        #expect(outcomes.withLock { $0 } == (succeeded: count, failed: 0))
        await #expect(throws: KafkaError.self) { try await producer.send(message(topic, 0)) }
    }

    @Test("pause stops delivery, resume continues where it stopped", arguments: BrokerKind.available)
    func pauseAndResume(kind: BrokerKind) async throws {
        let broker = try TestBroker(kind)
        let topic = try await broker.createTopic("pause", partitions: 1)
        let partition = TopicPartition(topic: topic, partition: 0)
        let producer = try broker.producer()
        for index in 0..<5 { _ = try await producer.send(message(topic, index)) }

        let consumer = try broker.consumer(group: groupName())
        try await consumer.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: .beginning)])
        #expect(consumer.assignment == [partition])
        #expect(try await collect(consumer, count: 5).map(\.offset) == Array(0..<5))

        try consumer.pause([partition])
        for index in 5..<10 { _ = try await producer.send(message(topic, index)) }
        #expect(try await consumer.poll(maxMessages: 10, timeout: .seconds(2)).isEmpty)

        try consumer.resume([partition])
        #expect(try await collect(consumer, count: 5).map(\.offset) == Array(5..<10))
        try await consumer.close()
        try await producer.close()
    }

    @Test("the message sequence yields in order and ends on close", arguments: BrokerKind.available)
    func messageSequence(kind: BrokerKind) async throws {
        let broker = try TestBroker(kind)
        let topic = try await broker.createTopic("sequence", partitions: 1)
        let producer = try broker.producer()
        for index in 0..<10 { _ = try await producer.send(message(topic, index)) }
        try await producer.close()
        let consumer = try broker.consumer(group: groupName())
        try await consumer.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: .exact(3))])
        var offsets: [Int64] = []
        for try await received in consumer.messages(batchSize: 4) {
            offsets.append(received.offset)
            if offsets.count == 7 { try await consumer.close() }
        }
        #expect(offsets == Array(3..<10))
    }
}
