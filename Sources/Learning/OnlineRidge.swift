/// Online ridge regression by recursive least squares (RLS) over a fixed `FeatureMap`.
///
/// After any sequence of updates the coefficients equal the exact (weighted) ridge solution
/// `θ = (λI + Σ wᵢ φᵢφᵢᵀ)⁻¹ Σ wᵢ φᵢ yᵢ` up to floating-point rounding: the state is the inverse
/// Gram matrix `P` and `θ`, updated with the Sherman–Morrison rank-one formula in `O(k²)` per
/// example (`k` = expanded dimension). Used for the X-learner's pseudo-outcome regressions
/// `τ_T` and `τ_C`, whose targets lie in `[-1, 1]`.
public struct OnlineRidge: Sendable, Codable, Equatable {
    /// Length of the raw input vectors.
    public let inputDimension: Int
    /// The feature expansion applied to the inputs.
    public let featureMap: FeatureMap
    /// The ridge penalty `λ` (prior precision of every coefficient).
    public let lambda: Double
    /// The coefficients, one per expanded feature (index 0 is the intercept).
    public private(set) var coefficients: [Double]
    /// The inverse regularised Gram matrix, row-major `k × k`.
    public private(set) var inverseGram: [Double]
    /// The number of examples learned from.
    public private(set) var count: Int
    /// The sum of the weights of the examples learned from.
    public private(set) var totalWeight: Double

    /// Creates an untrained regressor (it predicts 0 everywhere until updated).
    public init(inputDimension: Int, featureMap: FeatureMap = .linear, lambda: Double = 1) {
        precondition(lambda > 0, "ridge penalty must be positive")
        self.inputDimension = inputDimension
        self.featureMap = featureMap
        self.lambda = lambda
        let k = featureMap.dimension(inputDimension: inputDimension)
        self.coefficients = [Double](repeating: 0, count: k)
        var p = [Double](repeating: 0, count: k * k)
        for i in 0..<k { p[i * k + i] = 1 / lambda }
        self.inverseGram = p
        self.count = 0
        self.totalWeight = 0
    }

    /// `θ · φ(x)`. Allocation-free.
    @inlinable
    public func predict(x: [Double]) -> Double {
        featureMap.dot(coefficients, x, inputDimension: inputDimension)
    }

    /// One RLS step on `(x, y)` with weight `weight`. Non-finite targets and non-positive or
    /// non-finite weights are ignored.
    public mutating func update(x: [Double], y: Double, weight: Double = 1) {
        guard y.isFinite, weight.isFinite, weight > 0 else { return }
        learn(phi: featureMap.expand(x, inputDimension: inputDimension), y: y, weight: weight)
    }

    /// The step of `update` on an already expanded `φ(x)` (validated `y` and `weight`).
    mutating func learn(phi: [Double], y: Double, weight: Double) {
        var residual = y
        for i in phi.indices { residual -= coefficients[i] * phi[i] }
        let gain = RankOne.downdate(&inverseGram, phi: phi, scale: weight)
        let step = weight * residual
        for i in phi.indices { coefficients[i] += step * gain[i] }
        count += 1
        totalWeight += weight
    }
}

/// The Sherman–Morrison rank-one update shared by `OnlineRidge` and the Newton solver of
/// `LogisticRegression`.
enum RankOne {
    /// `P ← P − s·u·uᵀ / (1 + s·φᵀu)` with `u = Pφ` (P symmetric `k × k`, row-major), i.e. the
    /// inverse of `P⁻¹ + s·φφᵀ`. Returns the new `Pφ = u / (1 + s·φᵀu)`. P stays exactly
    /// symmetric: each off-diagonal pair is computed once and mirrored.
    static func downdate(_ p: inout [Double], phi: [Double], scale s: Double) -> [Double] {
        let k = phi.count
        var u = [Double](repeating: 0, count: k)
        for i in 0..<k {
            var sum = 0.0
            let row = i * k
            for j in 0..<k where phi[j] != 0 { sum += p[row + j] * phi[j] }
            u[i] = sum
        }
        var phiU = 0.0
        for i in 0..<k { phiU += phi[i] * u[i] }
        let denominator = 1 + s * phiU
        let c = s / denominator
        for i in 0..<k {
            let row = i * k
            for j in i..<k {
                let v = p[row + j] - c * (u[i] * u[j])
                p[row + j] = v
                p[j * k + i] = v
            }
        }
        for i in 0..<k { u[i] /= denominator }
        return u
    }
}
