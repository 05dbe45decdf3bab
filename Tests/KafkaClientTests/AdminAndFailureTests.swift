import KafkaClient
import Synchronization
import Testing
import XSellTestSupport

@Suite("admin and failures", .timeLimit(.minutes(2)))
struct AdminAndFailureTests {
    /// The mock cluster has no CreateTopics handler (and no controller), so there the topic is
    /// created through the mock API; on a real broker through ``KafkaAdmin``.
    @Test("creating a topic twice succeeds with the requested partitions", arguments: BrokerKind.available)
    func idempotentTopicCreation(kind: BrokerKind) async throws {
        let broker = try TestBroker(kind)
        let name = "admin-\(groupName())"
        try await broker.createTopic(named: name, partitions: 3)
        try await broker.createTopic(named: name, partitions: 3)
        #expect(try await KafkaAdmin(configuration: broker.base, logger: .test()).listTopics()[name] == 3)
    }

    @Test("a broker outage loses nothing")
    func brokerDownAndUp() async throws {
        let broker = try TestBroker(.mock)
        let embedded = try #require(broker.embedded)
        let topic = try await broker.createTopic("outage", partitions: 2)
        let producer = try broker.producer()
        let consumer = try broker.consumer(group: groupName())
        try await consumer.subscribe(topics: [topic])
        for index in 0..<10 { _ = try await producer.send(message(topic, index)) }
        var received = try await collect(consumer, count: 10)

        try embedded.setBrokerDown(1)
        let (reports, reported) = AsyncStream.makeStream(of: Result<DeliveryReport, KafkaError>.self)
        for index in 10..<20 {
            try producer.send(message(topic, index)) { reported.yield($0) }
        }
        // The consumer keeps polling through the outage without failing.
        received += try await consumer.poll(maxMessages: 100, timeout: .seconds(1))
        try embedded.setBrokerUp(1)

        var delivered = 0
        for await report in reports {
            _ = try report.get()
            delivered += 1
            if delivered == 10 { break }
        }
        received += try await collect(consumer, count: 20 - received.count)
        #expect(Set(received.map(\.value)) == Set((0..<20).map { Array("value-\($0)".utf8) }))
        #expect(received.count == 20)
        try await producer.close()
        try await consumer.close()
    }

    @Test("injected produce errors are retried transparently")
    func injectedErrors() async throws {
        let broker = try TestBroker(.mock)
        let topic = try await broker.createTopic("inject", partitions: 1)
        let producer = try broker.producer()
        try #require(broker.embedded).pushRequestErrors(
            apiKey: 0, errors: [.notLeaderForPartition, .notEnoughReplicas])
        let report = try await producer.send(message(topic, 0))
        #expect(report.offset == 0)
        try await producer.close()
    }
}

@Suite("configuration and errors")
struct ConfigurationTests {
    @Test func parsesAssignments() throws {
        var configuration = KafkaConfiguration(bootstrapServers: "b:9092")
        try configuration.set(assignment: "sasl.password=a=b")
        #expect(configuration["sasl.password"] == "a=b")
        #expect(throws: KafkaError.self) { try configuration.set(assignment: "novalue") }
        #expect(throws: KafkaError.self) { try configuration.set(assignment: "=x") }
        #expect(configuration.lowLatencyConsumer["fetch.wait.max.ms"] == "1")
        #expect(configuration.lowLatencyProducer["linger.ms"] == "0")
    }

    @Test func rejectsUnknownProperties() {
        #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(configuration: KafkaConfiguration(properties: ["no.such.property": "1"]), logger: .test())
        }
        #expect(throws: KafkaError.self) { _ = try KafkaConsumer(configuration: KafkaConfiguration(), logger: .test()) }
    }

    @Test func describesErrors() {
        let error = KafkaError(code: .queueFull, message: "full")
        #expect(error.isRetriable && !error.isFatal)
        #expect(error.description == "KafkaError -184 (_QUEUE_FULL): full")
        #expect(KafkaError.Code(rawValue: 36) == .topicAlreadyExists)
    }
}
