/// CRC-32C (Castagnoli, reflected polynomial `0x82F63B78`), table-driven, slicing-by-8.
///
/// `checksum(b, seed: checksum(a))` equals `checksum(a + b)`, so a checksum can be
/// computed over several pieces.
public enum CRC32C {
    /// Eight 256-entry tables, one after the other: table `k` advances a byte by `k` extra bytes.
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let prev = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (prev >> 8) ^ t[Int(prev & 0xFF)]
            }
        }
        return t
    }()

    /// The CRC-32C of `bytes`, continuing from `seed` (the checksum of the preceding bytes).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard var p = bytes.baseAddress, bytes.count > 0 else { return seed }
        var n = bytes.count
        var c = ~seed
        return tables.withUnsafeBufferPointer { buffer in
            let t = buffer.baseAddress!
            let t1 = t + 256, t2 = t + 512, t3 = t + 768, t4 = t + 1024, t5 = t + 1280, t6 = t + 1536, t7 = t + 1792
            while n > 0, Int(bitPattern: p) & 7 != 0 {
                c = t[Int((c ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (c >> 8)
                p += 1
                n -= 1
            }
            while n >= 8 {
                let word = p.load(as: UInt64.self).littleEndian
                let lo = UInt32(truncatingIfNeeded: word) ^ c
                let hi = UInt32(truncatingIfNeeded: word &>> 32)
                c = t7[Int(lo & 0xFF)] ^ t6[Int((lo &>> 8) & 0xFF)] ^ t5[Int((lo &>> 16) & 0xFF)] ^ t4[Int(lo &>> 24)]
                    ^ t3[Int(hi & 0xFF)] ^ t2[Int((hi &>> 8) & 0xFF)] ^ t1[Int((hi &>> 16) & 0xFF)] ^ t[Int(hi &>> 24)]
                p += 8
                n &-= 8
            }
            while n > 0 {
                c = t[Int((c ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (c &>> 8)
                p += 1
                n -= 1
            }
            return ~c
        }
    }

    /// The CRC-32C of `bytes`, continuing from `seed`.
    public static func checksum(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, seed: seed) }
    }
}
