import XSellCore
import Foundation
import Learning
import Testing

@Suite("Experiment statistics")
struct ExperimentStatisticsTests {
    @Test("120/1000 vs 80/1000 against hand-computed values")
    func handComputed() throws {
        let s = ExperimentStatistics(
            treatedConversions: 120, treatedCount: 1000, controlConversions: 80, controlCount: 1000,
            revenueValue: 250)
        #expect(s.treatedRate == 0.12 && s.controlRate == 0.08)
        let diff = try #require(s.absoluteUplift)
        #expect(abs(diff - 0.04) < 1e-15)
        #expect(abs(try #require(s.relativeUplift) - 0.5) < 1e-12)
        #expect(abs(try #require(s.pooledRate) - 0.1) < 1e-15)
        // SE_pooled = √(0.1·0.9·(2/1000))
        #expect(abs(try #require(s.pooledStandardError) - 0.013416407864998738) < 1e-12)
        #expect(abs(try #require(s.zScore) - 2.9814239699997196) < 1e-9)
        #expect(abs(try #require(s.pValue) - 0.00286911279207662) < 1e-9)
        #expect(s.isSignificant())
        #expect(!s.isSignificant(alpha: 0.001))
        // CI = 0.04 ± 1.96·√(.12·.88/1000 + .08·.92/1000)
        let se = (0.12 * 0.88 / 1000 + 0.08 * 0.92 / 1000).squareRoot()
        #expect(abs(try #require(s.standardError) - 0.01338656042454521) < 1e-12)
        let ci = try #require(s.differenceInterval)
        #expect(abs(ci.lower - (0.04 - 1.959963984540054 * se)) < 1e-12)
        #expect(abs(ci.upper - (0.04 + 0.026237176308977827)) < 1e-12)
        #expect(abs(try #require(s.incrementalConversions) - 40) < 1e-9)
        let ic = try #require(s.incrementalConversionsInterval)
        #expect(abs(ic.lower - 13.762823691022) < 1e-6 && abs(ic.upper - 66.237176308978) < 1e-6)
        #expect(abs(try #require(s.incrementalRevenue) - 10_000) < 1e-6)
        let ir = try #require(s.incrementalRevenueInterval)
        #expect(abs(ir.lower - 250 * ic.lower) < 1e-6 && abs(ir.upper - 250 * ic.upper) < 1e-6)
    }

    @Test("normal CDF and p-values")
    func normal() {
        #expect(Normal.cdf(0) == 0.5)
        #expect(abs(Normal.cdf(1.959963984540054) - 0.975) < 1e-12)
        #expect(abs(Normal.cdf(-1) - 0.15865525393145707) < 1e-12)
        #expect(abs(Normal.twoSidedPValue(1.959963984540054) - 0.05) < 1e-12)
        #expect(Normal.twoSidedPValue(0) == 1)
        #expect(Normal.twoSidedPValue(-3) == Normal.twoSidedPValue(3))
    }

    @Test("empty arms give nil, never NaN")
    func emptyArms() {
        let s = ExperimentStatistics(treatedConversions: 0, treatedCount: 0, controlConversions: 5, controlCount: 100)
        #expect(s.treatedRate == nil && s.controlRate == 0.05)
        #expect(s.absoluteUplift == nil && s.zScore == nil && s.pValue == nil && s.differenceInterval == nil)
        #expect(s.incrementalConversions == nil && s.incrementalRevenue == nil)
        #expect(!s.isSignificant())
        let none = ExperimentStatistics(treatedConversions: 3, treatedCount: -1, controlConversions: 0, controlCount: 0)
        #expect(none.treatedCount == 0 && none.treatedConversions == 0 && none.treatedRate == nil)
    }

