import EventLog
import Testing

@Suite struct CRC32CTests {
    @Test(arguments: [
        ("", UInt32(0)),
        ("a", 0xC1D0_4330),
        ("123456789", 0xE306_9283),
        ("The quick brown fox jumps over the lazy dog", 0x2262_0404),
    ])
    func knownVectors(text: String, expected: UInt32) {
        #expect(CRC32C.checksum(Array(text.utf8)) == expected)
    }

    @Test func iscsiVectors() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }

    /// Slicing-by-8 must agree with a bitwise CRC at every length and alignment, and chain.
    @Test func matchesBitwiseAtEveryAlignment() {
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        for start in 0..<9 {
            for end in stride(from: start, through: bytes.count, by: 13) {
                let slice = Array(bytes[start..<end])
                #expect(CRC32C.checksum(slice) == bitwise(slice))
                let cut = slice.count / 3
                let chained = CRC32C.checksum(Array(slice[cut...]), seed: CRC32C.checksum(Array(slice[..<cut])))
                #expect(chained == bitwise(slice))
            }
        }
    }

    private func bitwise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }
}
