import Foundation
import Learning
import Testing
import XSellCore
import XSellTestSupport

@Suite("Bending learners")
struct BendingLearnerTests {
    static let layout = InputLayout(numeric: [0], flags: [1, 2], categories: [3..<6])

    @Test("the expansion visits unique ids, hats sum to 1, crosses are products")
    func expansionShape() {
        let expansion = BasisExpansion(inputDimension: 6, layout: Self.layout, knotSpacing: 0.1, knotCount: 11)
        for x in [[0.43, 1, 0, 0, 1, 0], [0.0, 0, 1, 1, 0, 0], [2.5, 1, 1, 0, 0, 1], [-1, 0, 0, 0, 0, 0], [.nan, 1, 0, 0, 0, 0]] {
            var seen: [(Int, Double)] = []
            expansion.forEach(x) { seen.append(($0, $1)) }
            #expect(Set(seen.map(\.0)).count == seen.count, "\(x)")
            #expect(seen.allSatisfy { $0.0 < expansion.dimension })
            let hats = seen.filter { expansion.block($0.0) == .spline }.map(\.1)
            #expect(abs(hats.reduce(0, +) - 1) < 1e-12, "\(x)")
            let crosses = seen.filter { expansion.block($0.0) == .cross }
            let binaries = [1, 2, 3, 4, 5].filter { x[$0] != 0 }.count
            let flags = [1, 2].filter { x[$0] != 0 }.count
            // Coarse knots every 0.4 up to 1.2: one hat on a knot or outside the grid, else two.
            let coarse = min(max(x[0].isFinite ? x[0] : 0, 0), 1.2) / 0.4
            let coarseHats = abs(coarse - coarse.rounded()) < 1e-9 ? 1 : 2
            // binary × flag (flag pairs once) and binary × the numeric's coarse hats
            #expect(crosses.count == binaries * flags - flags * (flags + 1) / 2 + binaries * coarseHats, "\(x)")
        }
    }

    @Test("the sparse Newton learner equals the dense one on the same features")
    func sparseEqualsDense() {
        var rng = SplitMix64(seed: 5)
        var dense = LogisticRegression(inputDimension: 3, featureMap: .linear, solver: .newton(priorPrecision: 2))
        var sparse = SparseLogistic(precisions: [2, 2, 2, 2])
        for _ in 0..<3_000 {
            let x = [rng.bernoulli(0.3), rng.uniform(-1, 1), rng.bernoulli(0.6)]
            let y = rng.bernoulli(sigmoid(-1 + 2 * x[0] - x[1] + 0.5 * x[2]))
            dense.update(x: x, y: y, weight: 1)
            let nonZero = [0, 1, 2].filter { x[$0] != 0 }
            sparse.update(ids: [0] + nonZero.map { $0 + 1 }, values: [1] + nonZero.map { x[$0] }, y: y)
        }
        for i in 0..<4 { #expect(abs(dense.weights[i] - sparse.weight(i)) < 1e-9, "weight \(i)") }
    }

    @Test("the sparse Newton learner equals the dense one past its first 32 ids (the packed covariance grows)")
    func sparseEqualsDenseWide() {
        var rng = SplitMix64(seed: 8)
        let d = 70
        var dense = LogisticRegression(inputDimension: d, featureMap: .linear, solver: .newton(priorPrecision: 2))
        var sparse = SparseLogistic(precisions: [Double](repeating: 2, count: d + 1))
        for i in 0..<2_000 {
            // Ids become active over time (feature j first non-zero around example 20·j), so
            // the triangle grows from 32 to 96 ids in the middle of learning.
            let x = (0..<d).map { j in i >= 20 * j && rng.bernoulli(0.2) == 1 ? rng.uniform(-1, 1) : 0 }
            let y = rng.bernoulli(sigmoid(-1 + x.prefix(10).reduce(0, +) - x.suffix(10).reduce(0, +)))
            dense.update(x: x, y: y, weight: 1)
            let nonZero = (0..<d).filter { x[$0] != 0 }
            sparse.update(ids: [0] + nonZero.map { $0 + 1 }, values: [1] + nonZero.map { x[$0] }, y: y)
        }
        for i in 0...d { #expect(abs(dense.weights[i] - sparse.weight(i)) < 1e-9, "weight \(i)") }
    }

    /// τ(x) is a bump in the numeric, and backfires past 0.6 for flag 1; μ_C steps up past 0.6.
    static func truth(_ x: [Double]) -> (control: Double, treated: Double) {
        let past = sigmoid((x[0] - 0.6) / 0.03)
        let control = sigmoid(-2.2 + 1.2 * past)
        let bump = exp(-pow((x[0] - 0.35) / 0.1, 2))
        let tau = 0.15 * bump - (x[1] == 1 ? 0.12 : 0) * past
        return (control, min(max(control + tau, 0.001), 0.999))
    }

    static func train(_ settings: UpliftLearnerSettings, count: Int) -> UpliftModel {
        var rng = SplitMix64(seed: 9)
        var model = UpliftModel(inputDimension: 6, settings: settings)
        for i in 0..<count {
            let tier = 3 + rng.below(3)
            var x = [rng.uniform(0.05, 0.95), rng.bernoulli(0.4), rng.bernoulli(0.5), 0, 0, 0]
            x[tier] = 1
            let treated = rng.uniform() < 0.8
            let (c, t) = truth(x)
            model.update(x: x, treated: treated, y: rng.bernoulli(treated ? t : c), atMillis: Int64(i))
        }
        return model
    }

    @Test("bending learners recover a bump and a flag interaction that the linear learner misses")
    func bendsWhereLinearCannot() {
        var rng = SplitMix64(seed: 10)
        let probes = (0..<400).map { _ in [rng.uniform(0.05, 0.95), rng.bernoulli(0.4), rng.bernoulli(0.5), 1, 0, 0] }
        func rmse(_ model: UpliftModel) -> Double {
            let squared = probes.map { x -> Double in
                let (c, t) = Self.truth(x)
                let e = model.estimate(x: x).rawTau - (t - c)
                return e * e
            }
            return (squared.reduce(0, +) / Double(probes.count)).squareRoot()
        }
        let linear = rmse(Self.train(.linear, count: 15_000))
        let shared = rmse(Self.train(UpliftLearnerSettings(bending: BendingSettings(layout: Self.layout)), count: 15_000))
        let perArm = rmse(Self.train(
            UpliftLearnerSettings(bending: BendingSettings(layout: Self.layout, sharedBase: false)), count: 15_000))
        #expect(shared < 0.7 * linear, "shared \(shared) linear \(linear)")
        #expect(perArm < 0.8 * linear, "per-arm \(perArm) linear \(linear)")
        #expect(shared < 0.04, "shared \(shared)")
    }

    @Test("a bending model is a pure function of its updates and survives a Codable round trip")
    func deterministicAndCodable() throws {
        let settings = UpliftLearnerSettings(bending: BendingSettings(layout: Self.layout))
        let a = Self.train(settings, count: 2_000), b = Self.train(settings, count: 2_000)
        #expect(a == b)
        let decoded = try JSONDecoder().decode(UpliftModel.self, from: JSONEncoder().encode(a))
        #expect(decoded == a)
        let x = [0.3, 1, 0, 0, 1, 0]
        #expect(decoded.estimate(x: x) == a.estimate(x: x))
    }
}