    @Test("no conversions anywhere: difference 0, z undefined, degenerate CI")
    func zeroConversions() throws {
        let s = ExperimentStatistics(treatedConversions: 0, treatedCount: 500, controlConversions: 0, controlCount: 50)
        #expect(s.absoluteUplift == 0)
        #expect(s.relativeUplift == nil)  // control rate 0
        #expect(s.pooledStandardError == 0)
        #expect(s.zScore == nil && s.pValue == nil)
        #expect(s.differenceInterval == ConfidenceInterval(lower: 0, upper: 0))
        #expect(s.incrementalConversions == 0)
        let all = ExperimentStatistics(treatedConversions: 10, treatedCount: 10, controlConversions: 4, controlCount: 4)
        #expect(all.zScore == nil && all.relativeUplift == 0)
    }

    @Test("negative uplift and conversions capped at exposures")
    func negativeAndCapped() throws {
        let s = ExperimentStatistics(treatedConversions: 80, treatedCount: 1000, controlConversions: 120, controlCount: 1000)
        #expect(try #require(s.zScore) < -2.9)
        let ic = try #require(s.incrementalConversionsInterval)
        #expect(ic.lower < ic.upper && ic.upper < 0)
        let refund = ExperimentStatistics(
            treatedConversions: 120, treatedCount: 1000, controlConversions: 80, controlCount: 1000, revenueValue: -10)
        let ir = try #require(refund.incrementalRevenueInterval)
        #expect(ir.lower <= ir.upper)
        let capped = ExperimentStatistics(treatedConversions: 20, treatedCount: 10, controlConversions: 0, controlCount: 10)
        #expect(capped.treatedConversions == 10 && capped.treatedRate == 1)
    }
}

@Suite("Propensity shrinkage")
struct PropensityTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let offerRate: Double?
        let offerN: Int
        let categoryRate: Double?
        let categoryN: Int
        let globalRate: Double?
        let globalN: Int
        let model: Double?
        let expected: Double
        let source: PropensitySource
        var description: String { name }
    }

    // global = (90·0.2 + 10·0.5)/100 = 0.23; category = (40·0.1 + 10·0.23)/50 = 0.126
    static let cases: [Case] = [
        Case(name: "nothing known → 0.5", offerRate: nil, offerN: 0, categoryRate: nil, categoryN: 0,
             globalRate: nil, globalN: 0, model: nil, expected: 0.5, source: .prior),
        Case(name: "global only", offerRate: nil, offerN: 0, categoryRate: nil, categoryN: 0,
             globalRate: 0.2, globalN: 90, model: nil, expected: 0.23, source: .prior),
        Case(name: "category shrunk to global", offerRate: nil, offerN: 0, categoryRate: 0.1, categoryN: 40,
             globalRate: 0.2, globalN: 90, model: nil, expected: 0.126, source: .prior),
        Case(name: "offer rate shrunk", offerRate: 0.3, offerN: 10, categoryRate: 0.1, categoryN: 40,
             globalRate: 0.2, globalN: 90, model: nil, expected: (3 + 1.26) / 20, source: .shrunk),
        Case(name: "model shrunk", offerRate: 0.3, offerN: 10, categoryRate: 0.1, categoryN: 40,
             globalRate: 0.2, globalN: 90, model: 0.4, expected: (4 + 1.26) / 20, source: .shrunk),
        Case(name: "49 exposures still shrunk", offerRate: 0.3, offerN: 49, categoryRate: 0.1, categoryN: 40,
             globalRate: 0.2, globalN: 90, model: 0.4, expected: (49 * 0.4 + 1.26) / 59, source: .shrunk),
        Case(name: "50 exposures: the model as is", offerRate: 0.3, offerN: 50, categoryRate: 0.1, categoryN: 40,
             globalRate: 0.2, globalN: 90, model: 0.4, expected: 0.4, source: .model),
        Case(name: "50 exposures, no model: offer rate", offerRate: 0.3, offerN: 50, categoryRate: 0.1, categoryN: 40,
             globalRate: 0.2, globalN: 90, model: nil, expected: 0.3, source: .model),
        Case(name: "0 exposures with a model: category", offerRate: nil, offerN: 0, categoryRate: 0.1, categoryN: 40,
             globalRate: 0.2, globalN: 90, model: 0.9, expected: 0.126, source: .shrunk),
        Case(name: "NaN rates count as missing", offerRate: .nan, offerN: 5, categoryRate: .nan, categoryN: 40,
             globalRate: 0.2, globalN: 90, model: nil, expected: 0.23, source: .prior),
        Case(name: "rates clamped to [0, 1]", offerRate: 1.5, offerN: 10, categoryRate: nil, categoryN: 0,
             globalRate: nil, globalN: 0, model: nil, expected: (10 + 5) / 20, source: .shrunk),
    ]

    @Test("shrinkage table", arguments: cases)
    func table(c: Case) {
        let b = Propensity.breakdown(
            offerRate: c.offerRate, offerN: c.offerN, categoryRate: c.categoryRate, categoryN: c.categoryN,
            globalRate: c.globalRate, globalN: c.globalN, model: c.model)
        #expect(abs(b.value - c.expected) < 1e-12, "\(c.name): \(b.value) vs \(c.expected)")
        #expect(b.source == c.source)
        let p = Propensity.shrunk(
            offerRate: c.offerRate, offerN: c.offerN, categoryRate: c.categoryRate, categoryN: c.categoryN,
            globalRate: c.globalRate, globalN: c.globalN, model: c.model)
        #expect(p == b.value)
    }

    @Test("intermediate levels are reported")
    func levels() {
        let b = Propensity.breakdown(
            offerRate: nil, offerN: 0, categoryRate: 0.1, categoryN: 40, globalRate: 0.2, globalN: 90)
        #expect(abs(b.globalShrunk - 0.23) < 1e-12 && abs(b.categoryShrunk - 0.126) < 1e-12)
    }
}

