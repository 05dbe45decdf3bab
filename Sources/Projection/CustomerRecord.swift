import XSellCore

/// The fold's per-customer record: the public `CustomerState` plus what keeps it
/// order-independent (attribute stamps, de-duplication ids, label ledgers).
struct CustomerRecord: Sendable, Equatable {
    /// The read model handed to the decision flow.
    var state: CustomerState
    /// Each attribute's values by event time (ms), ascending; the last one is the current value
    /// (last writer wins by event time, ties: the later record in the log; `.null` = cleared).
    /// Kept from `cutoff − window` on, plus the last value before, so that `attributes(asOf:)`
    /// is exact for every decision the fold still accepts.
    var history: [String: [Stamped]] = [:]
    /// Decision and interaction ids still inside the horizon, with their event time (ms).
    var seen: [String: Int64] = [:]
    /// Label ledgers by offer id.
    var ledgers: [String: Ledger] = [:]

    init(customerId: String) {
        state = CustomerState(customerId: customerId)
    }

    /// Records that `name` became `value` at `at`; it becomes the current value unless the
    /// attribute has a value with a later event time. A replayed identical entry changes nothing.
    mutating func set(_ name: String, to value: AttributeValue, at: Int64) {
        var values = history[name] ?? []
        let entry = Stamped(at: at, value: value)
        guard !values.contains(entry) else { return }
        let i = values.lastIndex { $0.at <= at }.map { $0 + 1 } ?? 0
        values.insert(entry, at: i)
        history[name] = values
        if i == values.count - 1 { state.attributes[name] = value == .null ? nil : value }
    }

    /// The attributes as they were at event time `at` (what a decision at `at` saw).
    func attributes(asOf at: Int64) -> [String: AttributeValue] {
        var out: [String: AttributeValue] = [:]
        for (name, values) in history {
            if let v = values.last(where: { $0.at <= at })?.value, v != .null { out[name] = v }
        }
        return out
    }

    /// The cutoff this record was last pruned at (pruning is lazy: a record is pruned when the
    /// fold touches it, so a record left alone may hold entries older than the state's cutoff;
    /// readers and the snapshot see it pruned). Not part of the state's meaning.
    var prunedAt: Int64?

    /// Drops contacts and outcomes before `cutoff`, and ids and ledger entries that can no
    /// longer be accepted (`at + window ≤ cutoff`). Pruning at `c₂` after pruning at `c₁ ≤ c₂`
    /// equals pruning at `c₂` once, so pruning lazily gives the state of pruning every record
    /// whenever the cutoff moves. Checks before it mutates, so pruning a shared copy that has
    /// nothing to drop copies nothing.
    mutating func prune(cutoffMillis cutoff: Int64, windowMillis w: Int64) {
        guard prunedAt != cutoff else { return }
        prunedAt = cutoff
        let cutoffTime = Timestamp(millisecondsSinceEpoch: cutoff)
        if let first = state.contacts.first, first.at < cutoffTime {
            state.contacts.removeAll(before: cutoffTime)
        }
        if let first = state.outcomes.first, first.at < cutoffTime {
            state.outcomes.removeAll(before: cutoffTime)
        }
        let keepFrom = cutoff - w
        if history.values.contains(where: { $0.count > 1 && $0[1].at < keepFrom }) {
            for (name, values) in history where values.count > 1 && values[1].at < keepFrom {
                let lastBefore = values.lastIndex { $0.at < keepFrom }!
                history[name] = Array(values[lastBefore...])
            }
        }
        if seen.values.contains(where: { $0 + w <= cutoff }) { seen = seen.filter { $0.value + w > cutoff } }
        guard ledgers.values.contains(where: { $0.needsPruning(cutoffMillis: cutoff, windowMillis: w) }) else { return }
        for i in ledgers.values.indices {
            ledgers.values[i].prune(cutoffMillis: cutoff, windowMillis: w)
        }
        if ledgers.values.contains(where: \.isEmpty) { ledgers = ledgers.filter { !$0.value.isEmpty } }
    }

    /// This record pruned at `cutoff` (`self` when there is no cutoff yet).
    func pruned(cutoffMillis cutoff: Int64?, windowMillis w: Int64) -> CustomerRecord {
        guard let cutoff, prunedAt != cutoff else { return self }
        var copy = self
        copy.prune(cutoffMillis: cutoff, windowMillis: w)
        return copy
    }
}

/// A value an attribute took at an event time.
struct Stamped: Sendable, Equatable {
    /// Event time, ms.
    var at: Int64
    /// The value (`.null`: cleared).
    var value: AttributeValue
}
