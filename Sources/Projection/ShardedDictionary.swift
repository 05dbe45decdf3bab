/// A string-keyed dictionary split into a fixed number of shards by a deterministic hash of the
/// key, so that a write after a value copy (a snapshot taking the state) copies one shard, not
/// the whole map: at 5M customers a shard holds ≈ 76 records.
///
/// Iteration order is unspecified (as a `Dictionary`'s); callers that need a canonical order sort
/// the keys.
struct ShardedDictionary<Value: Sendable>: Sendable {
    /// Shards per map. A power of two, so a shard is the hash's low bits.
    static var shardCount: Int { 65_536 }

    private var shards: [[String: Value]]
    /// The number of keys.
    private(set) var count = 0

    /// An empty map (empty shards share one empty storage: it allocates one array).
    init() {
        shards = Array(repeating: [:], count: Self.shardCount)
    }

    private static func shard(_ key: String) -> Int {
        Int(truncatingIfNeeded: FNV1a64.hash(key.utf8)) & (shardCount - 1)
    }

    /// The value for `key`; assigning `nil` removes it.
    subscript(key: String) -> Value? {
        get { shards[Self.shard(key)][key] }
        set {
            if let newValue {
                updateValue(newValue, forKey: key)
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// Stores `value` under `key`; returns the value it replaced.
    @discardableResult
    mutating func updateValue(_ value: Value, forKey key: String) -> Value? {
        let old = shards[Self.shard(key)].updateValue(value, forKey: key)
        if old == nil { count += 1 }
        return old
    }

    /// Removes `key`; returns its value if it had one.
    @discardableResult
    mutating func removeValue(forKey key: String) -> Value? {
        let old = shards[Self.shard(key)].removeValue(forKey: key)
        if old != nil { count -= 1 }
        return old
    }

    /// Whether `key` has a value.
    func contains(_ key: String) -> Bool { shards[Self.shard(key)].index(forKey: key) != nil }

    /// Every key, in no particular order.
    var keys: [String] { shards.flatMap(\.keys) }

    /// Whether any value satisfies `predicate`.
    func contains(where predicate: (Value) -> Bool) -> Bool {
        shards.contains { $0.values.contains(where: predicate) }
    }

    /// Applies `body` to every value in place (O(count); copies every shard shared with a copy).
    mutating func mutateValues(_ body: (inout Value) -> Void) {
        for s in shards.indices {
            for i in shards[s].values.indices { body(&shards[s].values[i]) }
        }
    }

    /// Removes the entries whose value satisfies `shouldRemove`; shards without one are untouched.
    mutating func removeAll(where shouldRemove: (Value) -> Bool) {
        for s in shards.indices where shards[s].values.contains(where: shouldRemove) {
            let before = shards[s].count
            shards[s] = shards[s].filter { !shouldRemove($0.value) }
            count -= before - shards[s].count
        }
    }
}

extension ShardedDictionary: Equatable where Value: Equatable {
    static func == (a: Self, b: Self) -> Bool { a.count == b.count && a.shards == b.shards }
}
