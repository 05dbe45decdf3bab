import Analytics
import ConfigLoading
import Learning
import XSellCore

/// The coverage study of `xsell-bench backtest-coverage` (docs/backtesting.md): logs drawn from a
/// small world with known conversion probabilities and known logging propensities, backtested
/// with ``BacktestEvaluation`` end to end (projection, candidate flows, labelling, estimators),
/// and each estimate compared with the candidate's true value on the same decisions.
///
/// The world: customers with `tenureMonths` 6–23, both offers eligible; "long tenure" (≥ 15)
/// customers respond to savings (τ 0.12, else 0.02), short-tenure ones to the card (τ 0.10, else
/// 0.01); organic rates μ_C savings 0.04, card 0.03 (0.06 for long tenure). One decision per
/// customer; 20% are held out at random; a treated customer is shown one offer, chosen
/// * `random`: savings or card with probability ½ each (logged propensity 0.8·½);
/// * `confounded`: savings with probability 0.8 for long tenure and 0.2 otherwise — the logging
///   policy already favours the better offer, so shown-offer rates are confounded with τ.
/// Each offer converts within 20 days with its probability (shown: μ_C + τ, else μ_C).
public enum BacktestCoverage {
    /// A logging design.
    public enum Design: String, Sendable, CaseIterable {
        /// Offer chosen uniformly among the eligible offers.
        case random
        /// Offer chosen with probabilities that depend on the customer's features.
        case confounded
        /// The synthetic bank's offline history (``simulatorRun(tutorial:seed:exposures:)``).
        case simulator
    }

    /// The true probabilities of the world.
    public struct Truth: Sendable {
        /// μ_C(x) of `offerId` for a customer with `tenure`.
        public static func muControl(_ offerId: String, tenure: Int) -> Double {
            offerId == savings ? 0.04 : (tenure >= 15 ? 0.06 : 0.03)
        }

        /// τ(x).
        public static func tau(_ offerId: String, tenure: Int) -> Double {
            offerId == savings ? (tenure >= 15 ? 0.12 : 0.02) : (tenure >= 15 ? 0.01 : 0.10)
        }
    }

    /// One backtest of one candidate on one seed's log.
    public struct Run: Sendable {
        /// Design and seed.
        public var design: Design, seed: UInt64
        /// The candidate's name.
        public var candidate: String
        /// The true incremental conversions and conversions per 1,000 evaluated decisions.
        public var trueIncremental: Double, trueConversions: Double
        /// The estimates.
        public var evaluation: OffPolicyEvaluation
    }

    static let savings = "savings", card = "card", holdoutShare = 0.2

    /// The world's configuration; `candidate` picks the flow: `targeted` shows savings to long-
    /// tenure and the card to short-tenure customers (rules), `learned` ranks by the learners'
    /// propensity and uplift (formula), `card` shows the card to everyone.
    public static func config(candidate: String) throws -> XSellConfig {
        let rules: String
        let score: String
        switch candidate {
        case "targeted":
            rules = """
                - { name: long tenure, type: attribute_condition, offer: savings, stage: eligibility, config: { attribute: customer.tenureMonths, operator: gte, value: 15 } }
                - { name: short tenure, type: attribute_condition, offer: card, stage: eligibility, config: { attribute: customer.tenureMonths, operator: lt, value: 15 } }
              """
            score = "{ type: score, method: priority_weighted }"
        case "card":
            rules = "  - { name: card only, type: attribute_condition, offer: savings, stage: eligibility, config: { attribute: customer.tenureMonths, operator: lt, value: 0 } }"
            score = "{ type: score, method: priority_weighted }"
        default:
            rules = ""
            score = """
                { type: score, method: formula, formula: { propensityWeight: 1, relevanceWeight: 0, impactWeight: 0, emphasisWeight: 0, upliftWeight: 2 } }
                """
        }
        return try ConfigLoader.load(yaml: """
            schema:
              name: customer
              fields:
                - { name: customer_id, type: varchar, unique: true }
                - { name: tenureMonths, type: integer }
                - { name: hasSavings, type: boolean }
                - { name: hasCreditCard, type: boolean }
            offers:
              - { id: savings, name: Savings, status: active, category: deposit, priority: 70, businessValue: 40, revenueValue: 40, holding: hasSavings }
              - { id: card, name: Card, status: active, category: credit, priority: 80, businessValue: 80, revenueValue: 90, holding: hasCreditCard }
            qualificationRules:
            \(rules.isEmpty ? "  []" : rules)
            channels:
              - { name: in_app, status: active, couplingMode: partial, impressionMode: implicit }
            flows:
              - key: cross-sell
                name: Cross-sell
                version: 1
                experiment: { enabled: true, holdoutPercent: 20, controlGroupAction: no_offers }
                nodes:
                  - { type: inventory }
                  - { type: enrich }
                  - { type: qualify }
                  - \(score)
                  - { type: rank, method: topN, maxCandidates: 1 }
            learning: { minTreated: 50, minControl: 20 }
            """, path: "<backtest-coverage:\(candidate)>")
    }

