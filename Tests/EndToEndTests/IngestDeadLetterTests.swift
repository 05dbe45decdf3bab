import EventLog
import Foundation
import KafkaClient
import Testing
import XSellCore
import XSellTestSupport

/// guide §2: bad input never stops ingest and is never silently dropped; every consumed offset
/// ends up in exactly one place, the log or the dead-letter topic, and is committed.
@Suite("Ingest end to end: dead-letter routing", .timeLimit(.minutes(4)))
struct IngestDeadLetterTests {
    /// One bad message and the error code it must be dead-lettered with.
    struct BadInput {
        var topic: XSellTopic
        var value: String
        var code: RejectionCode
    }

    static func badInputs(_ label: String) -> [BadInput] {
        let interaction = IngestFixtures.interaction(id: "\(label)-bad", customer: "c")
        let profile = IngestFixtures.profile(id: "\(label)-bad-profile", customer: "c")
        func replacing(_ text: String, _ old: String, _ new: String) -> String {
            precondition(text.contains(old))
            return text.replacingOccurrences(of: old, with: new)
        }
        return [
            BadInput(topic: .interaction, value: "{not json", code: .invalidJSON),
            BadInput(topic: .interaction, value: "[1,2,3]", code: .notAnObject),
            BadInput(topic: .interaction, value: replacing(interaction, "\"offerId\":\"high-yield-savings\",", ""),
                     code: .missingField),
            BadInput(topic: .interaction, value: replacing(interaction, "\"offerId\":\"high-yield-savings\"", "\"offerId\":42"),
                     code: .wrongType),
            BadInput(topic: .interaction, value: replacing(interaction, "\"outcome\":\"click\"", "\"outcome\":\"purchased\""),
                     code: .unknownOutcome),
            BadInput(topic: .interaction, value: replacing(interaction, "2024-06-01T10:00:00Z", "yesterday"),
                     code: .invalidTimestamp),
            BadInput(topic: .profile, value: replacing(profile, "\"tier\":\"standard\"", "\"favouriteColour\":\"red\""),
                     code: .unknownAttribute),
            BadInput(topic: .profile, value: replacing(profile, "\"tenureMonths\":12", "\"tenureMonths\":\"twelve\""),
                     code: .attributeType),
            BadInput(topic: .decision,
                     value: replacing(IngestFixtures.decision(id: "\(label)-bad-decision", customer: "c"),
                                      "\"arm\":\"treatment\"", "\"arm\":\"maybe\""),
                     code: .invalidValue),
            // A poisoned clock: far more than the allowed skew (1 day) ahead of ingest's clock.
            BadInput(topic: .interaction, value: replacing(interaction, "2024-06-01T10:00:00Z", "9999-12-31T00:00:00Z"),
                     code: .futureTimestamp),
            BadInput(topic: .profile, value: replacing(profile, "\"customerId\":\"c\"",
                                                       "\"customerId\":\"\(String(repeating: "c", count: 600))\""),
                     code: .invalidValue),
            // Over the 1 MiB limit of EventCodec.defaultMaxBytes (the broker accepts it).
            BadInput(topic: .interaction,
                     value: replacing(interaction, "\"channel\"",
                                      "\"padding\":\"\(String(repeating: "x", count: 1_100_000))\",\"channel\""),
                     code: .tooLarge),
        ]
    }

