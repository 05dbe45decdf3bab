/// One exposure of an offer to a customer: an offer returned to a treatment-arm customer or an
/// eligible candidate of a control-arm decision.
struct Exposure: Sendable, Equatable {
    /// The decision's `eventId` (unique per offer within a ledger).
    var decisionId: String
    /// Event time of the decision, ms.
    var at: Int64
    /// Treatment or control arm.
    var treated: Bool
    /// The decision's flow, for the experiment report.
    var flowKey: String
    /// The encoded feature snapshot of the decision, when it carried one; `nil` for a decision
    /// without one (encoded from the attributes as of `at` when committed) and once committed.
    var x: PackedFeatures?
    /// Whether the decision carried a feature snapshot (else `x` follows the attribute history).
    var hasSnapshot: Bool
    /// The label the learner has, once committed (its window has closed in event time).
    var committed: Double?
}

/// A conversion or an explicit negative outcome, by event time.
struct Mark: Sendable, Equatable {
    /// The interaction's `eventId`.
    var eventId: String
    /// Event time, ms.
    var at: Int64
}

/// Everything that decides the labels of one customer × offer pair.
struct Ledger: Sendable, Equatable {
    /// Sorted by `(at, decisionId)`.
    var exposures: [Exposure] = []
    /// Sorted by `(at, eventId)`.
    var conversions: [Mark] = []
    /// Sorted by `(at, eventId)`.
    var negatives: [Mark] = []

    var isEmpty: Bool { exposures.isEmpty && conversions.isEmpty && negatives.isEmpty }

    mutating func insert(_ e: Exposure) {
        let i = exposures.firstIndex { ($0.at, $0.decisionId) > (e.at, e.decisionId) } ?? exposures.count
        exposures.insert(e, at: i)
    }

    static func insert(_ m: Mark, into marks: inout [Mark]) {
        let i = marks.firstIndex { ($0.at, $0.eventId) > (m.at, m.eventId) } ?? marks.count
        marks.insert(m, at: i)
    }

    /// The labels of `exposures` as a function of the ledger's events and the log clock only
    /// (never of arrival order). Events are swept in event time (ties: exposures, then
    /// negatives, then conversions, each by id); a negative or a conversion at `t` closes the
    /// latest still-open exposure with `at ≤ t < at + window` with 0 or 1; an exposure still
    /// open once `at + window ≤ clock` is 0; otherwise its label is not known yet (`nil`).
    func labels(windowMillis w: Int64, clockMillis clock: Int64) -> [Double?] {
        var labels = [Double?](repeating: nil, count: exposures.count)
        var seen = 0  // exposures with at ≤ current event time
        var n = 0, c = 0
        while n < negatives.count || c < conversions.count {
            let takeNegative =
                c == conversions.count
                || (n < negatives.count && negatives[n].at <= conversions[c].at)
            let t = takeNegative ? negatives[n].at : conversions[c].at
            while seen < exposures.count && exposures[seen].at <= t { seen += 1 }
            var i = seen - 1
            var pick = -1
            while i >= 0 && t < exposures[i].at + w {  // sorted: earlier ones closed too
                if labels[i] == nil {
                    pick = i
                    break
                }
                i -= 1
            }
            if pick >= 0 { labels[pick] = takeNegative ? 0 : 1 }
            if takeNegative { n += 1 } else { c += 1 }
        }
        for i in exposures.indices where labels[i] == nil && exposures[i].at + w <= clock { labels[i] = 0 }
        return labels
    }

    /// Whether `prune` would drop anything.
    func needsPruning(cutoffMillis cutoff: Int64, windowMillis w: Int64) -> Bool {
        [exposures.first?.at, conversions.first?.at, negatives.first?.at].contains { $0.map { $0 + w <= cutoff } ?? false }
    }

    /// Drops what can no longer change a label of an exposure inside the horizon: exposures and
    /// marks with `at + window ≤ cutoff` (see docs/adr/0003-projection.md for why this never
    /// changes the labels of what is kept).
    mutating func prune(cutoffMillis cutoff: Int64, windowMillis w: Int64) {
        if let first = exposures.first, first.at + w <= cutoff { exposures.removeAll { $0.at + w <= cutoff } }
        if let first = conversions.first, first.at + w <= cutoff { conversions.removeAll { $0.at + w <= cutoff } }
        if let first = negatives.first, first.at + w <= cutoff { negatives.removeAll { $0.at + w <= cutoff } }
    }

    /// A committed label that a late event changed.
    struct Revision {
        var exposure: Exposure
        var old: Double
        var new: Double
    }

    /// Re-derives the labels and updates, in place, committed labels that changed.
    mutating func relabel(windowMillis w: Int64, clockMillis clock: Int64) -> [Revision] {
        guard exposures.contains(where: { $0.committed != nil }) else { return [] }
        let labels = labels(windowMillis: w, clockMillis: clock)
        var revisions: [Revision] = []
        for i in exposures.indices {
            guard let old = exposures[i].committed, let new = labels[i], new != old else { continue }
            exposures[i].committed = new
            revisions.append(Revision(exposure: exposures[i], old: old, new: new))
        }
        return revisions
    }

    /// Commits the exposure of `decisionId` with its label as of `clock` (0 if still open) and
    /// drops its stored features; returns it as it was, with its label, or nil if it is gone.
    mutating func commit(decisionId: String, windowMillis w: Int64, clockMillis clock: Int64) -> (Exposure, Double)? {
        guard let i = exposures.firstIndex(where: { $0.decisionId == decisionId }) else { return nil }
        let y = labels(windowMillis: w, clockMillis: clock)[i] ?? 0
        let exposure = exposures[i]
        exposures[i].committed = y
        exposures[i].x = nil
        return (exposure, y)
    }
}
