/// The labelling rule of the projection (docs/adr/0003-projection.md) for callers outside the
/// fold, such as the backtest: one customer × offer ledger of exposures, conversions and
/// explicit negatives, swept in event time; a conversion or a negative labels the latest exposure
/// still open in its attribution window, so one conversion labels at most one exposure.
public enum AttributionLabels {
    /// An exposure, conversion or negative outcome: its event id and event time, ms.
    public struct Mark: Sendable, Hashable {
        /// The event id (decision id for an exposure), the tie-breaker at equal times.
        public var id: String
        /// Event time, ms.
        public var at: Int64

        /// Creates a mark.
        public init(id: String, at: Int64) {
            self.id = id
            self.at = at
        }
    }

    /// The label of each exposure, keyed by its id: 1 converted, 0 not converted (window passed
    /// by `clockMillis`, or closed by a negative), `nil` while its window is still open.
    public static func labels(
        exposures: [Mark], conversions: [Mark], negatives: [Mark], windowMillis: Int64, clockMillis: Int64
    ) -> [String: Double?] {
        var ledger = Ledgers()
        for e in exposures {
            ledger.insert(Exposure(decisionId: e.id, at: e.at, offer: 0, treated: true, hasSnapshot: false, flowKey: "", x: nil))
        }
        for c in conversions { ledger.insert(Projection.Mark(eventId: c.id, at: c.at, offer: 0, kind: .conversion)) }
        for n in negatives { ledger.insert(Projection.Mark(eventId: n.id, at: n.at, offer: 0, kind: .negative)) }
        let labels = ledger.labels(0, windowMillis: windowMillis, clockMillis: clockMillis)
        var result: [String: Double?] = [:]
        for (e, y) in zip(ledger.exposures, labels) { result[e.decisionId] = y }
        return result
    }
}