    @Test(
        "valid events reach the log, each bad message one dead letter with its code and coordinates, all offsets committed",
        arguments: BrokerKind.available)
    func deadLetterRouting(kind: BrokerKind) async throws {
        try await IngestTestContext.run(kind, "ingest-dlq") { context in
            let label = context.label
            var valid: [(topic: XSellTopic, id: String)] = []
            for index in 0..<45 {
                let topic = IngestFixtures.eventTopics[index % 3]
                valid.append((topic, "\(label)-ok-\(index)"))
            }
            let bad = Self.badInputs(label)
            // Interleave: bad messages sit between valid ones on the same partitions.
            var messages: [OutgoingMessage] = []
            var badIndexes: [Int] = []
            for (index, event) in valid.enumerated() {
                let customer = "\(label)-cust-\(index % 7)"
                messages.append(IngestFixtures.message(
                    event.topic, key: customer, value: IngestFixtures.valid(event.topic, id: event.id, customer: customer)))
                if index % 3 == 2, index / 3 < bad.count {
                    let input = bad[index / 3]
                    badIndexes.append(messages.count)
                    messages.append(IngestFixtures.message(input.topic, key: customer, value: input.value))
                }
            }
            #expect(badIndexes.count == bad.count)
            let producer = try context.broker.producer()
            let reports = try await producer.publish(messages)
            // A valid event per partition after everything else: once they are all in the log,
            // every message before them has been routed.
            let markers = try await publishPartitionMarkers(producer, label: "\(label)-end")
            try await producer.close()

            let ingest = try context.startIngest()
            let expectedCount = UInt64(valid.count + markers.count)
            try await eventually("\(expectedCount) records in the log") {
                LogFiles.count(ingest.logDirectory) >= expectedCount
            }
            let exit = try await ingest.stop()
            #expect(exit == ChildProcess.Exit(status: 0, bySignal: false), "graceful stop: \(ingest.child.outputTail())")

            // The log holds exactly the valid events (and the markers), each once.
            let records = try LogFiles.records(ingest.logDirectory)
            #expect(records.map(\.eventId).sorted() == (valid.map(\.id) + markers).sorted())
            for record in records {
                let event = try DomainEvent(binary: record.payload)
                #expect(event.eventId == record.eventId)
            }

            // One dead letter per bad message, with its code, coordinates, key and bytes.
            let deadLetters = try await context.broker.deadLetters(label: label)
            #expect(deadLetters.count == bad.count)
            let byCoordinates = Dictionary(grouping: deadLetters) {
                Coordinates(topic: $0.sourceTopic, partition: $0.partition, offset: $0.offset)
            }
            for (input, index) in zip(bad, badIndexes) {
                let coordinates = Coordinates(reports[index])
                let letters = byCoordinates[coordinates] ?? []
                #expect(letters.count == 1, "dead letters for \(input.code) at \(coordinates)")
                guard let letter = letters.first else { continue }
                #expect(letter.errorCode == input.code.rawValue, "\(letter.errorMessage)")
                #expect(letter.sourceTopic == input.topic.rawValue)
                #expect(letter.key == String(decoding: messages[index].key ?? [], as: UTF8.self))
                #expect(!letter.errorMessage.isEmpty)
                let payload = DeadLetterCodec.payload(of: letter) ?? []
                #expect(Array(input.value.utf8).starts(with: payload) && !payload.isEmpty, "payload of \(input.code)")
                if input.code == .tooLarge {  // cut so that the dead letter itself can be produced
                    #expect(payload.count == 512 * 1024 && letter.errorMessage.contains("cut"), "\(letter.errorMessage)")
                } else {
                    #expect(payload == Array(input.value.utf8), "payload of \(input.code)")
                }
            }

            // The group committed past every message: reading from its committed offsets
            // finds nothing before fresh sentinels.
            let uncommitted = try await context.broker.readToSentinels(
                topics: IngestFixtures.eventTopics, group: IngestProcess.group, start: .stored, label: "\(label)-committed")
            #expect(uncommitted.messages.map { Coordinates($0) } == [])
        }
    }
}

/// Publishes one valid event to every partition of every event topic; returns their ids.
func publishPartitionMarkers(_ producer: KafkaProducer, label: String) async throws -> [String] {
    var messages: [OutgoingMessage] = []
    var ids: [String] = []
    for topic in IngestFixtures.eventTopics {
        for partition in 0..<Int32(IngestBroker.partitions) {
            let id = "marker-\(label)-\(topic.rawValue)-\(partition)"
            ids.append(id)
            messages.append(IngestFixtures.message(
                topic, key: "marker-\(label)", value: IngestFixtures.valid(topic, id: id, customer: "marker-\(label)"),
                partition: partition))
        }
    }
    _ = try await producer.publish(messages)
    return ids
}
