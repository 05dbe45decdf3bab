/// One exposure of an offer to a customer: an offer returned to a treatment-arm customer or an
/// eligible candidate of a control-arm decision.
struct Exposure: Sendable, Equatable {
    /// The decision's `eventId` (unique per offer within a customer's ledgers).
    var decisionId: String
    /// Event time of the decision, ms.
    var at: Int64
    /// The offer's number (its index in `ProjectionSettings.sortedOfferIds`).
    var offer: UInt16
    /// Treatment or control arm.
    var treated: Bool
    /// Whether the decision carried a feature snapshot (else `x` follows the attribute history).
    var hasSnapshot: Bool
    /// The decision's flow, for the experiment report.
    var flowKey: String
    /// The encoded feature snapshot of the decision, when it carried one; `nil` for a decision
    /// without one (encoded from the attributes as of `at` when committed) and once committed.
    var x: PackedFeatures?
    /// The label the learner has, once committed (its window has closed in event time).
    var committed: Double?

    /// The ledger order within an offer.
    static func ordered(_ a: Exposure, before b: Exposure) -> Bool {
        (a.offer, a.at, a.decisionId) < (b.offer, b.at, b.decisionId)
    }
}

/// A conversion or an explicit negative outcome, by event time.
struct Mark: Sendable, Equatable {
    /// What the outcome says about the latest open exposure.
    enum Kind: UInt8, Sendable, Comparable {
        case conversion, negative

        static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }
    }

    /// The interaction's `eventId`.
    var eventId: String
    /// Event time, ms.
    var at: Int64
    /// The offer's number.
    var offer: UInt16
    /// Conversion or negative.
    var kind: Kind

    static func ordered(_ a: Mark, before b: Mark) -> Bool {
        (a.offer, a.kind, a.at, a.eventId) < (b.offer, b.kind, b.at, b.eventId)
    }
}

/// Everything that decides the labels of one customer's exposures, for all offers at once: two
/// flat arrays sorted by offer (exposures by `(at, decisionId)` within an offer, marks by kind then
/// `(at, eventId)`), so a customer's ledgers take two allocations whatever the number of offers.
struct Ledgers: Sendable, Equatable {
    private(set) var exposures: [Exposure] = []
    private(set) var marks: [Mark] = []

    /// The offers with any entry, ascending.
    var offers: [UInt16] {
        var out: [UInt16] = []
        for o in exposures.map(\.offer) + marks.map(\.offer) where !out.contains(o) { out.append(o) }
        return out.sorted()
    }

    /// `offer`'s exposures (positions in `exposures`).
    func exposureRange(_ offer: UInt16) -> Range<Int> {
        exposures.partitioningIndex { $0.offer >= offer }..<exposures.partitioningIndex { $0.offer > offer }
    }

    /// `offer`'s marks of `kind`.
    func marks(_ offer: UInt16, _ kind: Mark.Kind) -> ArraySlice<Mark> {
        let start = marks.partitioningIndex { ($0.offer, $0.kind) >= (offer, kind) }
        return marks[start..<marks.partitioningIndex { ($0.offer, $0.kind) > (offer, kind) }]
    }

    mutating func insert(_ e: Exposure) {
        exposures.insert(e, at: exposures.partitioningIndex { Exposure.ordered(e, before: $0) })
    }

    mutating func insert(_ m: Mark) {
        marks.insert(m, at: marks.partitioningIndex { Mark.ordered(m, before: $0) })
    }

    /// Appends entries read back from a snapshot (offer by offer, ascending, each in order).
    mutating func restore(exposures e: [Exposure], marks m: [Mark]) {
        exposures += e
        marks += m
    }

