import DecisionFlow
import Learning
import Testing
import XSellCore

@Suite struct ScoringTests {
    static let tutorialWeights = FormulaWeights(
        propensityWeight: 0.4, relevanceWeight: 0.15, impactWeight: 0.35, emphasisWeight: 0.1, upliftWeight: 0.5)

    @Test(arguments: [
        // P, R, I, E, U, fit → hand-computed P^.4·R^.15·I^.35·E^.1·U^.5·fit
        (0.5, 0.8, 0.8, 0.8, 1.0, 1.0, 0.6628908034679973),
        (0.3, 0.5, 0.4, 0.7, 1.4621171572600098, 0.5, 0.23571428046717882),
        (0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0),
        (1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 0.0),
        (1.0, 1.0, 1.0, 1.0, 1.0, 0.25, 0.25),
    ])
    func formulaValues(p: Double, r: Double, i: Double, e: Double, u: Double, fit: Double, expected: Double) {
        let terms = ScoreTerms(propensity: p, relevance: r, impact: i, emphasis: e, upliftFactor: u, fitMultiplier: fit)
        #expect(abs(terms.score(weights: Self.tutorialWeights) - expected) < 1e-12)
    }

    @Test func zeroUpliftWeightIsPlainPRIE() {
        var weights = Self.tutorialWeights
        weights.upliftWeight = 0
        let sleepingDog = ScoreTerms(propensity: 0.5, relevance: 0.8, impact: 0.8, emphasis: 0.8, upliftFactor: 0, fitMultiplier: 1)
        #expect(abs(sleepingDog.score(weights: weights) - 0.6628908034679973) < 1e-12)
    }

    @Test(arguments: [
        (0.0, UpliftStatus.ok, 1.0), (0.05, .ok, 1.4621171572600098), (1.0, .ok, 2.0), (-1.0, .ok, 0.0),
        (1.0, .insufficientData, 1.0), (-1.0, .insufficientData, 1.0),
    ])
    func upliftFactor(tau: Double, status: UpliftStatus, expected: Double) {
        let factor = ScoringPlan.upliftFactor(of: Fixture.estimate(p: 0.5, tau: tau, status: status))
        #expect(abs(factor - expected) < 1e-6)
    }

    @Test func methodsAsWeights() {
        let offer = Fixture.offer("o", priority: 80, businessValue: 40, channels: ["email": 0.5])
        let terms = ScoringPlan.terms(offer: offer, relevance: offer.relevance(on: "email"), fitMultiplier: 0.5,
                                      estimate: Fixture.estimate(p: 0.3, tau: 0.05))
        #expect(terms == ScoreTerms(propensity: 0.3, relevance: 0.5, impact: 0.4, emphasis: 0.8,
                                    upliftFactor: 1.4621171572600098, fitMultiplier: 0.5))
        let priorityWeighted = ScoringPlan(scoreNode: ScoreNode(method: .priorityWeighted), channel: "email")
        let propensity = ScoringPlan(scoreNode: ScoreNode(method: .propensity), channel: "email")
        #expect(abs(terms.score(weights: priorityWeighted.weights) - 0.4) < 1e-12)
        #expect(abs(terms.score(weights: propensity.weights) - 0.15) < 1e-12)
        #expect(!priorityWeighted.needsLearner && propensity.needsLearner)
        #expect(ScoringPlan(scoreNode: ScoreNode(method: .formula, formula: Self.tutorialWeights), channel: "email").needsLearner)
    }

    @Test func noEstimateMeansNoPropensityAndNeutralUplift() {
        let terms = ScoringPlan.terms(offer: Fixture.offer("o"), relevance: 1, fitMultiplier: 1, estimate: nil)
        #expect(terms.propensity == 0 && terms.upliftFactor == 1)
    }

    @Test func overridesPerChannel() {
        let inApp = FormulaWeights(propensityWeight: 0, relevanceWeight: 0, impactWeight: 1, emphasisWeight: 0, upliftWeight: 0)
        let node = ScoreNode(method: .formula, formula: Self.tutorialWeights, overrides: [ScoreOverride(channel: "in_app", formula: inApp)])
        #expect(ScoringPlan(scoreNode: node, channel: "in_app").weights == inApp)
        #expect(ScoringPlan(scoreNode: node, channel: "email").weights == Self.tutorialWeights)
    }

    @Test func ranksByScoreThenPriorityThenId() {
        let keys = [
            RankKey(score: 0.5, priority: 10, offerId: "b"), RankKey(score: 0.5, priority: 10, offerId: "a"),
            RankKey(score: 0.5, priority: 90, offerId: "z"), RankKey(score: 0.9, priority: 1, offerId: "y"),
        ]
        let ranked = RankKey.rank(keys, limit: 3) { $0 }
        #expect(ranked.kept.map(\.offerId) == ["y", "z", "a"])
        #expect(ranked.cut.map(\.offerId) == ["b"])
        #expect(RankKey.rank(keys, limit: 10) { $0 }.cut.isEmpty)
    }
}
