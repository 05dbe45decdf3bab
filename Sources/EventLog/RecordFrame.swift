/// The on-disk framing of one record (all integers little-endian):
///
/// ```
/// 0  crc32c   u32  CRC-32C of bytes 4 ..< 8+length (the length field and the body)
/// 4  length   u32  body length in bytes
/// 8  version  u8   1
/// 9  position u64  log position of the record
/// 17 offset   i64  Kafka offset
/// 25 partition i32 Kafka partition
/// 29 topicLength u16, 31 eventIdLength u16
/// 33 topic bytes, event id bytes, payload bytes (the rest of the body)
/// ```
enum RecordFrame {
    static let headerSize = 8
    static let fixedBodySize = 25
    static let minimumFrameSize = headerSize + fixedBodySize
    static let version: UInt8 = 1
    /// The largest body accepted (256 MiB).
    static let maxBodySize = 256 << 20

    /// The frame size of `record`, or an error if it cannot be framed.
    static func frameSize(of record: LogRecordInput) throws(EventLogError) -> Int {
        let topic = record.topic.utf8.count
        let eventId = record.eventId.utf8.count
        guard topic <= Int(UInt16.max) else { throw .fieldTooLong(field: "topic", bytes: topic) }
        guard eventId <= Int(UInt16.max) else { throw .fieldTooLong(field: "eventId", bytes: eventId) }
        let body = fixedBodySize + topic + eventId + record.payload.count
        guard body <= maxBodySize else { throw .recordTooLarge(bytes: body, limit: maxBodySize) }
        return headerSize + body
    }

    /// Appends the frame of `record` at `position` to `buffer`.
    static func append(_ record: LogRecordInput, position: UInt64, bodySize: Int, to buffer: inout [UInt8]) {
        let start = buffer.count
        appendInteger(UInt32(0), to: &buffer)
        appendInteger(UInt32(bodySize), to: &buffer)
        buffer.append(version)
        appendInteger(position, to: &buffer)
        appendInteger(record.offset, to: &buffer)
        appendInteger(record.partition, to: &buffer)
        appendInteger(UInt16(record.topic.utf8.count), to: &buffer)
        appendInteger(UInt16(record.eventId.utf8.count), to: &buffer)
        buffer.append(contentsOf: record.topic.utf8)
        buffer.append(contentsOf: record.eventId.utf8)
        buffer.append(contentsOf: record.payload)
        buffer.withUnsafeMutableBytes { raw in
            let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[(start + 4)...]))
            raw.storeBytes(of: crc.littleEndian, toByteOffset: start, as: UInt32.self)
        }
    }

    private static func appendInteger<T: FixedWidthInteger>(_ value: T, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    /// What is found at a byte offset of a segment.
    enum Check: Equatable {
        /// A whole, well-formed frame of `size` bytes.
        case frame(size: Int)
        /// The frame continues past the available bytes; `needed` bytes are needed to check it.
        case incomplete(needed: Int)
        /// The bytes are not a valid frame of the expected position.
        case invalid(String)
    }

    /// Checks the frame at the start of `bytes`, expected to hold `position`.
    /// The CRC is verified only when `verifyCRC` is set.
    @inline(__always)
    static func check(_ bytes: UnsafeRawBufferPointer, position: UInt64, verifyCRC: Bool) -> Check {
        guard bytes.count >= headerSize else { return .incomplete(needed: headerSize) }
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
        guard length >= fixedBodySize, length <= maxBodySize else {
            return .invalid("implausible record length \(length)")
        }
        let size = headerSize + length
        guard bytes.count >= size else { return .incomplete(needed: size) }
        guard bytes[8] == version else { return .invalid("unknown record version \(bytes[8])") }
        if verifyCRC {
            let stored = UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self))
            let actual = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[4..<size]))
            guard stored == actual else { return .invalid("CRC mismatch") }
        }
        let found = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 9, as: UInt64.self))
        guard found == position else { return .invalid("record holds position \(found), expected \(position)") }
        let strings = Int(field(UInt16.self, bytes, 29)) + Int(field(UInt16.self, bytes, 31))
        guard fixedBodySize + strings <= length else { return .invalid("field lengths exceed the record") }
        return .frame(size: size)
    }

    /// The position stored in a frame (no checks).
    @inline(__always)
    static func storedPosition(_ frame: UnsafeRawBufferPointer) -> UInt64 {
        field(UInt64.self, frame, 9)
    }

    @inline(__always)
    static func field<T: FixedWidthInteger>(_ type: T.Type, _ frame: UnsafeRawBufferPointer, _ at: Int) -> T {
        T(littleEndian: frame.loadUnaligned(fromByteOffset: at, as: T.self))
    }

    /// The parts of a checked frame.
    struct View {
        let frame: UnsafeRawBufferPointer

        var position: UInt64 { RecordFrame.field(UInt64.self, frame, 9) }
        var offset: Int64 { RecordFrame.field(Int64.self, frame, 17) }
        var partition: Int32 { RecordFrame.field(Int32.self, frame, 25) }
        private var topicLength: Int { Int(RecordFrame.field(UInt16.self, frame, 29)) }
        private var eventIdLength: Int { Int(RecordFrame.field(UInt16.self, frame, 31)) }
        var topic: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: frame[33..<(33 + topicLength)]) }
        var eventId: UnsafeRawBufferPointer {
            let start = 33 + topicLength
            return UnsafeRawBufferPointer(rebasing: frame[start..<(start + eventIdLength)])
        }
        var payload: UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: frame[(33 + topicLength + eventIdLength)...])
        }
    }
}

/// Turns topic bytes into `String`s, reusing the string of a topic seen before
/// (a log holds few topics, so this saves an allocation per record).
struct TopicNames {
    private var known: [(bytes: [UInt8], name: String)] = []

    mutating func name(_ bytes: UnsafeRawBufferPointer) -> String {
        for entry in known where entry.bytes.count == bytes.count {
            if entry.bytes.withUnsafeBytes({ $0.elementsEqual(bytes) }) { return entry.name }
        }
        let name = String(decoding: bytes, as: UTF8.self)
        if known.count < 64 { known.append((Array(bytes), name)) }
        return name
    }

    mutating func record(_ view: RecordFrame.View) -> LogRecord {
        LogRecord(
            position: view.position,
            topic: name(view.topic),
            partition: view.partition,
            offset: view.offset,
            eventId: String(decoding: view.eventId, as: UTF8.self),
            payload: Array(view.payload)
        )
    }
}
