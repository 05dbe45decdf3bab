import Projection
import XSellCore

/// What the backtest needs from the whole log to label the logged decisions: every decision's
/// exposures per customer × offer, conversions and explicit negatives, and each flow's arm shares.
struct LoggedOutcomes {
    private var ledgers: [LedgerKey: Marks] = [:]
    private var arms: [String: ArmShare] = [:]
    private var seenDecisions: Set<String> = []
    private(set) var decisionCount = 0
    private(set) var conversionCount = 0

    private struct Marks {
        var exposures: [String: Int64] = [:]
        var conversions: [AttributionLabels.Mark] = []
        var negatives: [AttributionLabels.Mark] = []
    }

    /// A decision's exposures (its shown offers; a control decision's eligible candidates too)
    /// and arm. - Returns: false for a decision already recorded (a redelivery).
    mutating func record(_ d: DecisionEvent) -> Bool {
        guard seenDecisions.insert(d.eventId).inserted else { return false }
        decisionCount += 1
        arms[d.decisionFlowKey, default: ArmShare()].count(d.arm)
        for entry in d.decisions { expose(entry.offerId, d) }
        if d.arm == .control { recordPicks(d.candidates, at: d) }
        return true
    }

    /// Offers a policy picked at `d`: on a control decision they are exposures too (their
    /// organic conversions are the "not shown" outcomes); a treated decision exposes only what
    /// it showed.
    mutating func recordPicks(_ offers: [String], at d: DecisionEvent) {
        guard d.arm == .control else { return }
        for id in offers { expose(id, d) }
    }

    private mutating func expose(_ offerId: String, _ d: DecisionEvent) {
        ledgers[LedgerKey(customerId: d.customerId, offerId: offerId), default: Marks()].exposures[d.eventId] =
            d.occurredAt.millisecondsSinceEpoch
    }

    /// A conversion or explicit negative outcome.
    mutating func record(_ i: InteractionEvent) {
        let mark = AttributionLabels.Mark(id: i.eventId, at: i.occurredAt.millisecondsSinceEpoch)
        let key = LedgerKey(customerId: i.customerId, offerId: i.offerId)
        if i.outcome == .conversion {
            conversionCount += 1
            ledgers[key, default: Marks()].conversions.append(mark)
        } else if i.outcome.isNegative {
            ledgers[key, default: Marks()].negatives.append(mark)
        }
    }

    /// Every exposure's label (ADR 0003), per customer × offer and decision id.
    func labels(windowMillis: Int64, clockMillis: Int64) -> [LedgerKey: [String: Double?]] {
        ledgers.compactMapValues { m in
            guard !m.exposures.isEmpty else { return nil }
            return AttributionLabels.labels(
                exposures: m.exposures.map { AttributionLabels.Mark(id: $0.key, at: $0.value) },
                conversions: Self.unique(m.conversions), negatives: Self.unique(m.negatives),
                windowMillis: windowMillis, clockMillis: clockMillis)
        }
    }

    /// Conversions that labelled some exposure (each labels at most one).
    func attributed(_ labels: [LedgerKey: [String: Double?]]) -> Int {
        labels.values.reduce(0) { $0 + $1.values.count { $0 == 1 } }
    }

    /// The observed arm shares per flow key.
    func armShares() -> [String: ArmShare] { arms }

    /// De-duplicated by event id (a redelivered interaction counts once, as in the projection).
    private static func unique(_ marks: [AttributionLabels.Mark]) -> [AttributionLabels.Mark] {
        var seen = Set<String>()
        return marks.filter { seen.insert($0.id).inserted }
    }
}

/// A customer × offer pair.
struct LedgerKey: Hashable {
    var customerId: String
    var offerId: String
}

/// How many of a flow's logged decisions fell in each arm: the logging probability of an arm
/// when a producer logged none (the holdout is a hash of the customer id, independent of x).
struct ArmShare {
    private(set) var treated = 0
    private(set) var control = 0

    mutating func count(_ arm: ExperimentArm) {
        if arm == .treatment { treated += 1 } else { control += 1 }
    }

    /// The observed share of `arm` (1 for treatment when nothing was counted).
    func share(of arm: ExperimentArm) -> Double {
        let n = treated + control
        guard n > 0 else { return arm == .treatment ? 1 : 0 }
        return Double(arm == .treatment ? treated : control) / Double(n)
    }
}
