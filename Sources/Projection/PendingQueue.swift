/// An exposure waiting for its attribution window to close in event time.
struct PendingExposure: Sendable, Equatable, Comparable {
    /// `at + attribution window`, ms: when the exposure is committed.
    var windowEnd: Int64
    /// Exposure time, ms.
    var at: Int64
    /// The decision's `eventId`.
    var decisionId: String
    /// The offer.
    var offerId: String
    /// The customer.
    var customerId: String

    static func < (a: PendingExposure, b: PendingExposure) -> Bool {
        (a.windowEnd, a.at, a.decisionId, a.offerId) < (b.windowEnd, b.at, b.decisionId, b.offerId)
    }
}

/// Pending exposures in commit order. Inserting in any order (backfill, late decisions) and
/// popping what is due cost O(log n) each. Its content is canonical: the same set of exposures
/// pops in the same order, and `elements` lists them sorted.
///
/// The exposures are kept in one binary heap per hour of `windowEnd`, found through a heap of
/// the hours: an insert after a value copy (a snapshot taking the state) copies one hour's
/// heap, not every pending exposure.
struct PendingQueue: Sendable, Equatable {
    private static let bucketMillis: Int64 = 3_600_000
    private var buckets: [Int64: BinaryHeap<PendingExposure>] = [:]
    private var hours = BinaryHeap<Int64>()

    init() {}

    init(sorted: [PendingExposure]) {
        for p in sorted { insert(p) }
    }

    /// The pending exposures in commit order (sorts: for snapshots, not for the fold).
    var elements: [PendingExposure] { buckets.values.flatMap(\.unordered).sorted() }

    mutating func insert(_ p: PendingExposure) {
        let hour = Self.hour(of: p.windowEnd)
        if buckets[hour] == nil { hours.insert(hour) }
        buckets[hour, default: BinaryHeap()].insert(p)
    }

    /// Removes and returns, in order, every exposure with `windowEnd ≤ millis`.
    mutating func popDue(atMillis millis: Int64) -> [PendingExposure] {
        var due: [PendingExposure] = []
        while let hour = hours.first, hour * Self.bucketMillis <= millis {
            while let first = buckets[hour]?.first, first.windowEnd <= millis { due.append(buckets[hour]!.popFirst()!) }
            guard buckets[hour]?.isEmpty ?? true else { break }
            buckets[hour] = nil
            _ = hours.popFirst()
        }
        return due
    }

    private static func hour(of millis: Int64) -> Int64 {
        millis / bucketMillis - (millis % bucketMillis < 0 ? 1 : 0)
    }

    static func == (a: PendingQueue, b: PendingQueue) -> Bool { a.elements == b.elements }
}
