import XSellCore

/// The fold's per-customer record: what `CustomerState` is made of, plus what keeps it
/// order-independent (attribute histories, de-duplication ids, label ledgers).
struct CustomerRecord: Sendable, Equatable {
    /// The customer's key.
    var customerId: String
    /// Each attribute's values by event time; the last one is the current value (last writer
    /// wins by event time, ties: the later record in the log; `.null` = cleared). Kept from
    /// `cutoff − window` on, plus the last value before, so that the values as of a decision
    /// are exact for every decision the fold still accepts.
    var attributes = AttributeHistory()
    /// Contacts in event-time order.
    var contacts = Timeline<Contact>()
    /// Outcomes in event-time order.
    var outcomes = Timeline<OutcomeRecord>()
    /// Decision and interaction ids still inside the horizon, with their event time (ms).
    var seen: [String: Int64] = [:]
    /// Label ledgers of every offer.
    var ledgers = Ledgers()

    init(customerId: String) {
        self.customerId = customerId
    }

    /// The read model handed to the decision flow (attribute names from `names`).
    func state(_ names: AttributeNames) -> CustomerState {
        var s = CustomerState(customerId: customerId)
        s.attributes = attributes.current(names)
        s.contacts = contacts
        s.outcomes = outcomes
        return s
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
        if let first = contacts.first, first.at < cutoffTime {
            contacts.removeAll(before: cutoffTime)
        }
        if let first = outcomes.first, first.at < cutoffTime {
            outcomes.removeAll(before: cutoffTime)
        }
        attributes.prune(keepFrom: cutoff - w)
        if seen.values.contains(where: { $0 + w <= cutoff }) { seen = seen.filter { $0.value + w > cutoff } }
        ledgers.prune(cutoffMillis: cutoff, windowMillis: w)
    }

    /// This record pruned at `cutoff` (`self` when there is no cutoff yet).
    func pruned(cutoffMillis cutoff: Int64?, windowMillis w: Int64) -> CustomerRecord {
        guard let cutoff, prunedAt != cutoff else { return self }
        var copy = self
        copy.prune(cutoffMillis: cutoff, windowMillis: w)
        return copy
    }
}
