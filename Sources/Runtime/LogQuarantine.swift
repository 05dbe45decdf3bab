import EventLog
import Foundation
import XSellCore

/// Finds and removes records whose event time is in the future from an existing log (issue
/// 9: one event dated 9999 moves the projection's clock for every customer, and every replay
/// repeats it). Ingest now dead-letters such events; this cleans a log written before.
public enum LogQuarantine {
    /// A record found, with its event time.
    public struct Finding: Sendable {
        /// The record.
        public var record: LogRecord
        /// Its event's `occurredAt`.
        public var occurredAt: Timestamp
    }

    /// What ``apply(dataDirectory:after:)`` did.
    public struct Outcome: Sendable {
        /// The records moved out of the log.
        public var quarantined: [Finding]
        /// Records kept.
        public var kept: UInt64
        /// The JSON-lines file holding the quarantined records.
        public var quarantineFile: String
        /// Where the original log (and snapshots) were moved.
        public var backupDirectory: String
    }

    /// The records of the log in `logDirectory` whose event time is after `latest`.
    public static func find(logDirectory: String, after latest: Timestamp) throws -> [Finding] {
        var found: [Finding] = []
        try EventLogReader(directory: logDirectory).forEachRecord { record in
            let event = try DomainEvent(binary: record.payload)
            if event.occurredAt > latest { found.append(Finding(record: record, occurredAt: event.occurredAt)) }
        }
        return found
    }

    /// Rewrites the log under `dataDirectory` without the records dated after `latest`.
    ///
    /// The quarantined records go to `quarantine/quarantined-<ms>.jsonl` (one `xsell log dump`
    /// line each); the original log and the snapshots (which reflect the poisoned clock) move to
    /// `quarantine/backup-<ms>/`, and the projection rebuilds from the clean log at the next
    /// start. Holds the log's writer lock throughout, so it refuses while a node runs.
    public static func apply(dataDirectory: String, after latest: Timestamp) throws -> Outcome {
        let layout = DataDirectory(dataDirectory)
        let logDirectory = layout.log
        let stamp = WallClock.now().millisecondsSinceEpoch
        let quarantine = layout.quarantine
        let backup = quarantine + "/backup-\(stamp)"
        let rewritten = dataDirectory + "/log.rewrite-\(stamp)"
        let lock = try EventLogWriter.open(directory: logDirectory)  // refuses while a node writes
        defer { try? lock.close() }
        try FileManager.default.createDirectory(
            atPath: backup, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let writer = try EventLogWriter.open(directory: rewritten)
        var found: [Finding] = []
        var lines: [UInt8] = []
        var batch: [LogRecordInput] = []
        let total = try lock.makeReader().forEachRecord { record in
            let event = try DomainEvent(binary: record.payload)
            if event.occurredAt > latest {
                found.append(Finding(record: record, occurredAt: event.occurredAt))
                lines += LogLines.line(record) + [UInt8(ascii: "\n")]
            } else {
                batch.append(record.input)
                if batch.count >= 4_096 {
                    _ = try writer.append(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
        }
        if !batch.isEmpty { _ = try writer.append(batch) }
        try writer.close()
        let file = quarantine + "/quarantined-\(stamp).jsonl"
        guard FileManager.default.createFile(atPath: file, contents: Data(lines), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file])
        }
        try FileManager.default.moveItem(atPath: logDirectory, toPath: backup + "/log")
        try FileManager.default.moveItem(atPath: rewritten, toPath: logDirectory)
        let snapshots = layout.snapshots
        if FileManager.default.fileExists(atPath: snapshots) {
            try FileManager.default.moveItem(atPath: snapshots, toPath: backup + "/snapshots")
        }
        return Outcome(
            quarantined: found, kept: total - UInt64(found.count), quarantineFile: file, backupDirectory: backup)
    }

}

/// Log records as JSON lines (`xsell log dump`, quarantine files).
public enum LogLines {
    /// One record as a JSON line: its position, source coordinates, event id and event (or
    /// why its payload does not decode).
    public static func line(_ record: LogRecord) -> [UInt8] {
        let value: JSONValue
        do {
            value = EventCodec.jsonValue(try DomainEvent(binary: record.payload))
        } catch {
            value = .object(["undecodable": .string("\(error)")])
        }
        return JSONValue.object([
            "position": .number(Double(record.position)), "topic": .string(record.topic),
            "partition": .number(Double(record.partition)), "offset": .number(Double(record.offset)),
            "eventId": .string(record.eventId), "value": value,
        ]).serialized()
    }
}
