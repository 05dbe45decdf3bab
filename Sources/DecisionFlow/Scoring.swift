import Foundation
import Learning
import Projection
import XSellCore

/// The factors of the PRIE-U score of one offer (guide §4 step 7).
public struct ScoreTerms: Sendable, Hashable {
    /// P: the propensity μ_T(x), 0–1 (0 when no learner was asked).
    public var propensity: Double
    /// R: the offer's relevance on the channel, 0–1.
    public var relevance: Double
    /// I: businessValue / 100.
    public var impact: Double
    /// E: priority / 100.
    public var emphasis: Double
    /// U = 2·σ(τ/0.05), 0–2 (1 when τ is 0 or the learner has too little data).
    public var upliftFactor: Double
    /// The product of the decays of failed match rules.
    public var fitMultiplier: Double

    /// Creates terms.
    public init(propensity: Double, relevance: Double, impact: Double, emphasis: Double, upliftFactor: Double, fitMultiplier: Double) {
        self.propensity = propensity
        self.relevance = relevance
        self.impact = impact
        self.emphasis = emphasis
        self.upliftFactor = upliftFactor
        self.fitMultiplier = fitMultiplier
    }

    /// `P^Wp · R^Wr · I^Wi · E^We · U^Wu · fitMultiplier`; a factor whose weight is 0 contributes 1.
    public func score(weights: FormulaWeights) -> Double {
        Self.power(propensity, weights.propensityWeight) * Self.power(relevance, weights.relevanceWeight)
            * Self.power(impact, weights.impactWeight) * Self.power(emphasis, weights.emphasisWeight)
            * Self.power(upliftFactor, weights.upliftWeight) * fitMultiplier
    }

    private static func power(_ base: Double, _ exponent: Double) -> Double {
        switch exponent {
        case 0: 1
        case 1: base
        default: Foundation.pow(max(base, 0), exponent)
        }
    }
}

/// How a flow scores on one channel, expressed as PRIE-U weights: `formula` uses the configured
/// weights (the channel's override if any), `propensity` is P alone (Wp = 1) and
/// `priority_weighted` is E alone (We = 1), each times `fitMultiplier`.
public struct ScoringPlan: Sendable, Hashable {
    /// The effective weights.
    public var weights: FormulaWeights

    /// Scores by priority alone: `(priority/100)·fitMultiplier`. The fallback when a learner
    /// cannot be used, and what `priority_fallback` control customers get.
    public static let priorityOnly = ScoringPlan(weights: FormulaWeights(
        propensityWeight: 0, relevanceWeight: 0, impactWeight: 0, emphasisWeight: 1, upliftWeight: 0))

    /// Scores by propensity alone: `P·fitMultiplier`.
    public static let propensityOnly = ScoringPlan(weights: FormulaWeights(
        propensityWeight: 1, relevanceWeight: 0, impactWeight: 0, emphasisWeight: 0, upliftWeight: 0))

    /// Creates a plan from explicit weights.
    public init(weights: FormulaWeights) {
        self.weights = weights
    }

    /// The plan of a score node on `channel`.
    public init(scoreNode: ScoreNode, channel: String) {
        switch scoreNode.method {
        case .priorityWeighted: self = .priorityOnly
        case .propensity: self = .propensityOnly
        case .formula: self = scoreNode.weights(forChannel: channel).map(ScoringPlan.init(weights:)) ?? .priorityOnly
        }
    }

    /// Whether the score reads the learners (P or U has a weight).
    public var needsLearner: Bool { weights.propensityWeight > 0 || weights.upliftWeight > 0 }

    /// The terms of `offer` given its fit, channel relevance and the learners' estimate (`nil`
    /// when none was asked for or none exists; P is then 0 and U is 1).
    public static func terms(offer: Offer, relevance: Double, fitMultiplier: Double, estimate: OfferEstimate?) -> ScoreTerms {
        ScoreTerms(
            propensity: estimate.map { min(max($0.propensity.value, 0), 1) } ?? 0,
            relevance: relevance,
            impact: offer.businessValue / 100,
            emphasis: Double(offer.priority) / 100,
            upliftFactor: estimate.map(upliftFactor(of:)) ?? 1,
            fitMultiplier: fitMultiplier)
    }

    /// U for an estimate: `UpliftFactor.value(tau:)` when the uplift rests on enough data, else 1.
    public static func upliftFactor(of estimate: OfferEstimate) -> Double {
        estimate.uplift.status == .ok ? UpliftFactor.value(tau: estimate.uplift.tau) : 1
    }
}

/// The order of the rank stage: higher score first, then higher priority, then offer id ascending.
public struct RankKey: Sendable, Hashable, Comparable {
    /// The score.
    public var score: Double
    /// The offer's priority.
    public var priority: Int
    /// The offer's id.
    public var offerId: String

    /// Creates a key.
    public init(score: Double, priority: Int, offerId: String) {
        self.score = score
        self.priority = priority
        self.offerId = offerId
    }

    /// Whether `lhs` ranks before `rhs`.
    public static func < (lhs: RankKey, rhs: RankKey) -> Bool {
        if lhs.score != rhs.score { return lhs.score > rhs.score }
        if lhs.priority != rhs.priority { return lhs.priority > rhs.priority }
        return lhs.offerId < rhs.offerId
    }

    /// The rank stage: `items` in rank order, split into the first `limit` and the rest.
    public static func rank<Item>(
        _ items: [Item], limit: Int, key: (Item) -> RankKey
    ) -> (kept: ArraySlice<Item>, cut: ArraySlice<Item>) {
        let ordered = items.sorted { key($0) < key($1) }
        let cut = min(max(limit, 0), ordered.count)
        return (ordered[..<cut], ordered[cut...])
    }
}
