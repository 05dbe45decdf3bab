import Foundation
import Learning
import Testing
import XSellCore
import XSellTestSupport

@Suite("Base learners")
struct LearnerTests {
    /// p = σ(−1 + 1.5·x₁ − 0.8·x₂), x₁ ∈ {0, 1}, x₂ ∈ U(−1, 1).
    static func trueProbability(_ x: [Double]) -> Double { sigmoid(-1 + 1.5 * x[0] - 0.8 * x[1]) }

    static func trainLinear(seed: UInt64, count: Int, solver: LogisticSolver = .default) -> LogisticRegression {
        var rng = SplitMix64(seed: seed)
        var learner = LogisticRegression(inputDimension: 2, solver: solver)
        for _ in 0..<count {
            let x = [rng.bernoulli(0.5), rng.uniform(-1, 1)]
            learner.update(x: x, y: rng.bernoulli(trueProbability(x)), weight: 1)
        }
        return learner
    }

    @Test(
        "logistic regression converges to known probabilities",
        arguments: [
            (LogisticSolver.default, 0.02, 0.1),
            (LogisticSolver.ftrl(FTRLSettings(alpha: 0.1)), 0.03, 0.15),
        ])
    func logisticConverges(solver: LogisticSolver, probabilityTolerance: Double, weightTolerance: Double) {
        let learner = Self.trainLinear(seed: 1, count: 40_000, solver: solver)
        #expect(learner.count == 40_000)
        for x in [[0.0, 0.0], [1.0, 0.0], [0.0, 0.9], [1.0, -0.9], [1.0, 0.5], [0.0, -0.5]] {
            let truth = Self.trueProbability(x)
            let p = learner.predict(x: x)
            #expect(abs(p - truth) < probabilityTolerance, "x=\(x) p=\(p) truth=\(truth)")
        }
        #expect(abs(learner.weights[0] + 1) < weightTolerance)
        #expect(abs(learner.weights[1] - 1.5) < weightTolerance)
        #expect(abs(learner.weights[2] + 0.8) < weightTolerance)
    }

