#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What recovery does about a finding.
public enum RecoveryAction: String, Sendable, CustomStringConvertible {
    /// Cut the last segment after its last valid record; appends continue from there.
    case truncateToLastValidRecord = "truncate to the last valid record"
    /// Do not open the log; an operator must look at the named file and byte.
    case refuseToOpen = "refuse to open"
    /// Rebuild the segment's index from the segment (the index is derived data).
    case rebuildIndex = "rebuild the index"

    public var description: String { rawValue }
}

/// The recovery rules, one case per condition found when opening the log.
/// `action` is the table: every row is tested in `RecoveryTests`.
public enum RecoveryRule: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The last segment ends with an incomplete or bad-CRC record (or several), and no
    /// valid record follows: an append that never became durable.
    case tornTail
    /// A bad record in the last segment is followed by a valid record.
    case corruptionBeforeTail
    /// The last record of the log is complete (its length field fits the file exactly) but
    /// its CRC does not match, and it holds no run of zero bytes an unwritten page would
    /// leave: bit rot in a record that was durable (and whose offset was committed), not a
    /// torn append.
    case corruptLastRecord
    /// A bad or incomplete record in a segment that is not the last one.
    case corruptSealedSegment
    /// A segment's base position does not continue the previous segment.
    case positionGap
    /// A segment has no index file.
    case missingIndex
    /// An index file is unreadable: bad CRC, magic, version or size.
    case invalidIndex
    /// An index file is well formed but does not match its segment.
    case staleIndex

    /// The action this rule takes.
    public var action: RecoveryAction {
        switch self {
        case .tornTail: .truncateToLastValidRecord
        case .corruptionBeforeTail, .corruptLastRecord, .corruptSealedSegment, .positionGap: .refuseToOpen
        case .missingIndex, .invalidIndex, .staleIndex: .rebuildIndex
        }
    }

    public var description: String { "\(rawValue) → \(action)" }
}

/// One thing recovery found and repaired when opening the log.
public struct RecoveryEvent: Sendable, Equatable, CustomStringConvertible {
    /// The rule that applied.
    public var rule: RecoveryRule
    /// The file concerned.
    public var file: String
    /// The byte offset concerned, for a truncation.
    public var byteOffset: Int64?
    /// What was found.
    public var detail: String

    public var description: String {
        "\(rule): \(file)" + (byteOffset.map { " at byte \($0)" } ?? "") + " (\(detail))"
    }
}

/// The state of the log after recovery.
struct RecoveredLog {
    var segments: [UInt64] = []
    var nextPosition: UInt64 = 0
    var lastSegmentLength: Int64 = 0
    var lastIndex: IndexBuilder
    var highestOffsets: [TopicPartitionKey: Int64] = [:]
    var events: [RecoveryEvent] = []
}

/// Opening-time validation of every segment, applying the `RecoveryRule` table.
enum Recovery {
    /// Scans every segment of `directory` (which has at least one), verifying every CRC.
    static func run(directory: String, indexInterval: Int, operations: any LogFileOperations) throws -> RecoveredLog {
        let bases = try SegmentFiles.list(directory)
        var log = RecoveredLog(segments: bases, lastIndex: IndexBuilder(interval: indexInterval))
        var names = TopicNames()
        for (i, base) in bases.enumerated() {
            let path = SegmentFiles.logPath(directory, base)
            let isLast = i == bases.count - 1
            if i > 0, base != log.nextPosition {
                throw EventLogError.corruption(
                    rule: .positionGap, file: path, byteOffset: 0,
                    detail: "segment starts at position \(base) but the previous one ends at \(log.nextPosition)")
            }
            let fd = try Posix.openFile(path, isLast ? O_RDWR : O_RDONLY)
            defer { Posix.closeFile(fd) }
            var builder = IndexBuilder(interval: indexInterval)
            var scanner = SegmentScanner(fd: fd, path: path)
            let stop = try scanner.scan(from: 0, position: base) { view, byte in
                builder.add(relativePosition: view.position - base, byteOffset: byte, frameSize: view.frame.count)
                let key = TopicPartitionKey(topic: names.name(view.topic), partition: view.partition)
                let offset = view.offset
                if let known = log.highestOffsets[key], known >= offset { return true }
                log.highestOffsets[key] = offset
                return true
            }
            if stop.end != .endOfFile {
                let reason = stop.end.reason
                guard isLast else {
                    throw EventLogError.corruption(
                        rule: .corruptSealedSegment, file: path, byteOffset: stop.byteOffset, detail: reason)
                }
                if let later = try validFrame(after: stop, fd: fd, path: path) {
                    throw EventLogError.corruption(
                        rule: .corruptionBeforeTail, file: path, byteOffset: stop.byteOffset,
                        detail: "\(reason); a valid record (position \(later.position)) follows at byte \(later.byte)")
                }
                if let damage = try rottenLastRecord(at: stop, fd: fd, path: path) {
                    throw EventLogError.corruption(
                        rule: .corruptLastRecord, file: path, byteOffset: stop.byteOffset,
                        detail: "\(damage) in the complete last record (position \(stop.position)); "
                            + "a torn append would end early or hold unwritten (zero) bytes")
                }
                try Posix.truncateFile(fd, to: stop.byteOffset, path: path)
                do { try operations.sync(fd) } catch {
                    throw EventLogError.io(operation: "fsync", path: path, errno: error.errno)
                }
                log.events.append(RecoveryEvent(
                    rule: .tornTail, file: path, byteOffset: stop.byteOffset,
                    detail: "\(reason) at position \(stop.position)"))
            }
            let index = SegmentIndex(
                basePosition: base, segmentLength: stop.byteOffset, recordCount: stop.position - base,
                entries: builder.entries)
            if let event = try checkIndex(index, directory: directory, operations: operations) {
                log.events.append(event)
            }
            log.nextPosition = stop.position
            log.lastSegmentLength = stop.byteOffset
            log.lastIndex = builder
        }
        return log
    }

