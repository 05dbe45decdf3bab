import EventLog
import Foundation
import KafkaClient
import Testing
import XSellCore
import XSellTestSupport

/// Issue 10 item 4: a second member joins the ingest group mid-stream, takes partitions away
/// from the running ingest, reads from them without committing, and leaves again while events
/// keep arriving. The ingest process keeps running through both rebalances (offsets it can no
/// longer store are logged, not fatal), and its log ends with every event exactly once.
@Suite("Ingest end to end: a member joins and leaves mid-stream", .timeLimit(.minutes(4)))
struct IngestRebalanceTests {
    @Test("a second member joins and leaves: ingest keeps running, every event exactly once", arguments: BrokerKind.available)
    func memberJoinsAndLeaves(kind: BrokerKind) async throws {
        try await IngestTestContext.run(kind, "ingest-rebalance") { context in
            let label = context.label
            let producer = try context.broker.producer()
            var published: [String] = []
            func publish(_ name: String, count: Int) async throws {
                let messages = (0..<count).map { index in
                    let topic = IngestFixtures.eventTopics[index % 3]
                    let id = "\(label)-\(name)-\(index)"
                    let customer = "\(label)-cust-\(index % 13)"
                    published.append(id)
                    return IngestFixtures.message(topic, key: customer, value: IngestFixtures.valid(topic, id: id, customer: customer))
                }
                _ = try await producer.publish(messages)
            }

            try await publish("before", count: 120)
            let ingest = try context.startIngest()
            try await eventually("120 records before the join") { LogFiles.count(ingest.logDirectory) >= 120 }

            // The second member: it consumes what it is assigned and commits nothing, so what it
            // read while it held partitions is read again by ingest once they come back.
            let intruder = try KafkaConsumer(configuration: context.broker.base.merging(IngestBroker.ingestProperties).merging([
                "group.id": IngestProcess.group, "enable.auto.commit": "false", "fetch.wait.max.ms": "5",
            ]), logger: .test())
            try await intruder.subscribe(topics: IngestFixtures.eventTopics.map(\.rawValue))
            var intruderRead = 0
            var publishedDuring = false
            let deadline = ContinuousClock.now + .seconds(60)
            while intruderRead == 0 {  // each poll waits up to 200 ms for a message
                guard ContinuousClock.now < deadline else { throw TestFailure("the second member read nothing in 60 s") }
                intruderRead += try await intruder.poll(maxMessages: 100, timeout: .milliseconds(200)).count
                if !publishedDuring && !intruder.assignment.isEmpty {  // the join's rebalance is done
                    try await publish("during", count: 240)
                    publishedDuring = true
                }
            }
            try await intruder.close()  // leaves the group: a second rebalance
            try await publish("after", count: 120)

            try await eventually("\(published.count) records after the leave") {
                LogFiles.count(ingest.logDirectory) >= UInt64(published.count)
            }
            #expect(!ingest.child.hasEnded, "ingest kept running through both rebalances")
            #expect(try await ingest.stop() == ChildProcess.Exit(status: 0, bySignal: false))

            let records = try LogFiles.records(ingest.logDirectory)
            #expect(records.map(\.eventId).sorted() == published.sorted(), "every event exactly once")
            #expect(intruderRead > 0, "the second member did take partitions and read from them")
        }
    }
}
