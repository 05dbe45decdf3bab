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
            var undecodable = 0
            let records = try EventLogReader(directory: directory).forEachRecord { record in
                guard (try? DomainEvent(binary: record.payload)) == nil else { return }
                undecodable += 1
                print("record \(record.position): payload does not decode")
            }
            let segments = (try? FileManager.default.contentsOfDirectory(atPath: directory))?
                .filter { $0.hasSuffix(".log") }.count ?? 0
            print("\(directory): \(records) records in \(segments) segments, \(undecodable) undecodable")
            if undecodable > 0 { throw ExitCode(1) }
        }
    }

    /// `xsell log dump`.
    struct Dump: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print log records as JSON lines.")
        @OptionGroup var common: CommonOptions
        @Option(help: "First log position to print.") var from: UInt64 = 0
        @Option(parsing: .unconditional, help: "Most records to print.") var limit: Int?

        func validate() throws {
            if let limit, limit < 0 { throw ValidationError("--limit \(limit): expected 0 or more") }
        }

        func run() async throws {
            try EventLogReader(directory: Runtime.logDirectory(common)).forEachRecord(
                from: from, limit: limit ?? Int.max
            ) { print(Self.line($0)) }
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
