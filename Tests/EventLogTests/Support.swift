import EventLog
import Foundation
import Testing

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("eventlog-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// Path of a file in the directory.
    func file(_ name: String) -> String { path + "/" + name }

    /// Copies the directory's contents to a new temporary directory.
    func copy() throws -> TemporaryDirectory {
        let copy = try TemporaryDirectory()
        for name in try FileManager.default.contentsOfDirectory(atPath: path) where name != "LOCK" {
            try FileManager.default.copyItem(atPath: file(name), toPath: copy.file(name))
        }
        return copy
    }
}

/// Runs `body` with a temporary directory that is removed afterwards.
func withTemporaryDirectory<T>(_ body: (TemporaryDirectory) throws -> T) throws -> T {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    return try body(directory)
}

/// Runs `body` with a temporary directory that is removed afterwards.
func withTemporaryDirectory<T>(_ body: (TemporaryDirectory) async throws -> T) async throws -> T {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    return try await body(directory)
}

/// The `i`th test record: three partitions of one topic, deterministic payload.
func sampleRecord(_ i: Int, payloadSize: Int = 200) -> LogRecordInput {
    LogRecordInput(
        topic: i % 5 == 4 ? "interaction.recorded.v1" : "decision.made.v1",
        partition: Int32(i % 3),
        offset: Int64(i),
        eventId: "evt-\(i)",
        payload: (0..<payloadSize).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) })
}

func sampleRecords(_ range: Range<Int>, payloadSize: Int = 200) -> [LogRecordInput] {
    range.map { sampleRecord($0, payloadSize: payloadSize) }
}

/// Bytes of a record's frame: 8-byte header, 25 fixed body bytes, strings, payload.
func frameSize(_ record: LogRecordInput) -> Int {
    33 + record.topic.utf8.count + record.eventId.utf8.count + record.payload.count
}

func segmentName(_ base: UInt64) -> String {
    let digits = String(base)
    return String(repeating: "0", count: 20 - digits.count) + digits + ".log"
}

func readAll(_ reader: EventLogReader, batch: Int = 1000) throws -> [LogRecord] {
    var records: [LogRecord] = []
    while true {
        let next = try reader.read(from: UInt64(records.count), limit: batch)
        if next.isEmpty { return records }
        records += next
    }
}

func fileBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

func writeBytes(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}