    @Test("the Newton solver matches the batch ridge-penalised MLE closely")
    func newtonNearBatch() {
        // Fit the same 3,000 examples by 50 batch Newton iterations and compare.
        var rng = SplitMix64(seed: 9)
        var online = LogisticRegression(inputDimension: 2)
        var rows: [[Double]] = []
        var ys: [Double] = []
        for _ in 0..<3_000 {
            let x = [rng.bernoulli(0.5), rng.uniform(-1, 1)]
            let y = rng.bernoulli(Self.trueProbability(x))
            online.update(x: x, y: y, weight: 1)
            rows.append([1] + x)
            ys.append(y)
        }
        var w = [0.0, 0.0, 0.0]
        for _ in 0..<50 {
            var h = [[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]]
            var g = w  // gradient of ½‖w‖² + log-loss
            for (row, y) in zip(rows, ys) {
                let p = sigmoid(zip(w, row).reduce(0) { $0 + $1.0 * $1.1 })
                for i in 0..<3 {
                    g[i] += (p - y) * row[i]
                    for j in 0..<3 { h[i][j] += p * (1 - p) * row[i] * row[j] }
                }
            }
            w = zip(w, solve3(h, g)).map { $0 - $1 }
        }
        for i in 0..<3 { #expect(abs(online.weights[i] - w[i]) < 0.05, "w[\(i)] online \(online.weights[i]) batch \(w[i])") }
    }

    @Test("untrained learner predicts 0.5")
    func untrained() {
        let learner = LogisticRegression(inputDimension: 3, featureMap: .pairwise)
        #expect(learner.predict(x: [1, 2, 3]) == 0.5)
        #expect(learner.weights.count == 1 + 3 + 3)
    }

    @Test("pairwise features capture an interaction a linear model cannot")
    func pairwiseInteraction() {
        // p = σ(−1.5 + 2.5·x₁x₂) on binary x: only the (1,1) cell converts often.
        func truth(_ x: [Double]) -> Double { sigmoid(-1.5 + 2.5 * x[0] * x[1]) }
        var rng = SplitMix64(seed: 7)
        var linear = LogisticRegression(inputDimension: 2, featureMap: .linear)
        var pairwise = LogisticRegression(inputDimension: 2, featureMap: .pairwise)
        for _ in 0..<40_000 {
            let x = [rng.bernoulli(0.5), rng.bernoulli(0.5)]
            let y = rng.bernoulli(truth(x))
            linear.update(x: x, y: y, weight: 1)
            pairwise.update(x: x, y: y, weight: 1)
        }
        var worstLinear = 0.0
        for x in [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] {
            #expect(abs(pairwise.predict(x: x) - truth(x)) < 0.025, "cell \(x)")
            worstLinear = max(worstLinear, abs(linear.predict(x: x) - truth(x)))
        }
        #expect(worstLinear > 0.05)
    }

    @Test("binned features capture a non-monotone effect of a numeric")
    func binnedNumeric() {
        func truth(_ v: Double) -> Double { v < 0 ? 0.1 : (v < 0.5 ? 0.5 : 0.2) }
        var rng = SplitMix64(seed: 11)
        var learner = LogisticRegression(inputDimension: 1, featureMap: .binned(edges: [[0, 0.5]]))
        #expect(learner.weights.count == 4)
        for _ in 0..<30_000 {
            let v = rng.uniform(-1, 1)
            learner.update(x: [v], y: rng.bernoulli(truth(v)), weight: 1)
        }
        for v in [-0.7, -0.1, 0.2, 0.45, 0.6, 0.95] {
            #expect(abs(learner.predict(x: [v]) - truth(v)) < 0.03, "v=\(v)")
        }
    }

    @Test("feature map dot product equals the expanded vector's dot product")
    func dotMatchesExpand() {
        var rng = SplitMix64(seed: 3)
        let maps: [FeatureMap] = [.linear, .pairwise, .binned(edges: [[0], [], [-0.5, 0.5]])]
        for map in maps {
            let d = 4
            let k = map.dimension(inputDimension: d)
            let w = (0..<k).map { _ in rng.uniform(-1, 1) }
            for _ in 0..<20 {
                let x = (0..<d).map { _ in rng.bernoulli(0.3) == 1 ? 0 : rng.uniform(-1, 1) }
                let phi = map.expand(x, inputDimension: d)
                #expect(phi.count == k)
                let direct = zip(w, phi).reduce(0) { $0 + $1.0 * $1.1 }
                #expect(abs(map.dot(w, x, inputDimension: d) - direct) < 1e-12)
            }
        }
    }

    @Test("malformed inputs never produce NaN")
    func malformedInputs() {
        var learner = LogisticRegression(inputDimension: 2, featureMap: .pairwise)
        learner.update(x: [.nan, .infinity], y: 1, weight: 1)
        learner.update(x: [1], y: 0, weight: 1)  // short vector: padded with 0
        learner.update(x: [1, 1, 1, 1], y: 1, weight: 1)  // long vector: extra ignored
        learner.update(x: [1, 1], y: .nan, weight: 1)  // ignored
        learner.update(x: [1, 1], y: 1, weight: 0)  // ignored
        learner.update(x: [1, 1], y: 1, weight: -.infinity)  // ignored
        #expect(learner.count == 3)
        #expect(learner.weights.allSatisfy { $0.isFinite })
        #expect(learner.predict(x: [.nan, 2]).isFinite)
    }

    @Test("same updates give bit-identical parameters and survive a Codable round trip")
    func determinism() throws {
        let a = Self.trainLinear(seed: 42, count: 5_000)
        let b = Self.trainLinear(seed: 42, count: 5_000)
        #expect(a == b)
        #expect(bitIdentical(a.weights, b.weights) && bitIdentical(a.state, b.state))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(a)
        let dataB = try encoder.encode(b)
        #expect(dataB == data)
        let decoded = try JSONDecoder().decode(LogisticRegression.self, from: data)
        #expect(decoded == a)
        #expect(Self.trainLinear(seed: 43, count: 5_000) != a)
    }

    @Test("online ridge equals the closed-form ridge solution")
    func ridgeExact() {
        var rng = SplitMix64(seed: 5)
        let lambda = 2.0
        var ridge = OnlineRidge(inputDimension: 2, lambda: lambda)
        var rows: [[Double]] = []
        var targets: [Double] = []
        for _ in 0..<300 {
            let x = [rng.uniform(-1, 1), rng.bernoulli(0.4)]
            let y = 0.3 + 0.5 * x[0] - 0.2 * x[1] + rng.uniform(-0.1, 0.1)
            ridge.update(x: x, y: y, weight: 1)
            rows.append([1] + x)
            targets.append(y)
        }
        // Solve (λI + ΦᵀΦ) θ = Φᵀy.
        var a = [[Double]](repeating: [0, 0, 0], count: 3)
        var b = [0.0, 0.0, 0.0]
        for i in 0..<3 {
            a[i][i] = lambda
            for (row, y) in zip(rows, targets) {
                for j in 0..<3 { a[i][j] += row[i] * row[j] }
                b[i] += row[i] * y
            }
        }
        let theta = solve3(a, b)
        for i in 0..<3 { #expect(abs(ridge.coefficients[i] - theta[i]) < 1e-9) }
        #expect(abs(ridge.coefficients[1] - 0.5) < 0.05)
        #expect(abs(ridge.predict(x: [0.5, 1]) - (theta[0] + 0.5 * theta[1] + theta[2])) < 1e-9)
        #expect(ridge.count == 300)
    }

    @Test("a weight of 2 equals the same example twice for ridge (up to rounding)")
    func ridgeWeights() {
        var once = OnlineRidge(inputDimension: 1)
        var twice = OnlineRidge(inputDimension: 1)
        once.update(x: [0.5], y: 1, weight: 2)
        twice.update(x: [0.5], y: 1, weight: 1)
        twice.update(x: [0.5], y: 1, weight: 1)
        for i in 0..<2 { #expect(abs(once.coefficients[i] - twice.coefficients[i]) < 1e-12) }
    }
}

/// Solves the 3 × 3 system `a·x = b` by Gaussian elimination.
func solve3(_ a: [[Double]], _ b: [Double]) -> [Double] {
    var m = zip(a, b).map { $0 + [$1] }
    for c in 0..<3 {
        for r in (c + 1)..<3 {
            let f = m[r][c] / m[c][c]
            for j in c..<4 { m[r][j] -= f * m[c][j] }
        }
    }
    var x = [0.0, 0.0, 0.0]
    for r in stride(from: 2, through: 0, by: -1) {
        var s = m[r][3]
        for j in (r + 1)..<3 { s -= m[r][j] * x[j] }
        x[r] = s / m[r][r]
    }
    return x
}
