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

/// Pending exposures in commit order: a sorted array with a consumed prefix, so that the
/// common case (exposures arriving in time order) appends and pops in O(1), and the content is
/// canonical (the same set gives the same array whatever the arrival order).
struct PendingQueue: Sendable, Equatable {
    private var items: [PendingExposure] = []
    private var head = 0

    init() {}

    init(sorted: [PendingExposure]) {
        items = sorted
    }

    /// The pending exposures in commit order.
    var elements: ArraySlice<PendingExposure> { items[head...] }

    mutating func insert(_ p: PendingExposure) {
        var lo = head, hi = items.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if items[mid] < p { lo = mid + 1 } else { hi = mid }
        }
        items.insert(p, at: lo)
    }

    /// Removes and returns, in order, every exposure with `windowEnd ≤ millis`.
    mutating func popDue(atMillis millis: Int64) -> [PendingExposure] {
        let start = head
        while head < items.count && items[head].windowEnd <= millis { head += 1 }
        let due = Array(items[start..<head])
        if head > 1024 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return due
    }

    static func == (a: PendingQueue, b: PendingQueue) -> Bool { a.elements == b.elements }
}