    /// Compares the index file of a segment with `index` (computed from the segment) and
    /// rewrites it when it is missing, invalid or stale. An empty segment without an index is a
    /// log just created, not a recovery: its index is written without an event.
    static func checkIndex(_ index: SegmentIndex, directory: String, operations: any LogFileOperations) throws -> RecoveryEvent? {
        let path = SegmentFiles.indexPath(directory, index.basePosition)
        let rule: RecoveryRule
        let detail: String
        if access(path, F_OK) != 0 {
            if index.segmentLength == 0 {
                try writeIndex(index, directory: directory, operations: operations)
                return nil
            }
            (rule, detail) = (.missingIndex, "no index file")
        } else if let bytes = Posix.readWholeFile(path), let stored = SegmentIndex.decode(bytes) {
            if stored == index { return nil }
            (rule, detail) = (.staleIndex, "index covers \(stored.segmentLength) bytes, segment has \(index.segmentLength)")
        } else {
            (rule, detail) = (.invalidIndex, "unreadable index file")
        }
        try writeIndex(index, directory: directory, operations: operations)
        return RecoveryEvent(rule: rule, file: path, byteOffset: nil, detail: detail)
    }

    /// Writes an index atomically: temporary file, fsync, rename, directory fsync.
    static func writeIndex(_ index: SegmentIndex, directory: String, operations: any LogFileOperations) throws(EventLogError) {
        try DurableFileWriter(operations: operations).replace(SegmentFiles.indexPath(directory, index.basePosition), with: index.encoded())
    }

    /// Why the frame at `stop` is bit rot rather than a torn append, or nil: it must be
    /// complete and end exactly at the end of the file, carry the expected position or a
    /// plausible header, fail only its CRC, and hold no run of 64 zero bytes.
    static func rottenLastRecord(at stop: SegmentScanner.Stop, fd: Int32, path: String) throws -> String? {
        guard case .invalid = stop.end else { return nil }
        let size = try Posix.fileSize(fd, path: path)
        let count = Int(size - stop.byteOffset)
        guard count >= RecordFrame.minimumFrameSize, count <= RecordFrame.headerSize + RecordFrame.maxBodySize else {
            return nil
        }
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try bytes.withUnsafeMutableBytes { try Posix.readAt(fd, into: $0, at: stop.byteOffset, path: path) }
        guard got == count else { return nil }
        return bytes.withUnsafeBytes { raw -> String? in
            let length = Int(RecordFrame.field(UInt32.self, raw, 4))
            guard RecordFrame.headerSize + length == count else { return nil }
            var zeros = 0
            for byte in raw {
                zeros = byte == 0 ? zeros + 1 : 0
                if zeros >= 64 { return nil }
            }
            let stored = RecordFrame.field(UInt32.self, raw, 0)
            let actual = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[4...]))
            return stored == actual ? nil : "CRC mismatch"
        }
    }

    /// A valid frame anywhere after the bad one at `stop` and before byte `end` (default: the
    /// file's length now): its presence means the damage is not a torn tail. Candidates must
    /// carry a later position, so the search is cheap.
    static func validFrame(after stop: SegmentScanner.Stop, fd: Int32, path: String, before end: Int64? = nil) throws
        -> (byte: Int64, position: UInt64)?
    {
        let size = try end ?? Posix.fileSize(fd, path: path)
        let count = Int(size - stop.byteOffset)
        guard count > RecordFrame.minimumFrameSize else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try bytes.withUnsafeMutableBytes { try Posix.readAt(fd, into: $0, at: stop.byteOffset, path: path) }
        let maxGap = UInt64(got / RecordFrame.minimumFrameSize)
        return bytes.withUnsafeBytes { raw -> (Int64, UInt64)? in
            let data = UnsafeRawBufferPointer(rebasing: raw[..<got])
            var start = 1
            while start + RecordFrame.minimumFrameSize <= got {
                defer { start += 1 }
                guard data[start + 8] == RecordFrame.version else { continue }
                let rest = UnsafeRawBufferPointer(rebasing: data[start...])
                let position = RecordFrame.storedPosition(rest)
                guard position > stop.position, position - stop.position <= maxGap else { continue }
                if case .frame = RecordFrame.check(rest, position: position, verifyCRC: true) {
                    return (stop.byteOffset + Int64(start), position)
                }
            }
            return nil
        }
    }
}
