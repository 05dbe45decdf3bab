import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny seeded PRNG so test data is deterministic.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [lower, upper).
    mutating func uniform(_ lower: Double, _ upper: Double) -> Double { lower + (upper - lower) * uniform() }

    /// 1 with probability p, else 0.
    mutating func bernoulli(_ p: Double) -> Double { uniform() < p ? 1 : 0 }

    /// Uniform integer in 0..<n.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }

let day: Int64 = 86_400_000

/// Bit-level equality of two arrays of doubles.
func bitIdentical(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
}
