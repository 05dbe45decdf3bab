import ArgumentParser
import EventLog
import Foundation
import KafkaClient
import XSellCore

/// `xsell publish TOPIC FILE.jsonl`: the tutorial's curl calls, as Kafka messages.
struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a JSONL file of events or requests to a topic, keyed by customerId."
    )

    @OptionGroup var common: CommonOptions
    @Argument(help: "Topic to publish to.") var topic: String
    @Argument(help: "File with one JSON object per line.") var file: String
    @Flag(help: "Wait until every published event is in the event log under --data-dir (same machine).")
    var awaitIngest = false

    func run() async throws {
        let lines = try Self.lines(of: file)
        let logger = CommandSetup.logger("xsell.publish")
        let (kafka, _) = try await CommandSetup.reach(common, required: [topic], logger: logger)
        // A message not delivered within --timeout fails the command instead of retrying for 5 minutes.
        let producer = try KafkaProducer(configuration: kafka.merging([
            "message.timeout.ms": String(Int64(common.timeout * 1_000)),
        ]), logger: logger)
        var eventIds: Set<String> = []
        var reports: [DeliveryReport] = []
        for (number, line) in lines {
            let object: JSONValue
            do {
                object = try JSONValue.parse(Array(line.utf8))
            } catch {
                throw ValidationError("\(file):\(number): not JSON: \(error)")
            }
            guard case .object(let fields) = object, let customerId = fields["customerId"]?.stringValue else {
                throw ValidationError("\(file):\(number): expected an object with a string customerId (the key)")
            }
            if let eventId = fields["eventId"]?.stringValue { eventIds.insert(eventId) }
            reports.append(try await producer.send(OutgoingMessage(
                topic: topic, key: Array(customerId.utf8), value: Array(line.utf8))))
        }
        try await producer.close()
        print("published \(reports.count) messages to \(topic)")
        if awaitIngest { try await Self.awaitInLog(eventIds, directory: CommandSetup.logDirectory(common)) }
    }

    /// Non-empty lines with their 1-based line numbers.
    static func lines(of path: String) throws -> [(Int, Substring)] {
        guard let text = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) else {
            throw ValidationError("\(path): cannot read file")
        }
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .filter { !$0.element.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { ($0.offset + 1, $0.element) }
    }

    /// Follows the log until every id in `eventIds` has been appended.
    static func awaitInLog(_ eventIds: Set<String>, directory: String) async throws {
        var missing = eventIds
        let reader = EventLogReader(directory: directory)
        var position: UInt64 = 0
        while !missing.isEmpty {
            let batch = try reader.read(from: position, limit: 10_000)
            for record in batch { missing.remove(record.eventId) }
            if let last = batch.last { position = last.position + 1 } else {
                try await reader.waitForMore(from: position)
            }
        }
        print("all \(eventIds.count) events are in the log")
    }
}
