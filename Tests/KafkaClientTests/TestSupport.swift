import Foundation
import KafkaClient
import Testing
import XSellTestSupport

/// A broker for one test: a private mock cluster, or the shared tansu with fresh topic names.
final class TestBroker: Sendable {
    let kind: BrokerKind
    let bootstrapServers: String
    let embedded: EmbeddedBroker?

    init(_ kind: BrokerKind, brokerCount: Int = 1) throws {
        self.kind = kind
        switch kind {
        case .mock:
            let embedded = try EmbeddedBroker(brokerCount: brokerCount)
            self.embedded = embedded
            bootstrapServers = embedded.bootstrapServers
        case .tansu:
            embedded = nil
            bootstrapServers = try #require(BrokerKind.tansuBootstrap)
        }
    }

    deinit { embedded?.shutdown() }

    /// Creates a topic with a fresh name and returns the name.
    func createTopic(_ prefix: String, partitions: Int) async throws -> String {
        let name = "\(prefix)-\(UUID().uuidString.prefix(8))"
        try await createTopic(named: name, partitions: partitions)
        return name
    }

    /// Creates `name`: through the mock API on the mock cluster, else through ``KafkaAdmin``.
    func createTopic(named name: String, partitions: Int) async throws {
        if let embedded {
            try embedded.createTopic(name, partitions: partitions)
        } else {
            try await KafkaAdmin(configuration: base, logger: .test()).createTopics([NewTopic(name: name, partitions: partitions)])
        }
    }

    var base: KafkaConfiguration { KafkaConfiguration(bootstrapServers: bootstrapServers) }

    func producer() throws -> KafkaProducer {
        try KafkaProducer(configuration: base.merging(["linger.ms": "1"]), logger: .test())
    }

    /// A consumer tuned for quick group joins (tansu needs the short session timeout). The poll
    /// interval is long: this process runs every suite at once on a 2-thread cooperative pool, a
    /// test's poll can wait seconds for a thread, and 7 s made members leave their group
    /// mid-test (`revoked(lost: true)`) in the full run.
    func consumer(group: String, _ extra: [String: String] = [:]) throws -> KafkaConsumer {
        try KafkaConsumer(configuration: base.merging([
            "group.id": group,
            "session.timeout.ms": "6000",
            "heartbeat.interval.ms": "500",
            "max.poll.interval.ms": "60000",
            "fetch.wait.max.ms": "5",
        ].merging(extra) { _, new in new }), logger: .test())
    }
}

/// Polls until `count` messages arrived or `timeout` passed; returns what arrived.
func collect(_ consumer: KafkaConsumer, count: Int, timeout: Duration = .seconds(30)) async throws -> [KafkaMessage] {
    var messages: [KafkaMessage] = []
    let deadline = ContinuousClock.now + timeout
    while messages.count < count, ContinuousClock.now < deadline {
        messages += try await consumer.poll(maxMessages: count - messages.count, timeout: .milliseconds(200))
    }
    return messages
}

/// Polls (which drives rebalances) until `done` holds or `timeout` passed.
func pollUntil(
    _ consumers: [KafkaConsumer], timeout: Duration = .seconds(40), _ done: () -> Bool
) async throws -> [KafkaMessage] {
    var messages: [KafkaMessage] = []
    let deadline = ContinuousClock.now + timeout
    while !done(), ContinuousClock.now < deadline {
        for consumer in consumers {
            messages += try await consumer.poll(maxMessages: 100, timeout: .milliseconds(100))
        }
    }
    return messages
}

func message(_ topic: String, _ index: Int, partition: Int32? = nil) -> OutgoingMessage {
    OutgoingMessage(
        topic: topic, partition: partition, key: Array("key-\(index % 7)".utf8), value: Array("value-\(index)".utf8),
        headers: [KafkaHeader("index", Array("\(index)".utf8)), KafkaHeader("empty", [])]
    )
}

func groupName() -> String { "group-\(UUID().uuidString.prefix(8))" }
