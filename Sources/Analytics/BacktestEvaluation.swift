import DecisionFlow
import Learning
import Projection
import XSellCore

/// `xsell backtest`: an off-policy evaluation of candidate configurations on the logged decisions
/// (docs/backtesting.md).
///
/// One pass over the log folds the projection record by record; at every logged decision in the
/// window, each policy's flow decides for the same customer, channel and flow from the state as of
/// that log position (no look-ahead), with its own holdout switched off (a policy is judged by
/// what it shows). Each offer it picks is matched with what the log observed:
///
/// * the logged decision showed the offer: its outcome if shown, with the logged probability
///   `decisions[].propensity` (the flow's observed treatment share when the producer logged none);
/// * the logged decision was a randomised control that did not show it: its outcome if not shown,
///   with the flow's observed control share as probability;
/// * otherwise (treated, logged policy showed something else) nothing was observed; only the
///   doubly robust estimator's direct model speaks for such picks, and many of them raise a warning.
///
/// Outcomes follow the projection's labelling rule (ADR 0003) over the whole log: a conversion
/// labels the latest exposure of its customer × offer still open in the attribution window, so one
/// conversion labels at most one decision. Exposures are the shown offers of every decision and,
/// for control decisions, the eligible candidates and every offer a policy picked there. Decisions
/// whose window is still open at the log's clock are not evaluated. The direct model of the doubly
/// robust estimator is the projection's μ_T/μ_C for the decision's features at that position,
/// where the offer's learner has its minimum sample sizes (elsewhere 0: DR is then IPS).
public enum BacktestEvaluation {
    /// Which decisions to evaluate (by event time, bounds included).
    public struct Window: Sendable {
        /// First decision time evaluated.
        public var from: Timestamp?
        /// Last decision time evaluated.
        public var until: Timestamp?

        /// Creates a window.
        public init(from: Timestamp? = nil, until: Timestamp? = nil) {
            self.from = from
            self.until = until
        }

        func contains(_ t: Timestamp) -> Bool { (from.map { t >= $0 } ?? true) && (until.map { t <= $0 } ?? true) }
    }

    /// How often a policy picked an offer on treated decisions, and how often the logged
    /// decision showed it there.
    public struct OfferOverlap: Sendable, Hashable {
        /// The offer.
        public var offerId: String
        /// Picks on logged treated decisions.
        public var treatedPicks: Int
        /// Of those, picks the logged decision showed.
        public var shown: Int
        /// `shown / treatedPicks`.
        public var shownShare: Double { treatedPicks > 0 ? Double(shown) / Double(treatedPicks) : 0 }
    }

    /// One policy's evaluation.
    public struct PolicyResult: Sendable {
        /// The policy's name (its configuration file).
        public var name: String
        /// The estimates.
        public var evaluation: OffPolicyEvaluation
        /// Per offer it picked, in offer id order.
        public var overlap: [OfferOverlap]
    }

    /// The backtest of the candidate (and baseline) over one log.
    public struct Report: Sendable {
        /// Decision events in the log.
        public var loggedDecisions: Int
        /// Decisions evaluated (in the window, attribution window closed).
        public var evaluated: Int
        /// Decisions in the window whose attribution window is still open at the log clock.
        public var unlabelled: Int
        /// Of the evaluated decisions, logged treatment and control ones.
        public var treated: Int, control: Int
        /// Conversions in the log, and how many of them labelled a logged exposure.
        public var conversions: Int, attributedConversions: Int
        /// The candidate, then the baseline if any.
        public var policies: [PolicyResult]
        /// Candidate − baseline, paired per decision (nil without a baseline).
        public var difference: [OffPolicyEstimator: [OffPolicyMetric: OffPolicyEstimate]]?
        /// Overlap problems, one sentence each.
        public var warnings: [String]
    }

    /// A policy's picks are flagged when the logged policy showed an offer at fewer than this
    /// share of the treated decisions where the policy picks it.
    public static let overlapWarningShare = 0.05

    /// Backtests `policies` (name, configuration; the first is the candidate, the second, if any,
    /// the baseline) on the log in `directory`; the projection is folded with the candidate's
    /// configuration.
    public static func run(
        policies: [(name: String, config: XSellConfig)], directory: String, window: Window = Window(),
        progress: (LogReplay.Progress) -> Void = { _ in }
    ) throws -> Report {
        try run(policies: policies, window: window) { body in
            try LogReplay.forEachEvent(directory: directory, progress: progress, body)
        }
    }