    /// A seed's log: profiles on day 0, `decisions` decisions over 100 days, their conversions,
    /// and a last profile on day 150 that closes every attribution window.
    public static func log(design: Design, seed: UInt64, decisions: Int) -> [DomainEvent] {
        var random = SimulationRandom(seed: seed &* 0x9E37_79B9 &+ (design == .random ? 1 : 2))
        let day = Timestamp.millisecondsPerDay
        func at(_ ms: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: 1_714_521_600_000 + ms) }
        var timed: [(Int64, DomainEvent)] = []
        for i in 0..<decisions {
            let id = "c\(i)", tenure = 6 + random.index(18)
            let features: [String: AttributeValue] = [
                "tenureMonths": .integer(Int64(tenure)), "hasSavings": .boolean(false), "hasCreditCard": .boolean(false),
            ]
            timed.append((0, .profile(ProfileEvent(eventId: "p-\(id)", customerId: id, occurredAt: at(0), attributes: features))))
            let t = day + Int64(i) * 100 * day / Int64(decisions)
            let control = random.bernoulli(holdoutShare)
            let q = design == .random ? 0.5 : (tenure >= 15 ? 0.8 : 0.2)
            let shown = control ? nil : (random.bernoulli(q) ? savings : card)
            let propensity = (1 - holdoutShare) * (shown == savings ? q : 1 - q)
            timed.append((t, .decision(DecisionEvent(
                eventId: "d-\(id)", occurredAt: at(t), customerId: id, recommendationId: "r-\(id)", interactionId: "i-\(id)",
                decisionFlowKey: "cross-sell", decisionFlowVersion: 1, channel: "in_app", arm: control ? .control : .treatment,
                candidates: [savings, card],
                decisions: shown.map { [DecisionEntry(offerId: $0, rank: 1, propensity: propensity)] } ?? [],
                features: features))))
            for offer in [savings, card] {
                let p = Truth.muControl(offer, tenure: tenure) + (offer == shown ? Truth.tau(offer, tenure: tenure) : 0)
                guard random.bernoulli(p) else { continue }
                let when = t + Int64(random.unit() * 20 * Double(day)) + 1
                timed.append((when, .interaction(InteractionEvent(
                    eventId: "x-\(id)-\(offer)", occurredAt: at(when), customerId: id, offerId: offer, channel: "in_app",
                    outcome: .conversion))))
            }
        }
        timed.append((150 * day, .profile(ProfileEvent(eventId: "tick", customerId: "clock", occurredAt: at(150 * day), attributes: [:]))))
        return timed.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element.1)
    }

    /// The decisions evaluated: from day 45 on, when the projection's learners (the DR direct
    /// model) have labelled data, as a backtest of the recent past would be run.
    public static let evaluatedFrom = Timestamp(millisecondsSinceEpoch: 1_714_521_600_000 + 45 * Timestamp.millisecondsPerDay)

    /// Backtests `candidates` on one seed's log and returns each candidate's estimates with its
    /// true value on the evaluated decisions.
    public static func run(design: Design, seed: UInt64, decisions: Int, candidates: [String]) throws -> [Run] {
        let policies = try candidates.map { (name: $0, config: try config(candidate: $0)) }
        return try runs(
            design: design, seed: seed, policies: policies, window: BacktestEvaluation.Window(from: evaluatedFrom),
            events: log(design: design, seed: seed, decisions: decisions)
        ) { d, offer in
            guard case .integer(let tenure)? = d.features?["tenureMonths"] else { return (0, 0) }
            let tau = Truth.tau(offer, tenure: Int(tenure))
            return (tau, tau + Truth.muControl(offer, tenure: Int(tenure)))
        }
    }
}

extension BacktestCoverage {
    /// Coverage and bias of one estimator for one design and candidate over its seeds.
    public struct Summary: Sendable {
        /// What was backtested.
        public var design: Design, candidate: String, estimator: OffPolicyEstimator
        /// Seeds, and those whose 95% CI contained the true value.
        public var seeds: Int, covered: Int
        /// Mean true value; mean (estimate − truth); mean CI half-width; mean effective sample size.
        public var truth: Double, bias: Double, halfWidth: Double, ess: Double

        /// `covered / seeds`.
        public var coverage: Double { Double(covered) / Double(max(seeds, 1)) }
        /// `bias / truth`.
        public var relativeBias: Double { truth != 0 ? bias / truth : 0 }
    }

    /// One summary per design, candidate and estimator, in that order, for `metric`.
    public static func summarize(_ runs: [Run], metric: OffPolicyMetric) -> [Summary] {
        var out: [Summary] = []
        for design in Design.allCases {
            var names: [String] = []
            for r in runs where r.design == design && !names.contains(r.candidate) { names.append(r.candidate) }
            for candidate in names {
                let group = runs.filter { $0.design == design && $0.candidate == candidate }
                let n = Double(group.count)
                for estimator in OffPolicyEstimator.allCases {
                    let truths = group.map { metric == .conversions ? $0.trueConversions : $0.trueIncremental }
                    let estimates = group.map { $0.evaluation[estimator, metric] }
                    out.append(Summary(
                        design: design, candidate: candidate, estimator: estimator, seeds: group.count,
                        covered: zip(estimates, truths).count { $0.interval.contains($1) },
                        truth: truths.reduce(0, +) / n,
                        bias: zip(estimates, truths).reduce(0) { $0 + $1.0.value - $1.1 } / n,
                        halfWidth: estimates.reduce(0) { $0 + ($1.interval.upper - $1.interval.lower) / 2 } / n,
                        ess: group.reduce(0) { $0 + $1.evaluation.effectiveSampleSize } / n))
                }
            }
        }
        return out
    }
}