    /// The labels of `offer`'s exposures (in `exposureRange(offer)` order) as a function of its
    /// events and the log clock only (never of arrival order). Events are swept in event time
    /// (ties: exposures, then negatives, then conversions, each by id); a negative or a
    /// conversion at `t` closes the latest still-open exposure with `at ≤ t < at + window` with
    /// 0 or 1; an exposure still open once `at + window ≤ clock` is 0; otherwise its label is not
    /// known yet (`nil`).
    func labels(_ offer: UInt16, windowMillis w: Int64, clockMillis clock: Int64) -> [Double?] {
        let exposures = self.exposures[exposureRange(offer)]
        let negatives = marks(offer, .negative), conversions = marks(offer, .conversion)
        let base = exposures.startIndex
        var labels = [Double?](repeating: nil, count: exposures.count)
        var seen = 0  // exposures with at ≤ current event time
        var n = negatives.startIndex, c = conversions.startIndex
        while n < negatives.endIndex || c < conversions.endIndex {
            let takeNegative =
                c == conversions.endIndex
                || (n < negatives.endIndex && negatives[n].at <= conversions[c].at)
            let t = takeNegative ? negatives[n].at : conversions[c].at
            while seen < labels.count && exposures[base + seen].at <= t { seen += 1 }
            var i = seen - 1
            var pick = -1
            while i >= 0 && t < exposures[base + i].at + w {  // sorted: earlier ones closed too
                if labels[i] == nil {
                    pick = i
                    break
                }
                i -= 1
            }
            if pick >= 0 { labels[pick] = takeNegative ? 0 : 1 }
            if takeNegative { n += 1 } else { c += 1 }
        }
        for i in labels.indices where labels[i] == nil && exposures[base + i].at + w <= clock { labels[i] = 0 }
        return labels
    }

    /// Whether `prune` would drop anything.
    func needsPruning(cutoffMillis cutoff: Int64, windowMillis w: Int64) -> Bool {
        exposures.contains { $0.at + w <= cutoff } || marks.contains { $0.at + w <= cutoff }
    }

    /// Drops what can no longer change a label of an exposure inside the horizon: exposures and
    /// marks with `at + window ≤ cutoff` (see docs/adr/0003-projection.md for why this never
    /// changes the labels of what is kept).
    mutating func prune(cutoffMillis cutoff: Int64, windowMillis w: Int64) {
        guard needsPruning(cutoffMillis: cutoff, windowMillis: w) else { return }
        exposures.removeAll { $0.at + w <= cutoff }
        marks.removeAll { $0.at + w <= cutoff }
    }

    /// A committed label that a late event changed.
    struct Revision {
        var exposure: Exposure
        var old: Double
        var new: Double
    }

    /// Re-derives `offer`'s labels and updates, in place, committed labels that changed.
    mutating func relabel(_ offer: UInt16, windowMillis w: Int64, clockMillis clock: Int64) -> [Revision] {
        let range = exposureRange(offer)
        guard exposures[range].contains(where: { $0.committed != nil }) else { return [] }
        let labels = labels(offer, windowMillis: w, clockMillis: clock)
        var revisions: [Revision] = []
        for (k, i) in range.enumerated() {
            guard let old = exposures[i].committed, let new = labels[k], new != old else { continue }
            exposures[i].committed = new
            revisions.append(Revision(exposure: exposures[i], old: old, new: new))
        }
        return revisions
    }

    /// Commits `offer`'s exposure of `decisionId` with its label as of `clock` (0 if still open)
    /// and drops its stored features; returns it as it was, with its label, or nil if it is gone.
    mutating func commit(_ offer: UInt16, decisionId: String, windowMillis w: Int64, clockMillis clock: Int64) -> (Exposure, Double)? {
        let range = exposureRange(offer)
        guard let i = exposures[range].firstIndex(where: { $0.decisionId == decisionId }) else { return nil }
        let y = labels(offer, windowMillis: w, clockMillis: clock)[i - range.lowerBound] ?? 0
        let exposure = exposures[i]
        exposures[i].committed = y
        exposures[i].x = nil
        return (exposure, y)
    }
}
