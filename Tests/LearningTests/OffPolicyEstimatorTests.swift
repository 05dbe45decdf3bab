import Learning
import Testing

/// The off-policy estimators on a five-decision log computed by hand.
///
/// | decision | logged | policy's picks (p = logged P(shown), h = holdout share) |
/// |---|---|---|
/// | 1 | treated | A shown, p 0.5, converted; value 100, μ_T 0.4, μ_C 0.1 |
/// | 2 | treated | A not shown; value 100, μ_T 0.3, μ_C 0.2 |
/// | 3 | control, h 0.25 | A converted (organically); value 100, μ_T 0.5, μ_C 0.2 |
/// | 4 | control, h 0.25 | nothing |
/// | 5 | treated | B shown, p 0.8, not converted; value 50, μ_T 0.5, μ_C 0.3 |
@Suite struct OffPolicyEstimatorTests {
    static let log: [OffPolicyDecision] = [
        OffPolicyDecision(picks: [
            OffPolicyPick(shownPropensity: 0.5, controlPropensity: nil, converted: 1, value: 100, muTreated: 0.4, muControl: 0.1)]),
        OffPolicyDecision(picks: [
            OffPolicyPick(shownPropensity: nil, controlPropensity: nil, converted: 0, value: 100, muTreated: 0.3, muControl: 0.2)]),
        OffPolicyDecision(picks: [
            OffPolicyPick(shownPropensity: nil, controlPropensity: 0.25, converted: 1, value: 100, muTreated: 0.5, muControl: 0.2)]),
        OffPolicyDecision(picks: []),
        OffPolicyDecision(picks: [
            OffPolicyPick(shownPropensity: 0.8, controlPropensity: nil, converted: 0, value: 50, muTreated: 0.5, muControl: 0.3)]),
    ]

    /// Per 1,000 decisions (n = 5):
    /// * IPS: conversions Σ y/p = 1/0.5 = 2 → 2/5 = 0.4; incremental 2 − 1/0.25 = −2 → −0.4;
    ///   revenue 100·2 − 100·4 = −200 → −40.
    /// * DR: per decision μ_T − μ_C + (y − μ_T)/p − (y − μ_C)/h: 0.3 + 1.2 = 1.5, 0.1,
    ///   0.3 − 3.2 = −2.9, 0, 0.2 − 0.625 = −0.425 → −1.725/5 = −0.345; conversions
    ///   0.4 + 1.2, 0.3, 0.5, 0, 0.5 − 0.625 → 2.275/5 = 0.455; revenue 150 + 10 − 290 − 21.25 → −30.25.
    /// * SNIPS: shown side Σ y/p ÷ Σ 1/p = 2/3.25, control side 4/4 = 1, k̄ = 4/5 picks per
    ///   decision: conversions 0.8·2/3.25, incremental 0.8·(2/3.25 − 1) = −1/3.25, revenue
    ///   0.8·(200/3.25 − 400/4) = −100/3.25.
    @Test(arguments: [
        (OffPolicyEstimator.ips, OffPolicyMetric.conversions, 400.0),
        (.ips, .incrementalConversions, -400),
        (.ips, .incrementalRevenue, -40_000),
        (.doublyRobust, .conversions, 455),
        (.doublyRobust, .incrementalConversions, -345),
        (.doublyRobust, .incrementalRevenue, -30_250),
        (.snips, .conversions, 1_600 / 3.25),
        (.snips, .incrementalConversions, -1_000 / 3.25),
        (.snips, .incrementalRevenue, -100_000 / 3.25),
    ])
    func handComputedEstimates(estimator: OffPolicyEstimator, metric: OffPolicyMetric, expected: Double) {
        let value = OffPolicyEvaluation(Self.log)[estimator, metric].value
        #expect(abs(value - expected) < 1e-9, "\(estimator) \(metric): \(value) ≠ \(expected)")
    }

    /// IPS conversions: per-decision terms 2000, 0, 0, 0, 0 (mean 400); deviations 1600 and four
    /// times −400: Σ² = 2,560,000 + 640,000 = 3,200,000; variance /4 = 800,000; SE = √(800,000/5) = 400.
    @Test func standardErrorAndIntervalFromTheInfluence() {
        let e = OffPolicyEvaluation(Self.log)[.ips, .conversions]
        #expect(abs(e.standardError - 400) < 1e-9)
        #expect(abs(e.interval.lower - (400 - 1.96 * 400)) < 1e-9 && abs(e.interval.upper - (400 + 1.96 * 400)) < 1e-9)
    }

    /// Weights 1/0.5 and 1/0.8: ESS = 3.25² / (4 + 1.5625); one shown match, one control match,
    /// one treated pick the logged policy did not show.
    @Test func effectiveSampleSizeAndMatches() {
        let e = OffPolicyEvaluation(Self.log)
        #expect(abs(e.effectiveSampleSize - 3.25 * 3.25 / 5.5625) < 1e-12)
        #expect(e.shownMatches == 2 && e.controlMatches == 1 && e.unmatchedTreatedPicks == 1 && e.decisions == 5)
    }

    /// Against a policy that shows nothing, the difference is the policy's own estimate with its
    /// own standard error; against itself it is 0 with no spread.
    @Test func pairedDifferences() {
        let e = OffPolicyEvaluation(Self.log)
        let nothing = OffPolicyEvaluation(Self.log.map { _ in OffPolicyDecision(picks: []) })
        for estimator in OffPolicyEstimator.allCases {
            for metric in OffPolicyMetric.allCases {
                let d = e.difference(from: nothing)[estimator]![metric]!
                #expect(abs(d.value - e[estimator, metric].value) < 1e-9)
                #expect(abs(d.standardError - e[estimator, metric].standardError) < 1e-9)
                let same = e.difference(from: e)[estimator]![metric]!
                #expect(same.value == 0 && same.standardError == 0)
            }
        }
    }
}
