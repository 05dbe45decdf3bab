/// Byte writer of the snapshot format: integers as zigzag LEB128 varints (a count or a length
/// in one byte, a time in six), fixed-width fields as little-endian `u64`, doubles as their
/// IEEE-754 bit patterns (so they round-trip exactly), strings as length + UTF-8.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []
    /// Words written so far, by number (see `word(_:)`).
    private var words: [String] = []
    private var wordNumbers: [String: Int] = [:]

    mutating func u8(_ v: UInt8) { bytes.append(v) }

    /// Eight little-endian bytes.
    mutating func u64(_ v: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }

    /// Seven bits a byte, low first, the high bit set on every byte but the last.
    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// A zigzag varint: small magnitudes of either sign take few bytes.
    mutating func i64(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }
    mutating func int(_ v: Int) { i64(Int64(v)) }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }
    mutating func bool(_ v: Bool) { u8(v ? 1 : 0) }

    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            int(utf8.count)
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func blob(_ b: [UInt8]) {
        int(b.count)
        bytes.append(contentsOf: b)
    }

    /// Bytes as they are (no length).
    mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    /// A string of a small vocabulary (attribute names, offers, channels, flows, kinds): its
    /// number in this writer's table of words, numbered in first-use order (so the table is a
    /// function of what is written). `withWordTable` puts the table in front.
    mutating func word(_ s: String) {
        if let n = wordNumbers[s] { return int(n) }
        wordNumbers[s] = words.count
        int(words.count)
        words.append(s)
    }

    /// The table of words (count, then each string), then the bytes.
    var withWordTable: [UInt8] {
        var head = ByteWriter()
        head.int(words.count)
        for w in words { head.string(w) }
        return head.bytes + bytes
    }

    mutating func doubles(_ xs: [Double]) {
        int(xs.count)
        for x in xs { f64(x) }
    }

    mutating func optional<T>(_ v: T?, _ write: (inout ByteWriter, T) -> Void) {
        guard let v else { return u8(0) }
        u8(1)
        write(&self, v)
    }
}

/// Reader of what `ByteWriter` writes; every read checks bounds and throws on malformed input.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset: Int
    /// The word table read by `readWordTable()`.
    private(set) var words: [String] = []

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    mutating func u8() throws(SnapshotError) -> UInt8 {
        guard offset < bytes.count else { throw .malformed("unexpected end of data at byte \(offset)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u64() throws(SnapshotError) -> UInt64 {
        guard bytes.count - offset >= 8 else { throw .malformed("unexpected end of data at byte \(offset)") }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[offset + k]) << UInt64(8 * k) }
        offset += 8
        return v
    }

    mutating func varint() throws(SnapshotError) -> UInt64 {
        var v: UInt64 = 0, shift: UInt64 = 0
        while true {
            let b = try u8()
            guard shift < 64, shift < 63 || b <= 1 else { throw .malformed("varint too long at byte \(offset - 1)") }
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }

    mutating func i64() throws(SnapshotError) -> Int64 {
        let z = try varint()
        return Int64(bitPattern: z >> 1) ^ -Int64(bitPattern: z & 1)
    }

    mutating func int() throws(SnapshotError) -> Int { Int(try i64()) }
    mutating func f64() throws(SnapshotError) -> Double { Double(bitPattern: try u64()) }

    mutating func bool() throws(SnapshotError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let b: throw .malformed("invalid boolean \(b) at byte \(offset - 1)")
        }
    }

    /// A non-negative count that fits in the remaining bytes (each element takes at least one).
    mutating func count() throws(SnapshotError) -> Int {
        let start = offset
        let n = try i64()
        guard n >= 0, n <= Int64(bytes.count - offset) else { throw .malformed("invalid count \(n) at byte \(start)") }
        return Int(n)
    }

    mutating func raw(_ n: Int) throws(SnapshotError) -> ArraySlice<UInt8> {
        guard bytes.count - offset >= n else { throw .malformed("unexpected end of data at byte \(offset)") }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    mutating func string() throws(SnapshotError) -> String {
        let n = try count()
        guard let s = String(validating: try raw(n), as: UTF8.self) else { throw .malformed("invalid UTF-8 at byte \(offset - n)") }
        return s
    }

    mutating func blob() throws(SnapshotError) -> [UInt8] { Array(try raw(try count())) }

    /// Reads the table of words a `ByteWriter.withWordTable` starts with.
    mutating func readWordTable() throws(SnapshotError) {
        words = try array { r throws(SnapshotError) in try r.string() }
    }

    /// The number of a word (an index into `words`).
    mutating func wordNumber() throws(SnapshotError) -> Int {
        let start = offset
        let n = try int()
        guard n >= 0, n < words.count else { throw .malformed("word \(n) of \(words.count) at byte \(start)") }
        return n
    }

    /// A word (see `ByteWriter.word(_:)`).
    mutating func word() throws(SnapshotError) -> String { words[try wordNumber()] }

    mutating func doubles() throws(SnapshotError) -> [Double] {
        let n = try count()
        var xs: [Double] = []
        xs.reserveCapacity(n)
        for _ in 0..<n { xs.append(try f64()) }
        return xs
    }

    mutating func optional<T>(_ read: (inout ByteReader) throws(SnapshotError) -> T) throws(SnapshotError) -> T? {
        try bool() ? try read(&self) : nil
    }

    mutating func array<T>(_ read: (inout ByteReader) throws(SnapshotError) -> T) throws(SnapshotError) -> [T] {
        let n = try count()
        var out: [T] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try read(&self)) }
        return out
    }
}
