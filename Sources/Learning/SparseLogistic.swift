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
    /// The inverse regularised Hessian over the active ids, row-major with row length `stride`.
    private(set) var covariance: [Double]
    /// Row length of `covariance` (capacity in ids, grown in steps of 32).
    private(set) var stride: Int
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
        stride = 0
        count = 0
    }

    /// The weight of `id` (0 for an id never seen).
    @inlinable
    public func weight(_ id: Int) -> Double {
        let s = slots[id]
        return s < 0 ? 0 : weights[Int(s)]
    }

    /// One Newton step on the log-loss of the example whose non-zero features are `values` at
    /// `ids` (unique, in range), label `y ∈ [0, 1]`, scaled by `weight`.
    public mutating func update(ids featureIds: [Int], values: [Double], y: Double, weight: Double = 1) {
        guard y.isFinite, weight.isFinite, weight > 0, featureIds.count == values.count else { return }
        for id in featureIds where slots[id] < 0 { activate(id) }
        let index = featureIds.map { Int(slots[$0]) }
        let n = ids.count, width = stride, m = index.count
        var u = [Double](repeating: 0, count: n)
        var score = 0.0, phiU = 0.0
        index.withUnsafeBufferPointer { index in
            values.withUnsafeBufferPointer { v in
                weights.withUnsafeBufferPointer { w in
                    for f in 0..<m { score += w[index[f]] * v[f] }
                }
                covariance.withUnsafeBufferPointer { cov in
                    u.withUnsafeMutableBufferPointer { u in
                        for r in 0..<n {
                            let row = r * width
                            var sum = 0.0
                            for f in 0..<m { sum += cov[row + index[f]] * v[f] }
                            u[r] = sum
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
                    for r in 0..<n where u[r] != 0 {
                        let cr = c * u[r]
                        let row = r * width
                        for k in 0..<n { cov[row + k] -= cr * u[k] }
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
        if n == stride {
            let grown = stride + 32
            var wider = [Double](repeating: 0, count: grown * grown)
            for r in 0..<n {
                for k in 0..<n { wider[r * grown + k] = covariance[r * stride + k] }
            }
            covariance = wider
            stride = grown
        }
        covariance[n * stride + n] = 1 / precisions[id]
        slots[id] = Int32(n)
        ids.append(Int32(id))
        weights.append(0)
    }
}
