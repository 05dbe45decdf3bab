import XSellCore

/// The logged decisions by the `requestId` they answered, so that a request delivered again
/// (a crash before its offset was stored, a rebalance) is answered from its logged decision
/// instead of being decided twice.
///
/// Part of the pure fold and of the snapshot. A decision is kept while its event time is at
/// most ``retentionMillis`` before the start of the log clock's UTC day: entries older than
/// that are dropped when the clock enters a new day and not indexed when they arrive late, so
/// the index, like the rest of the state, does not depend on arrival order. Two decisions of
/// one request (an upstream producer's retry, or the duplicates of an older release) resolve
/// to the earliest by `(occurredAt, eventId)`. The feature snapshot is not kept.
struct RequestIndex: Sendable, Equatable {
    /// How long (event time, before the current day) a decision stays answerable: far longer
    /// than any redelivery, which happens within a session timeout or a restart.
    static let retentionMillis: Int64 = Timestamp.millisecondsPerDay

    private(set) var decisions = ShardedDictionary<DecisionEvent>()

    /// Indexes `decision` if it answered a request and is inside the retention of `dayStart`
    /// (the start of the log clock's day, `nil` before any clock).
    mutating func insert(_ decision: DecisionEvent, dayStart: Int64?) {
        guard let requestId = decision.requestId else { return }
        let at = decision.occurredAt.millisecondsSinceEpoch
        if let dayStart, at < dayStart - Self.retentionMillis { return }
        if let kept = decisions[requestId],
           (kept.occurredAt.millisecondsSinceEpoch, kept.eventId) <= (at, decision.eventId) { return }
        var stripped = decision
        stripped.features = nil
        decisions[requestId] = stripped
    }

    /// Drops the decisions that fell out of the retention of the new `dayStart`.
    mutating func prune(dayStart: Int64) {
        let floor = dayStart - Self.retentionMillis
        decisions.removeAll { $0.occurredAt.millisecondsSinceEpoch < floor }
    }
}

extension ProjectionState {
    /// The logged decision that answered `requestId`, if the fold has seen one within the
    /// request index's retention (without its feature snapshot).
    public func loggedDecision(requestId: String) -> DecisionEvent? {
        requests.decisions[requestId]
    }
}
