import XSellCore

/// The tests' draws on the one seeded generator (XSellCore's ``SplitMix64``).
extension SplitMix64 {
    /// Uniform in [lower, upper).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double { lower + (upper - lower) * uniform() }

    /// 1 with probability `p`, else 0 (a label or a treatment indicator).
    public mutating func bernoulli(_ p: Double) -> Double { uniform() < p ? 1 : 0 }

    /// Uniform integer in `0..<n` (`n > 0`).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
