import EventLog
import Foundation
import KafkaClient
import Testing
import XSellCore
import XSellTestSupport

/// DESIGN property 1: a graceful restart neither loses nor duplicates, and a producer that
/// retries (the same event id at a new offset) leaves one record.
@Suite("Ingest end to end: restart and de-duplication", .timeLimit(.minutes(4)))
struct IngestRestartTests {
    @Test("stop, publish more, start again: every event exactly once, retried event ids once", arguments: BrokerKind.available)
    func restartAndDeduplicate(kind: BrokerKind) async throws {
        try await IngestTestContext.run(kind, "ingest-restart") { context in
            let label = context.label
            let producer = try context.broker.producer()

            func batch(_ name: String, count: Int) -> [(message: OutgoingMessage, id: String)] {
                (0..<count).map { index in
                    let topic = IngestFixtures.eventTopics[index % 3]
                    let id = "\(label)-\(name)-\(index)"
                    let customer = "\(label)-cust-\(index % 11)"
                    return (IngestFixtures.message(
                        topic, key: customer, value: IngestFixtures.valid(topic, id: id, customer: customer)), id)
                }
            }

            // Run 1: a batch in which one event is published twice (a retrying producer).
            let first = batch("first", count: 150)
            let firstReports = try await producer.publish(first.map(\.message) + [first[7].message])
            #expect(Set(firstReports.map { Coordinates($0) }).count == first.count + 1, "the retry has its own offset")
            let firstMarkers = try await publishPartitionMarkers(producer, label: "\(label)-1")
            let ingest1 = try context.startIngest()
            let afterFirst = UInt64(first.count + firstMarkers.count)
            try await eventually("\(afterFirst) records after run 1") { LogFiles.count(ingest1.logDirectory) >= afterFirst }
            #expect(try await ingest1.stop() == ChildProcess.Exit(status: 0, bySignal: false))
            let logAfterFirst = try LogFiles.records(ingest1.logDirectory)
            #expect(logAfterFirst.map(\.eventId).sorted() == (first.map(\.id) + firstMarkers).sorted())

            // The graceful stop committed everything it consumed.
            let committed = try await context.broker.readToSentinels(
                topics: IngestFixtures.eventTopics, group: IngestProcess.group, start: .stored, label: "\(label)-committed")
            #expect(committed.messages.map { Coordinates($0) } == [])

            // While stopped: more events, plus retries of run-1 events and a duplicate within the batch.
            let second = batch("second", count: 150)
            _ = try await producer.publish(
                second.map(\.message) + [first[3].message, first[7].message, second[42].message])
            let secondMarkers = try await publishPartitionMarkers(producer, label: "\(label)-2")
            try await producer.close()

            let ingest2 = try context.startIngest()
            let expected = first.map(\.id) + firstMarkers + committed.sentinelEventIDs + second.map(\.id) + secondMarkers
            try await eventually("\(expected.count) records after run 2") {
                LogFiles.count(ingest2.logDirectory) >= UInt64(expected.count)
            }
            #expect(try await ingest2.stop() == ChildProcess.Exit(status: 0, bySignal: false))

            let records = try LogFiles.records(ingest2.logDirectory)
            #expect(records.count == expected.count)
            #expect(records.map(\.eventId).sorted() == expected.sorted(), "every event exactly once")
            for id in [first[3].id, first[7].id, second[42].id] {
                #expect(records.filter { $0.eventId == id }.count == 1, "\(id) published twice, logged once")
            }
            // Append-only: run 2 left run 1's records where they were.
            #expect(Array(records.prefix(logAfterFirst.count)) == logAfterFirst)
            // Every record carries distinct source coordinates.
            let coordinates = records.map { Coordinates(topic: $0.topic, partition: $0.partition, offset: $0.offset) }
            #expect(Set(coordinates).count == records.count)
        }
    }
}
