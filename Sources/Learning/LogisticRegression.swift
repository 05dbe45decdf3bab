import Foundation

/// An online learner of a conversion probability `P(y = 1 | x)` on dense feature vectors.
///
/// Implementations are value types whose state is a deterministic function of the sequence of
/// `update` calls: the same sequence gives bit-identical parameters.
public protocol BinaryLearner: Sendable {
    /// Learns from one labelled example. `y` is the outcome in `[0, 1]` (normally `0` or `1`);
    /// `weight` scales the example's influence (`1` for an ordinary example). Examples with a
    /// non-finite or non-positive weight, or a non-finite `y`, are ignored.
    mutating func update(x: [Double], y: Double, weight: Double)
    /// The current estimate of `P(y = 1 | x)`, in `(0, 1)`.
    func predict(x: [Double]) -> Double
    /// The number of examples learned from.
    var count: Int { get }
}

/// The logistic function `σ(z) = 1 / (1 + e^(−z))`, clamped so it never returns exactly 0 or 1.
@inlinable
public func logistic(_ z: Double) -> Double {
    let c = min(max(z, -35), 35)
    return 1 / (1 + exp(-c))
}

/// Settings of the FTRL-proximal update (McMahan et al. 2013, "Ad click prediction").
public struct FTRLSettings: Sendable, Codable, Equatable, Hashable {
    /// Per-coordinate learning-rate scale `α`.
    public var alpha: Double
    /// Learning-rate smoothing `β` (the rate is `α / (β + √Σg²)`).
    public var beta: Double
    /// L1 penalty `λ₁` (sparsity; `0` keeps every weight).
    public var l1: Double
    /// L2 penalty `λ₂` (shrinks every weight, including the intercept, towards 0).
    public var l2: Double

    /// Creates FTRL settings; the defaults suit dense inputs scaled to roughly `[-1, 1]`.
    public init(alpha: Double = 0.3, beta: Double = 1, l1: Double = 0, l2: Double = 1) {
        self.alpha = alpha
        self.beta = beta
        self.l1 = l1
        self.l2 = l2
    }
}

/// How `LogisticRegression` takes a step.
public enum LogisticSolver: Sendable, Codable, Equatable, Hashable {
    /// Per-update Newton step (online IRLS / extended Kalman filter): keeps the inverse of the
    /// regularised Hessian `P = (λI + Σ wᵢ pᵢ(1−pᵢ) φᵢφᵢᵀ)⁻¹`, updated by Sherman–Morrison with
    /// the curvature at the current weights, and steps `Δw = w·(y − p)·P φ`. Close to the batch
    /// ridge-penalised MLE after a few hundred examples; `O(k²)` time and memory.
    case newton(priorPrecision: Double)
    /// FTRL-proximal per-coordinate steps: `O(k)` time and memory, suited to wide expansions,
    /// but noisier probability estimates than `newton` for the same data.
    case ftrl(FTRLSettings)

    /// `newton(priorPrecision: 1)`.
    public static let `default` = LogisticSolver.newton(priorPrecision: 1)
}

/// Regularised online logistic regression over a fixed `FeatureMap`.
///
/// With `.linear` it is plain logistic regression; with `.pairwise` or `.binned` it captures
/// interactions and non-linear effects of numerics at the cost of a larger weight vector.
/// Weights are materialised after each update, so `predict` is one allocation-free dot product.
public struct LogisticRegression: BinaryLearner, Codable, Equatable {
    /// Length of the raw input vectors.
    public let inputDimension: Int
    /// The feature expansion applied to the inputs.
    public let featureMap: FeatureMap
    /// The update rule.
    public let solver: LogisticSolver
    /// The current weights, one per expanded feature (index 0 is the intercept).
    public private(set) var weights: [Double]
    /// Solver state: FTRL `z` and `n` accumulators (`2k` values), or the Newton solver's inverse
    /// Hessian (`k × k`, row-major).
    public private(set) var state: [Double]
    /// The number of examples learned from.
    public private(set) var count: Int
    /// The sum of the weights of the examples learned from.
    public private(set) var totalWeight: Double

    /// Creates an untrained learner (it predicts 0.5 everywhere until updated).
    public init(inputDimension: Int, featureMap: FeatureMap = .linear, solver: LogisticSolver = .default) {
        self.inputDimension = inputDimension
        self.featureMap = featureMap
        self.solver = solver
        let k = featureMap.dimension(inputDimension: inputDimension)
        self.weights = [Double](repeating: 0, count: k)
        switch solver {
        case .newton(let lambda):
            precondition(lambda > 0 && lambda.isFinite, "prior precision must be positive")
            var p = [Double](repeating: 0, count: k * k)
            for i in 0..<k { p[i * k + i] = 1 / lambda }
            self.state = p
        case .ftrl:
            self.state = [Double](repeating: 0, count: 2 * k)
        }
        self.count = 0
        self.totalWeight = 0
    }

    /// The linear score `w · φ(x)` (log-odds).
    @inlinable
    public func logit(x: [Double]) -> Double {
        featureMap.dot(weights, x, inputDimension: inputDimension)
    }

    /// `σ(w · φ(x))`. Allocation-free.
    @inlinable
    public func predict(x: [Double]) -> Double {
        logistic(logit(x: x))
    }

    /// One solver step on the log-loss of `(x, y)` scaled by `weight`.
    public mutating func update(x: [Double], y: Double, weight: Double = 1) {
        guard y.isFinite, weight.isFinite, weight > 0 else { return }
        learn(phi: featureMap.expand(x, inputDimension: inputDimension), y: y, weight: weight)
    }

    /// The step of `update` on an already expanded `φ(x)` (validated `y` and `weight`).
    mutating func learn(phi: [Double], y: Double, weight: Double) {
        let target = min(max(y, 0), 1)
        var score = 0.0
        for i in phi.indices { score += weights[i] * phi[i] }
        let p = logistic(score)
        switch solver {
        case .newton:
            let curvature = max(p * (1 - p), 1e-9)
            let gain = RankOne.downdate(&state, phi: phi, scale: weight * curvature)
            let step = weight * (target - p)
            for i in phi.indices { weights[i] += step * gain[i] }
        case .ftrl(let settings):
            ftrlStep(phi: phi, scale: weight * (p - target), settings: settings)
        }
        count += 1
        totalWeight += weight
    }

    private mutating func ftrlStep(phi: [Double], scale: Double, settings: FTRLSettings) {
        let k = phi.count
        let a = settings.alpha, b = settings.beta, l1 = settings.l1, l2 = settings.l2
        for i in phi.indices where phi[i] != 0 {
            let g = scale * phi[i]
            let n0 = state[k + i]
            let n1 = n0 + g * g
            let sigma = (n1.squareRoot() - n0.squareRoot()) / a
            let zi = state[i] + g - sigma * weights[i]
            state[i] = zi
            state[k + i] = n1
            if abs(zi) <= l1 {
                weights[i] = 0
            } else {
                let sign: Double = zi < 0 ? -1 : 1
                weights[i] = -(zi - sign * l1) / ((b + n1.squareRoot()) / a + l2)
            }
        }
    }
}
