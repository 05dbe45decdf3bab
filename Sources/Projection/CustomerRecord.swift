import XSellCore

/// The fold's per-customer record: the public `CustomerState` plus what keeps it
/// order-independent (attribute stamps, de-duplication ids, label ledgers).
struct CustomerRecord: Sendable, Equatable {
    /// The read model handed to the decision flow.
    var state: CustomerState
    /// Event time (ms) of the value each attribute holds: last writer wins by event time, so
    /// late profile events never overwrite newer values (ties: the later record in the log).
    var stamps: [String: Int64] = [:]
    /// Decision and interaction ids still inside the horizon, with their event time (ms).
    var seen: [String: Int64] = [:]
    /// Label ledgers by offer id.
    var ledgers: [String: Ledger] = [:]

    init(customerId: String) {
        state = CustomerState(customerId: customerId)
    }

    /// Sets `name` to `value` unless the attribute holds a value with a later event time.
    /// `.null` clears it (the stamp stays, so an older value cannot come back).
    mutating func set(_ name: String, to value: AttributeValue, at: Int64) {
        if let stamp = stamps[name], stamp > at { return }
        stamps[name] = at
        state.attributes[name] = value == .null ? nil : value
    }

    mutating func insert(_ contact: Contact) {
        let key = (contact.at, contact.eventId, contact.offerId)
        let i = state.contacts.lastIndex { ($0.at, $0.eventId, $0.offerId) <= key }.map { $0 + 1 } ?? 0
        state.contacts.insert(contact, at: i)
    }

    mutating func insert(_ outcome: OutcomeRecord) {
        let key = (outcome.at, outcome.eventId)
        let i = state.outcomes.lastIndex { ($0.at, $0.eventId) <= key }.map { $0 + 1 } ?? 0
        state.outcomes.insert(outcome, at: i)
    }

    /// Drops contacts and outcomes before `cutoff`, and ids and ledger entries that can no
    /// longer be accepted (`at + window ≤ cutoff`).
    mutating func prune(cutoffMillis cutoff: Int64, windowMillis w: Int64) {
        let cutoffTime = Timestamp(millisecondsSinceEpoch: cutoff)
        if let first = state.contacts.first, first.at < cutoffTime {
            state.contacts.removeAll { $0.at < cutoffTime }
        }
        if let first = state.outcomes.first, first.at < cutoffTime {
            state.outcomes.removeAll { $0.at < cutoffTime }
        }
        if seen.values.contains(where: { $0 + w <= cutoff }) { seen = seen.filter { $0.value + w > cutoff } }
        guard !ledgers.isEmpty else { return }
        for i in ledgers.values.indices {
            ledgers.values[i].prune(cutoffMillis: cutoff, windowMillis: w)
        }
        if ledgers.values.contains(where: \.isEmpty) { ledgers = ledgers.filter { !$0.value.isEmpty } }
    }
}
