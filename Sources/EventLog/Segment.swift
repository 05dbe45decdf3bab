import Foundation

/// File names of segments and their indexes: the base position, zero-padded to 20 digits.
enum SegmentFiles {
    static let logSuffix = ".log"
    static let indexSuffix = ".index"
    static let lockName = "LOCK"

    static func name(_ base: UInt64, _ suffix: String) -> String {
        let digits = String(base)
        return String(repeating: "0", count: 20 - digits.count) + digits + suffix
    }

    static func logPath(_ directory: String, _ base: UInt64) -> String { directory + "/" + name(base, logSuffix) }
    static func indexPath(_ directory: String, _ base: UInt64) -> String { directory + "/" + name(base, indexSuffix) }

    /// The base positions of the segment files in `directory`, ascending.
    static func list(_ directory: String) throws(EventLogError) -> [UInt64] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            let code = Posix.errorCode(of: error)
            throw code == ENOENT ? .notFound(directory: directory) : .io(operation: "list", path: directory, errno: code)
        }
        return names.compactMap { name -> UInt64? in
            guard name.count == 20 + logSuffix.count, name.hasSuffix(logSuffix) else { return nil }
            let digits = name.dropLast(logSuffix.count)
            guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
            return UInt64(digits)
        }.sorted()
    }
}

/// Sparse index entry: a record's position relative to the segment base, and its byte offset.
struct IndexEntry: Equatable {
    var relativePosition: UInt32
    var byteOffset: UInt32
}

/// The derived sparse index of one segment (file layout in docs/event-log.md).
struct SegmentIndex: Equatable {
    static let magic: UInt32 = 0x5849_4C58  // "XLIX" little-endian
    static let version: UInt32 = 1
    static let headerSize = 36

    var basePosition: UInt64
    /// The segment's byte length when the index was made; a different length means stale.
    var segmentLength: Int64
    var recordCount: UInt64
    var entries: [IndexEntry]

    func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headerSize + entries.count * 8 + 4)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        put(Self.magic)
        put(Self.version)
        put(basePosition)
        put(UInt64(segmentLength))
        put(recordCount)
        put(UInt32(entries.count))
        for entry in entries {
            put(entry.relativePosition)
            put(entry.byteOffset)
        }
        put(CRC32C.checksum(bytes))
        return bytes
    }

    /// Decodes an index file; nil when it is not a well-formed index.
    static func decode(_ bytes: [UInt8]) -> SegmentIndex? {
        bytes.withUnsafeBytes { raw -> SegmentIndex? in
            guard raw.count >= headerSize + 4 else { return nil }
            func get<T: FixedWidthInteger>(_: T.Type, _ at: Int) -> T {
                T(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: T.self))
            }
            let body = raw.count - 4
            guard get(UInt32.self, body) == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[..<body])),
                get(UInt32.self, 0) == magic, get(UInt32.self, 4) == version
            else { return nil }
            let count = Int(get(UInt32.self, 32))
            guard headerSize + count * 8 == body else { return nil }
            let entries = (0..<count).map { i in
                IndexEntry(
                    relativePosition: get(UInt32.self, headerSize + i * 8),
                    byteOffset: get(UInt32.self, headerSize + i * 8 + 4))
            }
            return SegmentIndex(
                basePosition: get(UInt64.self, 8), segmentLength: Int64(get(UInt64.self, 16)),
                recordCount: get(UInt64.self, 24), entries: entries)
        }
    }

    /// The indexed record nearest at or before `position`: where to start looking for it.
    func hint(for position: UInt64) -> (position: UInt64, byteOffset: Int64) {
        guard position > basePosition else { return (basePosition, 0) }
        let relative = position - basePosition
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if UInt64(entries[mid].relativePosition) <= relative { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return (basePosition, 0) }
        let entry = entries[low - 1]
        return (basePosition + UInt64(entry.relativePosition), Int64(entry.byteOffset))
    }
}

/// Builds a segment's sparse index as records are appended or scanned: one entry per
/// `interval` bytes, so the same records always give the same index.
struct IndexBuilder {
    let interval: Int
    private(set) var entries: [IndexEntry] = []
    private var bytesSinceEntry = 0

    init(interval: Int) { self.interval = interval }

    mutating func add(relativePosition: UInt64, byteOffset: Int64, frameSize: Int) {
        if bytesSinceEntry >= interval {
            entries.append(IndexEntry(relativePosition: UInt32(relativePosition), byteOffset: UInt32(byteOffset)))
            bytesSinceEntry = 0
        }
        bytesSinceEntry += frameSize
    }
}

/// Sequential, buffered reading of the frames of one segment file.
struct SegmentScanner {
    /// Why a scan stopped.
    enum End: Equatable {
        case endOfFile
        /// The last frame runs past the end of the file.
        case incomplete
        case invalid(String)
        /// `visit` asked to stop.
        case stopped

        /// Why the frame at the stop is not readable.
        var reason: String {
            switch self {
            case .endOfFile: "end of file"
            case .incomplete: "incomplete record"
            case let .invalid(reason): reason
            case .stopped: "stopped"
            }
        }
    }

    /// Where a scan stopped: the byte offset and position of the next frame.
    struct Stop {
        var byteOffset: Int64
        var position: UInt64
        var end: End
    }

    var fd: Int32
    var path: String
    private var buffer: [UInt8]

    init(fd: Int32, path: String, chunkSize: Int = 1 << 20) {
        self.fd = fd
        self.path = path
        self.buffer = [UInt8](repeating: 0, count: chunkSize)
    }

    /// Visits frames from `byteOffset` (which holds `position`) until end of file, a frame that is
    /// not valid, or `visit` returns false (after that frame). CRCs are verified from `verifyFrom` on.
    mutating func scan(
        from byteOffset: Int64, position: UInt64, verifyFrom: UInt64 = 0,
        _ visit: (RecordFrame.View, Int64) throws -> Bool
    ) throws -> Stop {
        var byte = byteOffset
        var position = position
        while true {
            let got = try buffer.withUnsafeMutableBytes { try Posix.readAt(fd, into: $0, at: byte, path: path) }
            let atEnd = got < buffer.count
            var consumed = 0
            var needed = 0
            var outcome: End?
            try buffer.withUnsafeBytes { raw in
                let data = UnsafeRawBufferPointer(rebasing: raw[0..<got])
                while true {
                    let rest = UnsafeRawBufferPointer(rebasing: data[consumed...])
                    if rest.isEmpty {
                        if atEnd { outcome = .endOfFile }
                        return
                    }
                    switch RecordFrame.check(rest, position: position, verifyCRC: position >= verifyFrom) {
                    case let .frame(size):
                        let more = try visit(RecordFrame.View(frame: UnsafeRawBufferPointer(rebasing: rest[..<size])),
                                             byte + Int64(consumed))
                        consumed += size
                        position += 1
                        if !more {
                            outcome = .stopped
                            return
                        }
                    case let .incomplete(size):
                        if atEnd { outcome = .incomplete } else { needed = size }
                        return
                    case let .invalid(reason):
                        outcome = .invalid(reason)
                        return
                    }
                }
            }
            byte += Int64(consumed)
            if let outcome { return Stop(byteOffset: byte, position: position, end: outcome) }
            if needed > buffer.count { buffer = [UInt8](repeating: 0, count: needed) }
        }
    }
}
