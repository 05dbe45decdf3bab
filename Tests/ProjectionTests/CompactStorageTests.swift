import Foundation
@testable import Projection
import Testing
import XSellCore

@Suite("Compact customer storage")
struct CompactStorageTests {
    // MARK: - Packed feature vectors

    static let encoder = FeatureEncoder(schema: Fixture.schema, varcharBuckets: 8)
    static let packing = FeaturePacking(encoder: encoder)

    /// Encoder outputs and hand-made vectors, with whether they must pack (else stay raw).
    static let vectors: [(name: String, x: [Double], packs: Bool)] = {
        func encoded(_ a: [String: AttributeValue]) -> [Double] { encoder.encode(a) }
        var twoBuckets = encoded(["tier": .string("gold")])
        twoBuckets[(twoBuckets.firstIndex(of: 1)! + 1) % 8] = 1
        var halfFlag = encoded(["young": .boolean(true)])
        halfFlag[8] = 0.5
        var negativeZeroFlag = encoded([:])
        negativeZeroFlag[8] = -0.0
        return [
            ("empty profile", encoded([:]), true),
            ("every field", encoded(["tier": .string("gold"), "young": .boolean(true), "balance": .decimal(52_000.25), "hasCreditCard": .boolean(true)]), true),
            ("negative balance, flags off", encoded(["tier": .string("basic"), "young": .boolean(false), "balance": .decimal(-3.5)]), true),
            ("non-finite numeric", [Double](repeating: 0, count: 9) + [Double.nan, 0], true),
            ("two buckets set", twoBuckets, false),
            ("a flag of 0.5", halfFlag, false),
            ("a flag of -0.0", negativeZeroFlag, false),
            ("wrong length", [1, 0, 1], false),
        ]
    }()

    @Test("a packed vector unpacks to the same bits; only encoder outputs pack")
    func packRoundTrip() {
        for (name, x, packs) in Self.vectors {
            let packed = Self.packing.pack(x)
            let back = Self.packing.unpack(packed)
            #expect(back.map(\.bitPattern) == x.map(\.bitPattern), "\(name)")
            if case .raw = packed.storage {
                #expect(!packs, "\(name) should pack")
            } else {
                #expect(packs, "\(name) should stay raw")
            }
        }
    }

    @Test("the tutorial-sized vector is held inline; different vectors pack differently")
    func packInline() {
        let a = Self.packing.pack(Self.encoder.encode(["tier": .string("gold"), "balance": .decimal(10)]))
        let b = Self.packing.pack(Self.encoder.encode(["tier": .string("gold"), "balance": .decimal(11)]))
        let c = Self.packing.pack(Self.encoder.encode(["tier": .string("silver"), "balance": .decimal(10)]))
        guard case .small = a.storage else {
            Issue.record("one numeric and four small fields should fit three words: \(a.storage)")
            return
        }
        #expect(a != b)
        #expect(a != c || Self.encoder.encode(["tier": .string("gold")]) == Self.encoder.encode(["tier": .string("silver")]))
        #expect(MemoryLayout<PackedFeatures>.size <= 32)
    }

    // MARK: - Attribute histories

    /// One `set` call: attribute number, value, event time (days).
    typealias Set = (name: UInt32, value: AttributeValue, day: Double)

    static func millis(_ days: Double) -> Int64 { Fixture.time(days: days).millisecondsSinceEpoch }

    static func history(_ sets: [Set]) -> AttributeHistory {
        var h = AttributeHistory()
        for s in sets { h.set(s.name, to: s.value, at: Self.millis(s.day)) }
        return h
    }

    @Test("last writer by event time wins, ties go to the later set, replays change nothing", arguments: [
        (sets: [(0, .integer(1), 1), (0, .integer(2), 2)], current: AttributeValue?.some(.integer(2))),
        (sets: [(0, .integer(2), 2), (0, .integer(1), 1)], current: .integer(2)),
        (sets: [(0, .integer(1), 1), (0, .integer(3), 1)], current: .integer(3)),
        (sets: [(0, .integer(1), 1), (0, .null, 2)], current: nil),
        (sets: [(0, .integer(1), 1), (0, .integer(2), 2), (0, .integer(1), 1)], current: .integer(2)),
        (sets: [(1, .boolean(true), 5), (0, .integer(7), 9), (1, .boolean(false), 3)], current: .integer(7)),
    ] as [(sets: [Set], current: AttributeValue?)])
    func lastWriterWins(sets: [Set], current: AttributeValue?) {
        let h = Self.history(sets)
        #expect(h.value(of: 0, asOf: .max) == current)
        #expect(h.entries.map(\.name) == h.entries.map(\.name).sorted())
        let replayed = Self.history(sets + sets)
        #expect(replayed == h)
    }

    /// Every attribute's value as of `day`, by name.
    static func values(_ h: AttributeHistory, asOf day: Double, _ names: AttributeNames) -> [String: AttributeValue] {
        var out: [String: AttributeValue] = [:]
        for (n, name) in names.names.enumerated() {
            if let v = h.value(of: UInt32(n), asOf: millis(day)) { out[name] = v }
        }
        return out
    }

    @Test("values as of a time, and pruning keeps exactly what later reads need")
    func asOfAndPrune() {
        var names = AttributeNames(schemaFields: ["tier", "balance"])
        let other = names.number(of: "nickname")
        #expect(names.number(of: "tier") == 0 && other == 2 && names.existingNumber(of: "missing") == nil)
        var h = Self.history([
            (0, .string("basic"), 0), (0, .string("gold"), 10), (0, .string("private"), 40),
            (1, .decimal(5), 0), (other, .string("Al"), 20),
        ])
        #expect(Self.values(h, asOf: 15, names) == ["tier": .string("gold"), "balance": .decimal(5)])
        #expect(Self.values(h, asOf: 25, names) == ["tier": .string("gold"), "balance": .decimal(5), "nickname": .string("Al")])
        #expect(Self.values(h, asOf: -1, names) == [:])
        #expect(h.current(names)["tier"] == .string("private"))
        let before = (0...50).map { Self.values(h, asOf: Double($0), names) }
        let keepFrom = Self.millis(12)
        #expect(h.needsPruning(keepFrom: keepFrom))
        h.prune(keepFrom: keepFrom)
        #expect(h.entries.count == 4, "basic (before the gold that was current at day 12) goes")
        #expect(!h.needsPruning(keepFrom: keepFrom))
        for day in 12...50 {
            #expect(Self.values(h, asOf: Double(day), names) == before[day], "day \(day)")
        }
    }
}
