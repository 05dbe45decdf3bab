import XSellCore

/// An entry of a ``Timeline``: something that happened at an event time, with the keys a
/// decision looks it up by.
public protocol TimelineEntry: Sendable, Equatable {
    /// What the timeline indexes entries by (an offer, a channel, an outcome, …).
    associatedtype IndexKey: Hashable & Sendable
    /// Event time.
    var at: Timestamp { get }
    /// The keys this entry is found under.
    var indexKeys: [IndexKey] { get }
    /// Whether `key` is among ``indexKeys`` (without building them).
    func isFound(under key: IndexKey) -> Bool
    /// The total order of the timeline: by time, ties broken by the entry's identity.
    static func ordered(_ a: Self, before b: Self) -> Bool
}

/// Entries in event-time order (the ``TimelineEntry/ordered(_:before:)`` order), with lookups
/// whose cost does not grow with the length of the history.
///
/// A short timeline is scanned newest first, stopping at the window's bound; once it holds
/// ``indexThreshold`` entries it also keeps, per index key, the entries under that key in the
/// same order, so that a count in a window is two binary searches and a latest entry one
/// look-up. Either way a lookup answers what a scan of every entry answers (same entry on
/// ties: the last one in timeline order). The index is derived from the entries: two
/// timelines are equal when their entries are.
public struct Timeline<Entry: TimelineEntry>: Sendable, Equatable, RandomAccessCollection, ExpressibleByArrayLiteral {
    /// The entry count from which the per-key index is kept.
    public static var indexThreshold: Int { 32 }

    /// The entries, in timeline order.
    public private(set) var entries: [Entry]
    /// The entries under each key, in timeline order, once the timeline is long (derived).
    @usableFromInline var index: [Entry.IndexKey: [Entry]]?

    /// An empty timeline.
    public init() {
        entries = []
    }

    /// A timeline of `entries` (put in timeline order).
    public init(_ entries: some Sequence<Entry>) {
        self.entries = entries.sorted(by: Entry.ordered(_:before:))
        reindex()
    }

    /// A timeline of these entries (put in timeline order).
    public init(arrayLiteral entries: Entry...) {
        self.init(entries)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.entries == rhs.entries }

    @inlinable
    public var startIndex: Int { entries.startIndex }
    @inlinable
    public var endIndex: Int { entries.endIndex }
    @inlinable
    public subscript(position: Int) -> Entry { entries[position] }

    /// Inserts `entry` at its place in timeline order (after equal entries).
    public mutating func insert(_ entry: Entry) {
        entries.insert(entry, at: Self.insertionIndex(of: entry, in: entries))
        if index == nil {
            reindex()
        } else {
            for key in entry.indexKeys {
                let position = Self.insertionIndex(of: entry, in: index![key] ?? [])
                index![key, default: []].insert(entry, at: position)
            }
        }
    }

    /// Drops the entries before `instant`.
    public mutating func removeAll(before instant: Timestamp) {
        let bound = InstantBound(instant: instant, inclusive: true)
        let first = Self.firstIndex(in: entries, admittedBy: bound)
        guard first > 0 else { return }
        entries.removeFirst(first)
        reindex()
    }

    /// The position of the first entry that `bound` admits (binary search).
    @inlinable
    public func firstIndex(admittedBy bound: InstantBound) -> Int {
        Self.firstIndex(in: entries, admittedBy: bound)
    }

    /// The number of entries inside `bound`, under `key` (every entry when `nil`).
    @inlinable
    public func count(admittedBy bound: InstantBound, key: Entry.IndexKey? = nil) -> Int {
        guard let key else { return entries.count - firstIndex(admittedBy: bound) }
        if let index {
            let list = index[key] ?? []
            return list.count - Self.firstIndex(in: list, admittedBy: bound)
        }
        var count = 0
        for entry in entries.reversed() {
            guard bound.admits(entry.at) else { break }
            if entry.isFound(under: key) { count += 1 }
        }
        return count
    }

    /// The last entry in timeline order inside `bound`, under `key` (any entry when `nil`).
    @inlinable
    public func latest(admittedBy bound: InstantBound, key: Entry.IndexKey? = nil) -> Entry? {
        let found: Entry?
        if let key, let index {
            found = index[key]?.last
        } else if let key {
            found = entries.last { $0.isFound(under: key) || !bound.admits($0.at) }
        } else {
            found = entries.last
        }
        return found.flatMap { bound.admits($0.at) ? $0 : nil }
    }

    /// The number of entries inside `bound` under any of `keys`, keys under which no entry is
    /// found twice.
    @inlinable
    public func count(admittedBy bound: InstantBound, keys: some Sequence<Entry.IndexKey>) -> Int {
        keys.reduce(0) { $0 + count(admittedBy: bound, key: $1) }
    }

    /// The last entry in timeline order inside `bound` under any of `keys`.
    @inlinable
    public func latest(admittedBy bound: InstantBound, keys: some Sequence<Entry.IndexKey>) -> Entry? {
        keys.lazy.compactMap { latest(admittedBy: bound, key: $0) }.max(by: Entry.ordered(_:before:))
    }

    private mutating func reindex() {
        guard entries.count >= Self.indexThreshold else {
            index = nil
            return
        }
        var built: [Entry.IndexKey: [Entry]] = [:]
        for entry in entries {
            for key in entry.indexKeys { built[key, default: []].append(entry) }
        }
        index = built
    }

    private static func insertionIndex(of entry: Entry, in list: [Entry]) -> Int {
        partitionIndex(in: list) { Entry.ordered(entry, before: $0) }
    }

    @inlinable
    static func firstIndex(in list: [Entry], admittedBy bound: InstantBound) -> Int {
        partitionIndex(in: list) { bound.admits($0.at) }
    }

    /// The index of the first of `list` for which `isAfter` holds (binary search; `isAfter`
    /// is false for a prefix of `list` and true for the rest).
    @inlinable
    static func partitionIndex(in list: [Entry], where isAfter: (Entry) -> Bool) -> Int {
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if isAfter(list[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
