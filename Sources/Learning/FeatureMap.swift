/// A fixed, deterministic expansion of a dense input vector `x` into the feature vector `φ(x)`
/// that a linear learner is fitted on.
///
/// Every map starts with a constant intercept feature `φ₀ = 1`. Input values that are not finite
/// are read as `0`; inputs shorter than `inputDimension` are padded with `0` and extra inputs are
/// ignored, so a malformed vector can never produce a `NaN` parameter.
///
/// `dot(_:_:)` evaluates `w · φ(x)` without materialising `φ(x)` and without allocating, which is
/// what keeps `predict` cheap on the scoring path.
public enum FeatureMap: Sendable, Codable, Equatable, Hashable {
    /// `φ(x) = (1, x₁, …, x_d)`.
    case linear
    /// `φ(x) = (1, x₁, …, x_d, x₁x₂, x₁x₃, …, x_{d−1}x_d)`: the linear terms plus all pairwise
    /// products `x_i·x_j` with `i < j` (captures interactions such as "tier × tenure").
    case pairwise
    /// Piecewise-constant numerics: feature `j` with sorted cut points `edges[j]` becomes a one-hot
    /// vector of `edges[j].count + 1` bins (bin = number of edges `≤ x_j`); a feature with no
    /// edges (or beyond `edges.count`) stays a single linear term.
    case binned(edges: [[Double]])

    /// The length of `φ(x)` for inputs of length `inputDimension` (including the intercept).
    public func dimension(inputDimension d: Int) -> Int {
        precondition(d >= 0, "negative input dimension")
        switch self {
        case .linear:
            return 1 + d
        case .pairwise:
            return 1 + d + d * (d - 1) / 2
        case .binned(let edges):
            var total = 1
            for j in 0..<d {
                total += (j < edges.count && !edges[j].isEmpty) ? edges[j].count + 1 : 1
            }
            return total
        }
    }

    /// `w · φ(x)` for an input of dimension `inputDimension = d` (`w.count` must equal
    /// `dimension(inputDimension: d)`). Allocation-free.
    @inlinable
    public func dot(_ w: [Double], _ x: [Double], inputDimension d: Int) -> Double {
        switch self {
        case .linear:
            var s = w[0]
            for j in 0..<d { s += w[1 + j] * FeatureMap.value(x, j) }
            return s
        case .pairwise:
            var s = w[0]
            for j in 0..<d { s += w[1 + j] * FeatureMap.value(x, j) }
            var k = 1 + d
            for i in 0..<d {
                let xi = FeatureMap.value(x, i)
                if xi == 0 {
                    k += d - i - 1
                    continue
                }
                var inner = 0.0
                for j in (i + 1)..<d {
                    inner += w[k] * FeatureMap.value(x, j)
                    k += 1
                }
                s += xi * inner
            }
            return s
        case .binned(let edges):
            var s = w[0]
            var k = 1
            for j in 0..<d {
                let v = FeatureMap.value(x, j)
                if j < edges.count && !edges[j].isEmpty {
                    s += w[k + FeatureMap.bin(v, edges[j])]
                    k += edges[j].count + 1
                } else {
                    s += w[k] * v
                    k += 1
                }
            }
            return s
        }
    }

    /// The materialised feature vector `φ(x)` (allocates; used on the update path only).
    public func expand(_ x: [Double], inputDimension d: Int) -> [Double] {
        var phi = [Double](repeating: 0, count: dimension(inputDimension: d))
        phi[0] = 1
        switch self {
        case .linear:
            for j in 0..<d { phi[1 + j] = FeatureMap.value(x, j) }
        case .pairwise:
            for j in 0..<d { phi[1 + j] = FeatureMap.value(x, j) }
            var k = 1 + d
            for i in 0..<d {
                let xi = FeatureMap.value(x, i)
                for j in (i + 1)..<d {
                    phi[k] = xi * FeatureMap.value(x, j)
                    k += 1
                }
            }
        case .binned(let edges):
            var k = 1
            for j in 0..<d {
                let v = FeatureMap.value(x, j)
                if j < edges.count && !edges[j].isEmpty {
                    phi[k + FeatureMap.bin(v, edges[j])] = 1
                    k += edges[j].count + 1
                } else {
                    phi[k] = v
                    k += 1
                }
            }
        }
        return phi
    }

    /// `x[j]` if present and finite, else `0`.
    @inlinable
    static func value(_ x: [Double], _ j: Int) -> Double {
        guard j < x.count else { return 0 }
        let v = x[j]
        return v.isFinite ? v : 0
    }

    /// Number of edges `≤ v` (edges are expected in ascending order).
    @inlinable
    static func bin(_ v: Double, _ edges: [Double]) -> Int {
        var b = 0
        for e in edges where v >= e { b += 1 }
        return b
    }
}
