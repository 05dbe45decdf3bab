import Foundation
import Projection
import Testing
import XSellCore

@Suite("Feature encoding")
struct FeatureEncoderTests {
    @Test("the dimension follows the schema: key and timestamps out, varchar hashed into buckets")
    func layout() {
        let encoder = FeatureEncoder(schema: Fixture.schema, varcharBuckets: 8)
        #expect(encoder.slots.map(\.field) == ["tier", "young", "balance", "hasCreditCard"])
        #expect(encoder.dimension == 8 + 1 + 1 + 1)
        let x = encoder.encode([
            "customer_id": .string("c1"), "tier": .string("gold"), "young": .boolean(true),
            "balance": .decimal(-(exp(10) - 1)), "lastLogin": .timestamp(Fixture.time(days: 0)),
        ])
        #expect(x[0..<8].reduce(0, +) == 1)
        #expect(x[8] == 1)
        #expect(abs(x[9] - -1) < 1e-12)
        #expect(x[10] == 0)
        #expect(encoder.encode(["tier": .string("gold")]) == encoder.encode(["tier": .string("gold")]))
        #expect(encoder.encode(["young": .string("yes"), "balance": .null]) == [Double](repeating: 0, count: 11))
    }
}
