import KafkaClient
import Testing
import XSellTestSupport

@Suite("consumer groups", .timeLimit(.minutes(2)))
struct GroupTests {
    @Test("a new member resumes after the last commit", arguments: BrokerKind.available)
    func resumeAfterCommit(kind: BrokerKind) async throws {
        let broker = try TestBroker(kind)
        let topic = try await broker.createTopic("commit", partitions: 1)
        let producer = try broker.producer()
        for index in 0..<10 { _ = try await producer.send(message(topic, index)) }
        try await producer.close()
        let group = groupName()

        let first = try broker.consumer(group: group, ["enable.auto.commit": "false"])
        try await first.subscribe(topics: [topic])
        let processed = try await collect(first, count: 4)
        #expect(processed.map(\.offset) == Array(0..<4))
        for received in processed { try first.storeOffset(for: received) }
        try await first.commit()
        try await first.close()

        let second = try broker.consumer(group: group)
        try await second.subscribe(topics: [topic])
        let rest = try await collect(second, count: 6)
        #expect(rest.map(\.offset) == Array(4..<10))
        #expect(rest.map(\.value) == (4..<10).map { Array("value-\($0)".utf8) })
        try await second.close()
    }

    /// A static member's LeaveGroup is sent only if its revoke is done before close() (KIP-345:
    /// none on termination); without the polling in leaveGroup() the member id is still set here.
    @Test("a static member that leaves the group has issued its LeaveGroup before it closes", arguments: BrokerKind.available)
    func staticMemberLeaves(kind: BrokerKind) async throws {
        let broker = try TestBroker(kind)
        let topic = try await broker.createTopic("leave", partitions: 2)
        let group = groupName()
        let member = try broker.consumer(group: group, ["group.instance.id": "\(group)-static"])
        try await member.subscribe(topics: [topic])
        #expect(try await pollUntil([member]) { !member.assignment.isEmpty }.isEmpty)
        #expect(try member.memberId != nil)
        try await member.leaveGroup()
        #expect(try member.memberId == nil, "the leave was not issued before close()")
        #expect(member.assignment.isEmpty)
        try await member.close()
    }

    @Test("two members split the partitions", arguments: BrokerKind.available)
    func twoMembersSplit(kind: BrokerKind) async throws {
        let broker = try TestBroker(kind)
        let topic = try await broker.createTopic("split", partitions: 4)
        let group = groupName()
        let members = [try broker.consumer(group: group), try broker.consumer(group: group)]
        for member in members { try await member.subscribe(topics: [topic]) }
        let all = Set((0..<4).map { TopicPartition(topic: topic, partition: $0) })
        let balanced = {
            let (a, b) = (members[0].assignment, members[1].assignment)
            return !a.isEmpty && !b.isEmpty && a.isDisjoint(with: b) && a.union(b) == all
        }
        #expect(try await pollUntil(members, balanced).isEmpty)
        #expect(balanced())

        let producer = try broker.producer()
        for index in 0..<40 { _ = try await producer.send(message(topic, index, partition: Int32(index % 4))) }
        try await producer.close()

        var received: [[KafkaMessage]] = [[], []]
        let deadline = ContinuousClock.now + .seconds(30)
        while received.joined().count < 40, ContinuousClock.now < deadline {
            for (index, member) in members.enumerated() {
                received[index] += try await member.poll(maxMessages: 100, timeout: .milliseconds(100))
            }
        }
        #expect(Set(received.joined().map { "\($0.partition)/\($0.offset)" }).count == 40)
        for (index, member) in members.enumerated() {
            #expect(!received[index].isEmpty)
            #expect(Set(received[index].map(\.topicPartition)).isSubset(of: member.assignment))
        }
        for member in members { try await member.close() }
    }

    @Test("rebalance events report assignment and revocation", arguments: BrokerKind.available)
    func rebalanceEvents(kind: BrokerKind) async throws {
        let broker = try TestBroker(kind)
        let topic = try await broker.createTopic("rebalance", partitions: 2)
        let consumer = try broker.consumer(group: groupName())
        try await consumer.subscribe(topics: [topic])
        _ = try await pollUntil([consumer]) { !consumer.assignment.isEmpty }
        try await consumer.close()
        var events: [RebalanceEvent] = []
        for await event in consumer.rebalanceEvents { events.append(event) }
        let partitions = (0..<2).map { TopicPartition(topic: topic, partition: $0) }
        #expect(events == [.assigned(partitions), .revoked(partitions, lost: false)])
        #expect(consumer.assignment.isEmpty)
    }
}
