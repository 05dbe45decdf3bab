/// 64-bit FNV-1a, the projection's deterministic hash (feature buckets, fingerprints, digests).
/// Unlike `Hasher` it is not seeded per process, so the same bytes always give the same value.
public struct FNV1a64: Sendable, Equatable {
    /// The FNV-1a 64 offset basis.
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    /// The FNV-1a 64 prime.
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// The hash of everything combined so far.
    public private(set) var value: UInt64 = offsetBasis

    /// A hasher over no bytes yet.
    public init() {}

    /// `value` as 16 lower-case hex digits (how `xsell replay` and the node print a state digest).
    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Mixes in `bytes`.
    public mutating func combine(bytes: some Sequence<UInt8>) {
        var h = value
        for b in bytes {
            h ^= UInt64(b)
            h = h &* Self.prime
        }
        value = h
    }

    /// Mixes in the UTF-8 bytes of `text` followed by a 0 separator (so `"ab","c"` ≠ `"a","bc"`).
    public mutating func combine(_ text: String) {
        combine(bytes: text.utf8)
        combine(bytes: CollectionOfOne(0))
    }

    /// Mixes in `v` as 8 little-endian bytes.
    public mutating func combine(_ v: UInt64) {
        var h = value
        for shift in stride(from: 0, to: 64, by: 8) {
            h ^= (v >> UInt64(shift)) & 0xff
            h = h &* Self.prime
        }
        value = h
    }

    /// Mixes in `bytes` a 64-bit little-endian word at a time (the last `count % 8` bytes one by
    /// one, as `combine(bytes:)`): each word is xor-ed in, multiplied by the prime and its high
    /// half folded into the low. Not FNV-1a of the bytes, but as deterministic and about 8×
    /// faster: the checksum and digest of large snapshots.
    public mutating func combine(words bytes: UnsafeRawBufferPointer) {
        var h = value
        let words = bytes.count / 8
        for i in 0..<words {
            h ^= UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
            h = h &* Self.prime
            h ^= h >> 32
        }
        value = h
        combine(bytes: UnsafeRawBufferPointer(rebasing: bytes[(words * 8)...]))
    }

    /// The FNV-1a 64 hash of `bytes`.
    public static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var h = FNV1a64()
        h.combine(bytes: bytes)
        return h.value
    }
}
