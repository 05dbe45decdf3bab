import ArgumentParser
import EventLog
import Foundation
import XSellCore

/// `xsell log …`.
struct Log: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Check and print the event log.",
        subcommands: [Verify.self, Dump.self]
    )

    /// `xsell log verify`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every record of the log (CRC and payload); non-zero exit on corruption.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let directory = Runtime.logDirectory(common)
            let reader = EventLogReader(directory: directory)
            var position: UInt64 = 0
            var undecodable = 0
            while true {
                let batch = try reader.read(from: position, limit: 10_000)
                guard let last = batch.last else { break }
                for record in batch where (try? DomainEvent(binary: record.payload)) == nil {
                    undecodable += 1
                    print("record \(record.position): payload does not decode")
                }
                position = last.position + 1
            }
            let segments = (try? FileManager.default.contentsOfDirectory(atPath: directory))?
                .filter { $0.hasSuffix(".log") }.count ?? 0
            print("\(directory): \(position) records in \(segments) segments, \(undecodable) undecodable")
            if undecodable > 0 { throw ExitCode(1) }
        }
    }

    /// `xsell log dump`.
    struct Dump: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print log records as JSON lines.")
        @OptionGroup var common: CommonOptions
        @Option(help: "First log position to print.") var from: UInt64 = 0
        @Option(help: "Most records to print.") var limit: Int?

        func run() async throws {
            let reader = EventLogReader(directory: Runtime.logDirectory(common))
            var position = from
            var remaining = limit ?? Int.max
            while remaining > 0 {
                let batch = try reader.read(from: position, limit: min(remaining, 10_000))
                guard let last = batch.last else { break }
                for record in batch { print(Self.line(record)) }
                remaining -= batch.count
                position = last.position + 1
            }
        }

        static func line(_ record: LogRecord) -> String {
            let value: JSONValue
            do {
                value = EventCodec.jsonValue(try DomainEvent(binary: record.payload))
            } catch {
                value = .object(["undecodable": .string("\(error)")])
            }
            let object: JSONValue = .object([
                "position": .number(Double(record.position)), "topic": .string(record.topic),
                "partition": .number(Double(record.partition)), "offset": .number(Double(record.offset)),
                "eventId": .string(record.eventId), "value": value,
            ])
            return String(decoding: object.serialized(), as: UTF8.self)
        }
    }
}
