@testable import Projection
import Testing
import XSellCore

@Suite("Snapshot coding")
struct SnapshotCodingTests {
    @Test("integers round-trip as zigzag varints of the expected length", arguments: [
        (0, 1), (1, 1), (-1, 1), (63, 1), (-64, 1), (64, 2), (1_733_300_000_000, 6), (Int64.max, 10), (Int64.min, 10),
    ] as [(Int64, Int)])
    func varints(value: Int64, length: Int) throws {
        var w = ByteWriter()
        w.i64(value)
        #expect(w.bytes.count == length)
        var r = ByteReader(w.bytes)
        #expect(try r.i64() == value)
        #expect(r.offset == length)
    }

    @Test("a varint that runs off the end or past 64 bits is malformed")
    func badVarints() {
        for bytes: [UInt8] in [[0x80], [0xFF, 0xFF], Array(repeating: 0xFF, count: 10) + [0x01], Array(repeating: 0x80, count: 9) + [0x02]] {
            var r = ByteReader(bytes)
            #expect(throws: SnapshotError.self) { try r.i64() }
        }
    }

    @Test("words are written once, numbered in first use, and read back as the same strings")
    func wordTable() throws {
        var w = ByteWriter()
        for s in ["card", "email", "card", "ünïcode", "email"] { w.word(s) }
        w.string("not a word")
        var r = ByteReader(w.withWordTable)
        try r.readWordTable()
        #expect(r.words == ["card", "email", "ünïcode"])
        #expect(try (0..<5).map { _ in try r.word() } == ["card", "email", "card", "ünïcode", "email"])
        #expect(try r.string() == "not a word")
        var bad = ByteWriter()
        bad.int(0)
        bad.int(3)
        var unknown = ByteReader(bad.bytes)
        try unknown.readWordTable()
        #expect(throws: SnapshotError.self) { try unknown.word() }
    }

    @Test("a packed vector that pack would not have made is not consistent (a snapshot rejects it)")
    func packedConsistency() {
        let encoder = FeatureEncoder(schema: Fixture.schema, varcharBuckets: 8)
        let packing = FeaturePacking(encoder: encoder)
        let good = packing.pack(encoder.encode(["tier": .string("gold"), "young": .boolean(true), "balance": .decimal(9)]))
        #expect(packing.isConsistent(good))
        guard case .small(let a, let b, _) = good.storage else {
            Issue.record("expected an inline vector: \(good.storage)")
            return
        }
        // One numeric, then one word of flags (2 bits) and the 8-bucket category (4 bits).
        for damaged: PackedFeatures.Storage in [.small(a, b | 0xF << 2, 0), .small(a, b, 7), .large([a]), .raw(packing.unpack(good))] {
            #expect(!packing.isConsistent(PackedFeatures(storage: damaged)), "\(damaged)")
        }
    }
}