    /// Backtests `policies` on the events `forEachEvent` hands over in log order with their
    /// positions; `observe` sees every evaluated decision with each policy's picked offer ids
    /// (the coverage study computes the true value of the picks from it).
    public static func run(
        policies: [(name: String, config: XSellConfig)], window: Window = Window(),
        observe: (DecisionEvent, [[String]]) -> Void = { _, _ in },
        forEachEvent: ((DomainEvent, UInt64) throws -> Void) throws -> Void
    ) throws -> Report {
        precondition(!policies.isEmpty, "no policy to backtest")
        let config = policies[0].config
        let engines = policies.map { DecisionEngine(config: withoutHoldout($0.config)) }
        var log = LoggedOutcomes()
        var evaluated: [EvaluatedDecision] = []
        var state = ProjectionState(config: config)
        try forEachEvent { event, position in
            switch event {
            case .interaction(let i): log.record(i)
            case .profile: break
            case .decision(let d):
                guard log.record(d), window.contains(d.occurredAt) else { break }
                // Settled like the live runner's state after each batch (settling is canonical,
                // ADR 0003). The view shares the learners' storage: it must be gone before
                // `apply` mutates them, or every fold would copy them.
                state.settle()
                let picks = Self.picks(of: engines, at: d, state: state)
                for p in picks { log.recordPicks(p.map(\.offerId), at: d) }
                evaluated.append(EvaluatedDecision(decision: d, picks: picks))
            }
            state.apply(event, position: position)
        }
        for e in evaluated { observe(e.decision, e.picks.map { $0.map(\.offerId) }) }
        let windowMillis = Int64(max(config.learning.attributionWindowDays, 1)) * Timestamp.millisecondsPerDay
        let labels = log.labels(windowMillis: windowMillis, clockMillis: state.clockMillis ?? .min)
        let shares = log.armShares()
        let closed = evaluated.filter { $0.decision.occurredAt.millisecondsSinceEpoch + windowMillis <= (state.clockMillis ?? .min) }
        var results: [PolicyResult] = []
        for (p, policy) in policies.enumerated() {
            var overlap: [String: OfferOverlap] = [:]
            let decisions = closed.map { e -> OffPolicyDecision in
                let d = e.decision
                let share = shares[d.decisionFlowKey] ?? ArmShare()
                return OffPolicyDecision(picks: e.picks[p].map { pick in
                    let entry = d.decisions.first { $0.offerId == pick.offerId }
                    if d.arm == .treatment {
                        overlap[pick.offerId, default: OfferOverlap(offerId: pick.offerId, treatedPicks: 0, shown: 0)].treatedPicks += 1
                        if entry != nil { overlap[pick.offerId]!.shown += 1 }
                    }
                    let shown = entry.map { $0.propensity ?? share.share(of: d.arm) }
                    return OffPolicyPick(
                        shownPropensity: shown, controlPropensity: entry == nil && d.arm == .control ? share.share(of: .control) : nil,
                        converted: (labels[LedgerKey(customerId: d.customerId, offerId: pick.offerId)]?[d.eventId] ?? nil) ?? 0,
                        value: config.offer(id: pick.offerId)?.revenueValue ?? 0, muTreated: pick.muTreated, muControl: pick.muControl)
                })
            }
            results.append(PolicyResult(
                name: policy.name, evaluation: OffPolicyEvaluation(decisions),
                overlap: overlap.values.sorted { $0.offerId < $1.offerId }))
        }
        return Report(
            loggedDecisions: log.decisionCount, evaluated: closed.count, unlabelled: evaluated.count - closed.count,
            treated: closed.count { $0.decision.arm == .treatment }, control: closed.count { $0.decision.arm == .control },
            conversions: log.conversionCount, attributedConversions: log.attributed(labels),
            policies: results, difference: results.count > 1 ? results[0].evaluation.difference(from: results[1].evaluation) : nil,
            warnings: warnings(results))
    }

    /// Per engine, the offers it would show at the logged decision `d` from `state`.
    static func picks(of engines: [DecisionEngine], at d: DecisionEvent, state: borrowing ProjectionState) -> [[Pick]] {
        let view = state.view(customerId: d.customerId)
        return engines.map { picks(of: $0, at: d, view: view) }
    }

    /// The offers `engine` would show at the logged decision `d`, with the direct model's
    /// estimates for the decision's features.
    static func picks(of engine: DecisionEngine, at d: DecisionEvent, view: ProjectionView) -> [Pick] {
        let request = RecommendationRequest(
            requestId: d.requestId ?? d.eventId, customerId: d.customerId, channel: d.channel, decisionFlowKey: d.decisionFlowKey)
        let ids = DecisionIdentifiers(recommendationId: d.recommendationId, interactionId: d.interactionId, decisionEventId: d.eventId)
        guard case .decided(_, let event, _) = engine.decide(request: request, view: view, now: d.occurredAt, ids: ids, pendingContacts: [])
        else { return [] }
        let encoded = view.encode(d.features ?? event.features ?? [:])
        return event.decisions.map { entry in
            let estimate = view.estimate(offerId: entry.offerId, encoded: encoded)
            // A learner below its minimum sample sizes is no direct model (DR = IPS for the pick).
            guard let uplift = estimate?.uplift, uplift.status == .ok else { return Pick(offerId: entry.offerId, muTreated: 0, muControl: 0) }
            return Pick(offerId: entry.offerId, muTreated: uplift.muTreated, muControl: uplift.muControl)
        }
    }

    /// `config` with every flow's holdout switched off, so the policy names offers for every decision.
    static func withoutHoldout(_ config: XSellConfig) -> XSellConfig {
        var config = config
        for f in config.flows.indices { config.flows[f].experiment.holdoutPercent = 0 }
        return config
    }

    private static func warnings(_ results: [PolicyResult]) -> [String] {
        results.flatMap { r in
            r.overlap.filter { $0.shownShare < overlapWarningShare }.map { o in
                "\(r.name): the logged policy showed \(o.offerId) at \(o.shown) of the \(o.treatedPicks) treated decisions "
                    + "where this policy picks it; its estimates for that offer rest on the direct model (DR) or are missing (IPS, SNIPS)"
            }
        }
    }

    /// One offer a policy picks, with the direct model's estimates.
    struct Pick {
        var offerId: String
        var muTreated: Double
        var muControl: Double
    }

    struct EvaluatedDecision {
        var decision: DecisionEvent
        /// Per policy.
        var picks: [[Pick]]
    }
}
