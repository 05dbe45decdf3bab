/// Little-endian byte writer of the snapshot format (doubles as IEEE-754 bit patterns, so they
/// round-trip exactly; strings as length + UTF-8).
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }

    mutating func u64(_ v: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }

    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    mutating func int(_ v: Int) { i64(Int64(v)) }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }
    mutating func bool(_ v: Bool) { u8(v ? 1 : 0) }

    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        int(utf8.count)
        bytes.append(contentsOf: utf8)
    }

    mutating func blob(_ b: [UInt8]) {
        int(b.count)
        bytes.append(contentsOf: b)
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

    mutating func i64() throws(SnapshotError) -> Int64 { Int64(bitPattern: try u64()) }
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
        let n = try i64()
        guard n >= 0, n <= Int64(bytes.count - offset) else { throw .malformed("invalid count \(n) at byte \(offset - 8)") }
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
