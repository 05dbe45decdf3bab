import DecisionFlow
import Learning
import Projection
import XSellCore

/// `xsell backtest`: replays the logged decisions with other configurations' decision flows,
/// each asked at the decision's own point of the log (the projection folded up to the record
/// before it, nothing later), and estimates what they would have earned.
///
/// Estimator (the "replay" method of Li et al. 2011, with the holdout as baseline): each policy
/// names its top offer for every logged decision, treatment and control alike (the policy's own
/// holdout is switched off for this). A *treated* decision counts when the policy's top offer
/// is one the logged decision showed; its outcome is whether the customer converted that offer
/// within the attribution window. A *control* decision counts when the policy's top offer was
/// an eligible candidate; its outcome is the organic conversion of that offer. The difference
/// of the two rates estimates the incremental conversions per contact of the policy's choices,
/// scaled to the logged treated decisions. Control customers were randomised, so the control
/// side is unbiased; the treated side is unbiased only when the logged choice was itself
/// randomised among the eligible offers (as in the simulator's offline history) — with a
/// deterministic logged ranking it favours policies that agree with it.
///
/// Simplifications: "converted" means any conversion of the offer by the customer within the
/// attribution window after the decision (not the projection's latest-open-exposure rule);
/// "as of the log position" includes events logged earlier with later event times (a
/// conversion logged before its decision has already set the holding the policy sees).
public enum BacktestEvaluation {
    /// One policy's result.
    public struct PolicyResult: Sendable {
        /// The policy's name (its configuration file).
        public var name: String
        /// Converted treated decisions (a shown offer converted within the window) whose
        /// policy slate, as long as the logged one, contains a converted offer.
        public var showedConverted: Int
        /// Matched treated (policy's top offer was shown) and control (it was eligible) decisions,
        /// with their conversions of that offer: the rates, their difference and its CI.
        public var statistics: ExperimentStatistics
        /// The incremental conversions per contact times the logged treated decisions.
        public var incrementalConversions: Double?
        /// Its 95% CI.
        public var incrementalInterval: ConfidenceInterval?
    }

    /// The backtest of every policy over one log.
    public struct Report: Sendable {
        /// Decisions replayed.
        public var decisions: Int
        /// Logged treated decisions that showed at least one offer.
        public var treatedDecisions: Int
        /// Of those, decisions where a shown offer converted within the attribution window.
        public var convertedDecisions: Int
        /// One result per policy, in the order given.
        public var policies: [PolicyResult]
    }

    /// Backtests `policies` (name, configuration) on the log in `directory`; the projection is
    /// folded with the first policy's configuration.
    public static func run(
        policies: [(name: String, config: XSellConfig)], directory: String, progress: (LogReplay.Progress) -> Void = { _ in }
    ) throws -> Report {
        precondition(!policies.isEmpty, "no policy to backtest")
        let window = Int64(max(policies[0].config.learning.attributionWindowDays, 1)) * Timestamp.millisecondsPerDay
        var conversions: [String: [(offerId: String, at: Int64)]] = [:]
        try LogReplay.forEachEvent(directory: directory) { event, _ in
            if case .interaction(let i) = event, i.outcome == .conversion {
                conversions[i.customerId, default: []].append((i.offerId, i.occurredAt.millisecondsSinceEpoch))
            }
        }
        func converted(_ customerId: String, _ offerId: String, after t: Int64) -> Bool {
            conversions[customerId]?.contains { $0.offerId == offerId && $0.at >= t && $0.at < t + window } ?? false
        }
        let engines = policies.map { DecisionEngine(config: withoutHoldout($0.config)) }
        var tallies = [Tally](repeating: Tally(), count: policies.count)
        var report = Report(decisions: 0, treatedDecisions: 0, convertedDecisions: 0, policies: [])
        var state = ProjectionState(config: policies[0].config)
        try LogReplay.forEachEvent(directory: directory, progress: progress) { event, position in
            defer { state.apply(event, position: position) }
            guard case .decision(let d) = event else { return }
            let at = d.occurredAt.millisecondsSinceEpoch
            let shown = Set(d.decisions.map(\.offerId))
            let convertedShown = shown.filter { converted(d.customerId, $0, after: at) }
            let treated = d.arm == .treatment && !shown.isEmpty
            report.decisions += 1
            report.treatedDecisions += treated ? 1 : 0
            report.convertedDecisions += treated && !convertedShown.isEmpty ? 1 : 0
            let view = state.view(customerId: d.customerId)
            for (p, engine) in engines.enumerated() {
                let request = RecommendationRequest(
                    requestId: d.eventId, customerId: d.customerId, channel: d.channel, decisionFlowKey: d.decisionFlowKey,
                    limit: max(shown.count, 1))
                let ids = DecisionIdentifiers(recommendationId: d.recommendationId, interactionId: d.interactionId, decisionEventId: d.eventId)
                guard case .decided(_, let choice, _) = engine.decide(
                    request: request, view: view, now: d.occurredAt, ids: ids, pendingContacts: []),
                    let top = choice.decisions.first?.offerId else { continue }
                if treated {
                    if choice.decisions.contains(where: { convertedShown.contains($0.offerId) }) { tallies[p].showedConverted += 1 }
                    if shown.contains(top) { tallies[p].count(treated: true, converted: converted(d.customerId, top, after: at)) }
                } else if d.arm == .control && d.candidates.contains(top) {
                    tallies[p].count(treated: false, converted: converted(d.customerId, top, after: at))
                }
            }
        }
        report.policies = zip(policies, tallies).map { policy, t in
            let s = ExperimentStatistics(
                treatedConversions: t.treatedConversions, treatedCount: t.treated,
                controlConversions: t.controlConversions, controlCount: t.control)
            let scale = Double(report.treatedDecisions)
            return PolicyResult(
                name: policy.name, showedConverted: t.showedConverted, statistics: s,
                incrementalConversions: s.absoluteUplift.map { $0 * scale }, incrementalInterval: s.differenceInterval?.scaled(by: scale))
        }
        return report
    }

    /// `config` with every flow's holdout switched off, so the policy names an offer for
    /// control customers too.
    static func withoutHoldout(_ config: XSellConfig) -> XSellConfig {
        var config = config
        for f in config.flows.indices { config.flows[f].experiment.holdoutPercent = 0 }
        return config
    }

    private struct Tally {
        var showedConverted = 0
        var treated = 0, treatedConversions = 0, control = 0, controlConversions = 0

        mutating func count(treated isTreated: Bool, converted: Bool) {
            if isTreated {
                treated += 1
                treatedConversions += converted ? 1 : 0
            } else {
                control += 1
                controlConversions += converted ? 1 : 0
            }
        }
    }
}
