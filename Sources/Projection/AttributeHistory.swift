import XSellCore

/// The attribute names the projection has seen, each with a small number: the schema's fields
/// first, in schema order (so for events that carry only schema fields the table never grows),
/// then any other name in the order the fold first met it. A name's number only addresses
/// storage: everything that leaves the state (snapshots, the digest, `CustomerState`) uses
/// the name, so the numbering, which depends on arrival order, never shows.
struct AttributeNames: Sendable, Equatable {
    /// Names by number.
    private(set) var names: [String]
    /// Numbers by name.
    private var numbers: [String: UInt32]

    /// A table of `schemaFields`, numbered in order.
    init(schemaFields: [String]) {
        names = []
        numbers = [:]
        for field in schemaFields { _ = number(of: field) }
    }

    /// The number of `name`, adding it if it is new.
    mutating func number(of name: String) -> UInt32 {
        if let n = numbers[name] { return n }
        let n = UInt32(names.count)
        names.append(name)
        numbers[name] = n
        return n
    }

    /// The number of `name`, if it has one.
    func existingNumber(of name: String) -> UInt32? { numbers[name] }

    /// The name numbered `n`.
    subscript(n: UInt32) -> String { names[Int(n)] }
}

/// One customer's attribute values by event time, stored compactly: a single array of entries
/// sorted by (attribute number, event time), ties in the order they were set. The last entry of
/// an attribute is its current value (`.null`: cleared). 32 bytes an entry; the tutorial's
/// eight attributes with one value each take 256 bytes and one allocation.
struct AttributeHistory: Sendable, Equatable {
    /// A value an attribute took at an event time.
    struct Entry: Sendable, Equatable {
        /// Event time, ms.
        var at: Int64
        /// The value (`.null`: cleared).
        var value: AttributeValue
        /// The attribute's number in the state's ``AttributeNames``.
        var name: UInt32
    }

    /// Sorted by `(name, at)`; ties in insertion order.
    private(set) var entries: [Entry] = []

    /// Entries of attribute `name`.
    private func range(of name: UInt32) -> Range<Int> {
        let start = entries.partitioningIndex { $0.name >= name }
        var end = start
        while end < entries.count && entries[end].name == name { end += 1 }
        return start..<end
    }

    /// Records that `name` became `value` at `at`, after any entry of the same time. A replayed
    /// identical entry changes nothing. - Returns: whether it is now the attribute's current
    /// value (no later entry).
    @discardableResult
    mutating func set(_ name: UInt32, to value: AttributeValue, at: Int64) -> Bool {
        let r = range(of: name)
        let entry = Entry(at: at, value: value, name: name)
        guard !entries[r].contains(entry) else { return false }
        let i = entries[r].lastIndex { $0.at <= at }.map { $0 + 1 } ?? r.lowerBound
        entries.insert(entry, at: i)
        return i == r.upperBound
    }

    /// Calls `body` with each attribute's number and its entries, in number order.
    func forEachAttribute(_ body: (UInt32, ArraySlice<Entry>) -> Void) {
        var start = 0
        while start < entries.count {
            let name = entries[start].name
            var end = start + 1
            while end < entries.count && entries[end].name == name { end += 1 }
            body(name, entries[start..<end])
            start = end
        }
    }

    /// The value of `name` as of event time `at` (`nil`: never set by then, or cleared).
    func value(of name: UInt32, asOf at: Int64) -> AttributeValue? {
        let r = range(of: name)
        guard let v = entries[r].last(where: { $0.at <= at })?.value, v != .null else { return nil }
        return v
    }

    /// The current values by name (cleared attributes left out).
    func current(_ names: AttributeNames) -> [String: AttributeValue] {
        var out: [String: AttributeValue] = [:]
        out.reserveCapacity(entries.count)
        forEachAttribute { name, values in
            if let v = values.last?.value, v != .null { out[names[name]] = v }
        }
        return out
    }

    /// Whether `prune(keepFrom:)` would drop anything.
    func needsPruning(keepFrom: Int64) -> Bool {
        var needed = false
        forEachAttribute { _, values in
            if values.count > 1 && values[values.startIndex + 1].at < keepFrom { needed = true }
        }
        return needed
    }

    /// Drops, of each attribute, the entries before the last one older than `keepFrom` (that
    /// one stays: it is the value as of `keepFrom`).
    mutating func prune(keepFrom: Int64) {
        guard needsPruning(keepFrom: keepFrom) else { return }
        var kept: [Entry] = []
        kept.reserveCapacity(entries.count)
        forEachAttribute { _, values in
            let lastBefore = values.lastIndex { $0.at < keepFrom } ?? values.startIndex
            kept.append(contentsOf: values[lastBefore...])
        }
        entries = kept
    }

    /// Appends an attribute's entries read back from a snapshot (in `(at, insertion)` order).
    /// Attributes may come in any order; the entries are put in number order.
    mutating func restore(_ name: UInt32, _ values: [(at: Int64, value: AttributeValue)]) {
        let i = entries.partitioningIndex { $0.name > name }
        entries.insert(contentsOf: values.map { Entry(at: $0.at, value: $0.value, name: name) }, at: i)
    }
}
