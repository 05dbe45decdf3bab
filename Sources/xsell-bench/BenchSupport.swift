extension Duration {
    /// Seconds as a floating-point number.
    var benchSeconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
    /// Milliseconds as a floating-point number.
    var benchMilliseconds: Double { benchSeconds * 1000 }
}

/// The `p` quantile (nearest rank) of `samples` in milliseconds; NaN when there are none.
func percentileMilliseconds(_ samples: [Duration], _ p: Double) -> Double {
    let sorted = samples.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted[max(0, min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1))].benchMilliseconds
}
