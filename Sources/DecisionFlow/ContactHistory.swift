import Projection
import XSellCore

/// A customer's contact history at a decision: the projection's contacts and the caller's
/// pending contacts (decided, not folded yet) that the projection does not hold, both in
/// event-time order.
///
/// Lookups on the stored contacts go through ``Timeline``'s per-key index (a count is two
/// binary searches, a latest contact one look-up), so the cost of a decision does not grow
/// with the customer's history; the pending contacts, the few decided in the last moments,
/// are scanned (docs/benchmarks-flow.md, history sizes).
public struct ContactHistory: Sendable, Equatable {
    /// The folded contacts (``CustomerState/contacts``; not copied).
    public let stored: Timeline<Contact>
    /// The pending contacts whose event `stored` does not hold, oldest first.
    public let pending: [Contact]

    /// The history of `stored` and `pending`. A pending contact whose event is among the stored
    /// ones came back through the log and counts once. Pending contacts carry their decision's
    /// time, as their folded copies do, so only the stored contacts at or after the oldest
    /// pending one are compared.
    public init(stored: Timeline<Contact>, pending: [Contact] = []) {
        self.stored = stored
        guard let oldest = pending.lazy.map(\.at).min() else {
            self.pending = []
            return
        }
        let pendingEvents = Set(pending.map(\.eventId))
        var folded: Set<String> = []
        let from = stored.firstIndex(admittedBy: InstantBound(instant: oldest, inclusive: true))
        for contact in stored[from...] where pendingEvents.contains(contact.eventId) {
            folded.insert(contact.eventId)
        }
        self.pending = pending.filter { !folded.contains($0.eventId) }.sorted { $0.at < $1.at }
    }

    /// Every contact, oldest first (stored and pending merged; O(n), for tests and reports).
    public var all: [Contact] {
        (Array(stored) + pending).sorted { $0.at < $1.at }
    }

    /// Whether there is no contact at all.
    public var isEmpty: Bool { stored.isEmpty && pending.isEmpty }

    /// The latest contact by event time.
    public var latest: Contact? { Self.later(stored.last, pending.last) }

    /// The number of contacts inside `bound` found under any of `keys` (keys under which no
    /// contact is found twice; every contact when `nil`).
    public func count(admittedBy bound: InstantBound, keys: [ContactKey]? = nil) -> Int {
        let storedCount = keys.map { stored.count(admittedBy: bound, keys: $0) } ?? stored.count(admittedBy: bound)
        return storedCount + pending.count { bound.admits($0.at) && $0.isFound(underAnyOf: keys) }
    }

    /// The latest contact inside `bound` found under any of `keys` (any contact when `nil`).
    public func latest(admittedBy bound: InstantBound, keys: [ContactKey]? = nil) -> Contact? {
        let storedLatest = keys.map { stored.latest(admittedBy: bound, keys: $0) } ?? stored.latest(admittedBy: bound)
        return Self.later(storedLatest, pending.last { bound.admits($0.at) && $0.isFound(underAnyOf: keys) })
    }

    /// The later of a stored and a pending contact; the stored one on equal times.
    private static func later(_ stored: Contact?, _ pending: Contact?) -> Contact? {
        switch (stored, pending) {
        case let (s?, p?): p.at > s.at ? p : s
        case let (s, p): s ?? p
        }
    }
}

extension Contact {
    /// Whether this contact is found under one of `keys` (`nil`: any contact is).
    func isFound(underAnyOf keys: [ContactKey]?) -> Bool {
        keys.map { $0.contains { isFound(under: $0) } } ?? true
    }
}