@Suite("Segments and uplift factor")
struct SegmentTests {
    @Test(
        "segment boundaries",
        arguments: [
            (0.051, 0.5, UpliftSegment.persuadable),
            (0.05, 0.5, .sureThing),
            (0.0, 0.0, .sureThing),
            (-0.05, 0.5, .sureThing),
            (-0.051, 0.10, .sleepingDog),
            (-0.051, 0.0999, .lostCause),
            (-0.3, 0.6, .sleepingDog),
            (Double.nan, 0.5, .uncertain),
        ])
    func boundaries(tau: Double, muControl: Double, expected: UpliftSegment) {
        #expect(UpliftSegment.classify(tau: tau, muControl: muControl, parameters: UpliftParameters()) == expected)
    }

    @Test("raw values match the configuration vocabulary")
    func rawValues() {
        #expect(UpliftMethod(rawValue: "x_learner") == .xLearner)
        #expect(UpliftMethod(rawValue: "t_learner") == .tLearner)
        #expect(UpliftSegment.allCases.map(\.rawValue) == ["persuadable", "sure_thing", "lost_cause", "sleeping_dog", "uncertain"])
    }

    @Test("uplift factor U = 2·σ(τ/0.05)")
    func factor() {
        #expect(UpliftFactor.value(tau: 0) == 1)
        #expect(abs(UpliftFactor.value(tau: 0.05) - 1.4621171572600098) < 1e-12)
        #expect(abs(UpliftFactor.value(tau: -0.05) - 0.5378828427399902) < 1e-12)
        #expect(UpliftFactor.value(tau: -1) < 1e-8)
        #expect(UpliftFactor.value(tau: 1) > 1.99999999)
        #expect(UpliftFactor.value(tau: .nan) == 1)
        for tau in [0.01, 0.03, 0.2] {
            #expect(abs(UpliftFactor.value(tau: tau) + UpliftFactor.value(tau: -tau) - 2) < 1e-12)
        }
    }
}
