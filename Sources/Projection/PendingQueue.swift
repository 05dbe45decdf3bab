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

/// Pending exposures in commit order: a binary heap, so that inserting in any order (backfill,
/// late decisions) and popping what is due cost O(log n) each. Its content is canonical: the
/// same set of exposures pops in the same order, and `elements` lists them sorted.
struct PendingQueue: Sendable, Equatable {
    private var heap = BinaryHeap<PendingExposure>()

    init() {}

    init(sorted: [PendingExposure]) {
        for p in sorted { heap.insert(p) }
    }

    /// The pending exposures in commit order (sorts: for snapshots, not for the fold).
    var elements: [PendingExposure] { heap.unordered.sorted() }

    mutating func insert(_ p: PendingExposure) { heap.insert(p) }

    /// Removes and returns, in order, every exposure with `windowEnd ≤ millis`.
    mutating func popDue(atMillis millis: Int64) -> [PendingExposure] {
        var due: [PendingExposure] = []
        while let first = heap.first, first.windowEnd <= millis { due.append(heap.popFirst()!) }
        return due
    }

    static func == (a: PendingQueue, b: PendingQueue) -> Bool { a.elements == b.elements }
}
