/// SplitMix64 (Steele, Lea & Flood 2014): the tests' one seeded generator, so synthetic data is
/// the same on every run and machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator seeded with `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [lower, upper).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double { lower + (upper - lower) * uniform() }

    /// 1 with probability `p`, else 0 (a label or a treatment indicator).
    public mutating func bernoulli(_ p: Double) -> Double { uniform() < p ? 1 : 0 }

    /// Uniform integer in `0..<n` (`n > 0`).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
