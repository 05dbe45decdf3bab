import Learning

/// One committed, labelled exposure: what an offer's learner learns from.
struct Example: Sendable, Equatable {
    /// The decision's `eventId`.
    var decisionId: String
    /// Exposure (decision) time, ms.
    var at: Int64
    /// Feature snapshot of the decision.
    var x: [Double]
    /// Treatment or control arm.
    var treated: Bool
    /// The label, 1 or 0.
    var y: Double
}

/// The learner of one offer and the committed examples it is a fold of.
///
/// Invariant (when not `stale`): `model` is exactly an empty `UpliftModel` updated with every
/// stored example in `(at, decisionId)` order, then advanced to the log clock. Examples that
/// arrive in that order are appended and learned at once. One that sorts before the last one
/// (late or backfilled), or a revised label or feature vector, marks the learner dirty from its
/// key; `settle` then restores the latest checkpoint before that key and re-learns only the
/// examples after it. A checkpoint is the model as it was before the first example of a UTC
/// day: of every day in the last ``denseCheckpointDays``, and of every 7th day before, so a
/// rebuild re-learns the days from the earliest change on, plus at most 6 days for a change
/// older than that (a model is large: daily checkpoints of a 90-day lookback held 90 copies).
struct OfferLearner: Sendable {
    /// The model before the examples from `key` on were learned.
    struct Checkpoint: Sendable {
        var key: Example.Key
        var model: UpliftModel
    }

    /// The uplift model.
    var model: UpliftModel
    /// Committed examples inside the lookback (plus one bucket), in `(at, decisionId)` order
    /// (chunked: an append after a snapshot's copy copies one chunk).
    private(set) var examples = ChunkedArray<Example>()
    /// Examples committed out of order since the last `settle`, by decision id (merged by `settle`).
    private var late: [String: Example] = [:]
    /// The smallest key whose example the model has not learned as the invariant requires.
    private var dirtyFrom: Example.Key?
    /// Checkpoints in ascending key order (not part of the state's meaning: never serialised).
    private var checkpoints: [Checkpoint] = []
    /// Days behind the newest checkpoint within which every day keeps its checkpoint.
    static let denseCheckpointDays: Int64 = 16

    init(model: UpliftModel) {
        self.model = model
    }

    /// A learner restored from a snapshot: a settled model and its examples in key order.
    init(model: UpliftModel, sortedExamples: [Example]) {
        self.model = model
        self.examples = ChunkedArray(sortedExamples)
    }

    /// Whether `model` no longer satisfies the invariant.
    var stale: Bool { dirtyFrom != nil }

    /// Every stored example in key order (after `settle`; a stale learner lists late ones last).
    var allExamples: [Example] { Array(examples) + late.values.sorted { $0.key < $1.key } }

    mutating func commit(_ e: Example) {
        if let last = examples.last, !(last.key < e.key) {
            late[e.decisionId] = e
            markDirty(e.key)
            return
        }
        if dirtyFrom == nil {
            if examples.last.map({ Self.day(of: $0.at) != Self.day(of: e.at) }) ?? true {
                appendCheckpoint(Checkpoint(key: e.key, model: model))
            }
            model.update(x: e.x, treated: e.treated, y: e.y, atMillis: e.at)
        }
        examples.append(e)
    }

    /// Changes the label or features of the committed example `key` (a late event revised them).
    mutating func revise(_ key: Example.Key, x: [Double]? = nil, y: Double? = nil) {
        func apply(_ e: inout Example) -> Bool {
            let before = e
            if let x { e.x = x }
            if let y { e.y = y }
            return e != before
        }
        if let i = index(of: key) {
            if apply(&examples[i]) { markDirty(key) }
        } else if late[key.decisionId] != nil, apply(&late[key.decisionId]!) {
            markDirty(key)
        }
    }

    /// Drops examples (and checkpoints) before `millis`: they cannot be in any live generation.
    mutating func prune(olderThan millis: Int64) {
        if let first = examples.first, first.at < millis {
            examples.removeFirst(examples.partitioningIndex { $0.at >= millis })
        }
        if late.values.contains(where: { $0.at < millis }) { late = late.filter { $0.value.at >= millis } }
        if let first = checkpoints.first, first.key.at < millis {
            checkpoints.removeFirst(checkpoints.partitioningIndex { $0.key.at >= millis })
        }
    }

    /// Restores the invariant if the learner is stale: merges late examples into the ordered
    /// store, then re-learns from the latest checkpoint at or before the earliest change.
    mutating func settle(clockMillis: Int64?) {
        guard let dirty = dirtyFrom else { return }
        if !late.isEmpty {
            examples = Self.merge(examples, late.values.sorted { $0.key < $1.key })
            late = [:]
        }
        let kept = checkpoints.partitioningIndex { dirty < $0.key }
        checkpoints.removeLast(checkpoints.count - kept)
        var rebuilt: UpliftModel
        var i = 0
        if let resume = checkpoints.last {
            rebuilt = resume.model
            i = examples.partitioningIndex { !($0.key < resume.key) }
        } else {
            rebuilt = UpliftModel(inputDimension: model.inputDimension, parameters: model.parameters, settings: model.settings)
        }
        while i < examples.count {
            let e = examples[i]
            let newDay = i == 0 || Self.day(of: examples[i - 1].at) != Self.day(of: e.at)
            if newDay, checkpoints.last.map({ $0.key < e.key }) ?? true {
                appendCheckpoint(Checkpoint(key: e.key, model: rebuilt))
            }
            rebuilt.update(x: e.x, treated: e.treated, y: e.y, atMillis: e.at)
            i += 1
        }
        if let clockMillis { rebuilt.advance(toMillis: clockMillis) }
        model = rebuilt
        dirtyFrom = nil
    }

    /// Appends `checkpoint` (the newest) and drops, of those more than ``denseCheckpointDays``
    /// older, the ones not on a 7th day.
    private mutating func appendCheckpoint(_ checkpoint: Checkpoint) {
        let dense = Self.day(of: checkpoint.key.at) - Self.denseCheckpointDays
        checkpoints.removeAll { Self.day(of: $0.key.at) < dense && Self.day(of: $0.key.at) % 7 != 0 }
        checkpoints.append(checkpoint)
    }

    private mutating func markDirty(_ key: Example.Key) {
        if dirtyFrom.map({ key < $0 }) ?? true { dirtyFrom = key }
    }

    private func index(of key: Example.Key) -> Int? {
        let i = examples.partitioningIndex { !($0.key < key) }
        return i < examples.count && examples[i].key == key ? i : nil
    }

    private static func day(of millis: Int64) -> Int64 {
        let d = UpliftModel.millisPerDay
        return millis / d - (millis % d < 0 ? 1 : 0)
    }

    private static func merge(_ a: ChunkedArray<Example>, _ b: [Example]) -> ChunkedArray<Example> {
        var out = ChunkedArray<Example>()
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i].key < b[j].key) {
                out.append(a[i])
                i += 1
            } else {
                out.append(b[j])
                j += 1
            }
        }
        return out
    }
}

extension Example {
    /// The canonical learning order.
    struct Key: Sendable, Equatable, Comparable {
        var at: Int64
        var decisionId: String

        static func < (a: Key, b: Key) -> Bool { (a.at, a.decisionId) < (b.at, b.decisionId) }
    }

    var key: Key { Key(at: at, decisionId: decisionId) }
}

extension Array {
    /// The first index whose element satisfies `belongs`, for a predicate that is false then
    /// true along the array (binary search).
    func partitioningIndex(where belongs: (Element) -> Bool) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if belongs(self[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
