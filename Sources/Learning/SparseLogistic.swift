/// Online logistic regression with a per-update Newton step (as `LogisticRegression`'s
/// `.newton` solver) over sparse features `(id, value)` from a large, fixed id space, of which
/// only the ids ever seen take memory and time.
///
/// A feature gets a parameter the first time it is non-zero, with prior variance
/// `1/priorPrecision(id)` and no covariance with the others: exactly the state it would have had
/// if it had been there from the start (a never-active feature's row of the inverse Hessian is
/// untouched by every rank-one update). So the learner equals the dense Newton learner over
/// the full id space, at a cost of `O(n·nnz + n·m)` per update with `n` active ids, `nnz` non-zero
/// features of the example and `m` ids correlated with them. Deterministic: the state is a pure
/// function of the sequence of updates.
public struct SparseLogistic: Sendable, Codable, Equatable {
    /// Prior precision of every id.
    public let precisions: [Double]
    /// Id → compact index, −1 while the id has never been active.
    @usableFromInline private(set) var slots: [Int32]
    /// Compact index → id.
    private(set) var ids: [Int32]
    /// Weights in compact order.
    @usableFromInline private(set) var weights: [Double]
    /// The inverse regularised Hessian over the active ids: symmetric, so only its upper
    /// triangle is kept, packed by rows for a capacity of `capacity` ids (entry `(r, k)`,
    /// `r ≤ k`, at `rowOffset(r) + k`): half the memory and half the rank-one update of the
    /// full matrix, and every checkpoint of a model holds half as much.
    private(set) var covariance: [Double]
    /// Ids the packed triangle has room for (grown in steps of 32).
    private(set) var capacity: Int
    /// The number of examples learned from.
    public private(set) var count: Int

    /// A learner over ids `0..<precisions.count`; it predicts 0.5 everywhere until updated.
    public init(precisions: [Double]) {
        precondition(precisions.allSatisfy { $0 > 0 && $0.isFinite }, "prior precisions must be positive")
        self.precisions = precisions
        slots = [Int32](repeating: -1, count: precisions.count)
        ids = []
        weights = []
        covariance = []
        capacity = 0
        count = 0
    }

    /// The weight of `id` (0 for an id never seen).
    @inlinable
    public func weight(_ id: Int) -> Double {
        let s = slots[id]
        return s < 0 ? 0 : weights[Int(s)]
    }

    /// Where row `r` of the packed upper triangle starts, minus `r` (entry `(r, k)` is at
    /// `rowOffset(r) + k`) for a triangle of `capacity` ids.
    private static func rowOffset(_ r: Int, capacity: Int) -> Int { r * capacity - r * (r + 1) / 2 }

    /// One Newton step on the log-loss of the example whose non-zero features are `values` at
    /// `ids` (unique, in range), label `y ∈ [0, 1]`, scaled by `weight`.
    public mutating func update(ids featureIds: [Int], values: [Double], y: Double, weight: Double = 1) {
        guard y.isFinite, weight.isFinite, weight > 0, featureIds.count == values.count else { return }
        for id in featureIds where slots[id] < 0 { activate(id) }
        let index = featureIds.map { Int(slots[$0]) }
        let n = ids.count, size = capacity, m = index.count
        // u = Σ·φ: column c of the symmetric Σ is (c, k ≥ c) along row c, and (r < c, c) down
        // the rows above it.
        var u = [Double](repeating: 0, count: n)
        var score = 0.0, phiU = 0.0
        index.withUnsafeBufferPointer { index in
            values.withUnsafeBufferPointer { v in
                weights.withUnsafeBufferPointer { w in
                    for f in 0..<m { score += w[index[f]] * v[f] }
                }
                covariance.withUnsafeBufferPointer { cov in
                    u.withUnsafeMutableBufferPointer { u in
                        guard let cov = cov.baseAddress, let out = u.baseAddress else { return }
                        for f in 0..<m {
                            let c = index[f], vf = v[f]
                            var above = cov + c  // (r, c) for r < c, one row after the other
                            var r = 0
                            while r < c {
                                out[r] += vf * above.pointee
                                above += size &- r &- 1
                                r &+= 1
                            }
                            let row = cov + Self.rowOffset(c, capacity: size)
                            while r < n {
                                out[r] += vf * row[r]
                                r &+= 1
                            }
                        }
                        for f in 0..<m { phiU += v[f] * u[index[f]] }
                    }
                }
            }
        }
        let p = logistic(score)
        let s = weight * max(p * (1 - p), 1e-9)
        let denominator = 1 + s * phiU
        let c = s / denominator
        let step = weight * (min(max(y, 0), 1) - p) / denominator
        covariance.withUnsafeMutableBufferPointer { cov in
            weights.withUnsafeMutableBufferPointer { w in
                u.withUnsafeBufferPointer { u in
                    guard let cov = cov.baseAddress, let u = u.baseAddress else { return }
                    for r in 0..<n where u[r] != 0 {
                        // Wrapping index arithmetic and raw pointers: the loop vectorises.
                        let cr = c * u[r]
                        let row = cov + Self.rowOffset(r, capacity: size)
                        var k = r
                        while k < n {
                            row[k] -= cr * u[k]
                            k &+= 1
                        }
                        w[r] += step * u[r]
                    }
                }
            }
        }
        count += 1
    }

    /// Gives `id` a parameter: weight 0, prior variance `1/precision`, no covariance.
    private mutating func activate(_ id: Int) {
        let n = ids.count
        if n == capacity {
            let grown = capacity + 32
            var wider = [Double](repeating: 0, count: grown * (grown + 1) / 2)
            for r in 0..<n {
                let from = Self.rowOffset(r, capacity: capacity), to = Self.rowOffset(r, capacity: grown)
                for k in r..<n { wider[to + k] = covariance[from + k] }
            }
            covariance = wider
            capacity = grown
        }
        covariance[Self.rowOffset(n, capacity: capacity) + n] = 1 / precisions[id]
        slots[id] = Int32(n)
        ids.append(Int32(id))
        weights.append(0)
    }
}
