import Projection
import XSellCore

/// A customer's contact history at a decision: the projection's contacts and the caller's
/// pending contacts (decided, not folded yet) that the projection does not hold, both in
/// event-time order.
///
/// Lookups go newest first and stop at the window's bound (or once a cap is reached), so the
/// cost of a decision grows with what its windows hold, not with the length of the history:
/// a customer with 100,000 contacts in the horizon costs what one with a few costs, as long as
/// the recent windows are alike (docs/benchmarks-flow.md, history sizes).
public struct ContactHistory: Sendable, Equatable {
    /// The folded contacts, oldest first (``CustomerState/contacts``; not copied).
    public let stored: [Contact]
    /// The pending contacts whose event `stored` does not hold, oldest first.
    public let pending: [Contact]

    /// The history of `stored` (in event-time order, as the projection keeps it) and `pending`.
    /// A pending contact whose event is among the stored ones came back through the log and
    /// counts once. Pending contacts carry their decision's time, as their folded copies do, so
    /// only the stored contacts at or after the oldest pending one are compared.
    public init(stored: [Contact], pending: [Contact] = []) {
        self.stored = stored
        guard let oldest = pending.lazy.map(\.at).min() else {
            self.pending = []
            return
        }
        let pendingEvents = Set(pending.map(\.eventId))
        var folded: Set<String> = []
        for contact in stored[Self.firstIndex(in: stored, notBefore: oldest)...] where pendingEvents.contains(contact.eventId) {
            folded.insert(contact.eventId)
        }
        self.pending = pending.filter { !folded.contains($0.eventId) }.sorted { $0.at < $1.at }
    }

    /// Every contact, oldest first (stored and pending merged; O(n), for tests and reports).
    public var all: [Contact] {
        var out: [Contact] = []
        forEachNewestFirst { out.append($0); return true }
        return out.reversed()
    }

    /// Whether there is no contact at all.
    public var isEmpty: Bool { stored.isEmpty && pending.isEmpty }

    /// The latest contact by event time.
    public var latest: Contact? {
        switch (stored.last, pending.last) {
        case let (s?, p?): p.at > s.at ? p : s
        case let (s, p): s ?? p
        }
    }

    /// The number of contacts inside `bound` (O(log n) over the stored contacts).
    public func count(admittedBy bound: InstantBound) -> Int {
        stored.count - Self.firstIndex(in: stored, admittedBy: bound) + pending.count { bound.admits($0.at) }
    }

    /// The number of contacts inside `bound` that `match`, counting no further than `limit`.
    public func count(admittedBy bound: InstantBound, limit: Int, where match: (Contact) -> Bool) -> Int {
        var count = 0
        forEachNewestFirst { contact in
            guard count < limit, bound.admits(contact.at) else { return false }
            if match(contact) { count += 1 }
            return true
        }
        return count
    }

    /// The latest contact inside `bound` that matches.
    public func latest(admittedBy bound: InstantBound, where match: (Contact) -> Bool) -> Contact? {
        var found: Contact?
        forEachNewestFirst { contact in
            guard bound.admits(contact.at) else { return false }
            if match(contact) { found = contact }
            return found == nil
        }
        return found
    }

    /// Visits the contacts newest first while `body` returns true.
    public func forEachNewestFirst(_ body: (Contact) -> Bool) {
        var s = stored.count - 1
        var p = pending.count - 1
        while s >= 0 || p >= 0 {
            let takeStored = p < 0 || (s >= 0 && stored[s].at >= pending[p].at)
            let contact = takeStored ? stored[s] : pending[p]
            if takeStored { s -= 1 } else { p -= 1 }
            if !body(contact) { return }
        }
    }

    /// The index of the first of `contacts` (in event-time order) at or after `instant`
    /// (binary search).
    public static func firstIndex(in contacts: [Contact], notBefore instant: Timestamp) -> Int {
        firstIndex(in: contacts, admittedBy: InstantBound(instant: instant, inclusive: true))
    }

    /// The index of the first of `contacts` (in event-time order) that `bound` admits.
    static func firstIndex(in contacts: [Contact], admittedBy bound: InstantBound) -> Int {
        var low = 0
        var high = contacts.count
        while low < high {
            let middle = (low + high) / 2
            if bound.admits(contacts[middle].at) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

extension Array where Element == OutcomeRecord {
    /// The latest of these outcomes (in event-time order) inside `bound` that matches, looking
    /// newest first and no further back than the bound.
    func latest(admittedBy bound: InstantBound, where match: (OutcomeRecord) -> Bool) -> OutcomeRecord? {
        for record in reversed() {
            guard bound.admits(record.at) else { return nil }
            if match(record) { return record }
        }
        return nil
    }
}
