import Learning

/// One committed, labelled exposure: what an offer's learner learns from.
struct Example: Sendable, Equatable {
    /// The decision's `eventId`.
    var decisionId: String
    /// Exposure (decision) time, ms.
    var at: Int64
    /// Feature snapshot of the decision.
    var x: PackedFeatures
    /// Treatment or control arm.
    var treated: Bool
    /// The label, 1 or 0.
    var y: Double
}

/// The learner of one offer and the committed examples it is a fold of.
///
/// Invariant (when not `stale`): `model` is exactly an empty `UpliftModel` updated with every
/// stored example in `(at, decisionId)` order, then advanced to the log clock. Committing
/// only stores: `learn(budget:)` learns in slices (the fold's cost per event does not include
/// learning, and a live runner bounds how long one slice holds the state), `settle` learns all.
/// Examples that arrive in key order are learned after those before them. One that sorts before
/// the last one (late or backfilled), or a revised label or feature vector of an example already
/// learned, marks the learner dirty from its key; the next slice starts a rebuild from the
/// latest checkpoint before that key, which serves no estimate until it has caught up (the
/// current model serves meanwhile). A checkpoint is the model as it was before the first
/// example of a UTC day: of every day in the last ``denseCheckpointDays``, and of every 7th day before, so a
/// rebuild re-learns the days from the earliest change on, plus at most 6 days for a change
/// older than that (a model is large: daily checkpoints of a 90-day lookback held 90 copies).
struct OfferLearner: Sendable {
    /// The model before the examples from `key` on were learned.
    struct Checkpoint: Sendable {
        var key: Example.Key
        var model: UpliftModel
    }

    /// The uplift model (what estimates are served from).
    var model: UpliftModel
    /// How the examples' feature vectors are stored.
    let packing: FeaturePacking
    /// A rebuild in progress (from a checkpoint, after a late change): it has learned
    /// `examples[..<learned]` and replaces `model` once it has learned them all.
    private var rebuild: UpliftModel?
    /// How many leading examples the model being learned (`rebuild`, else `model`) has learned.
    private var learned = 0
    /// Committed examples inside the lookback (plus one bucket), in `(at, decisionId)` order
    /// (chunked: an append after a snapshot's copy copies one chunk).
    private(set) var examples = ChunkedArray<Example>()
    /// Examples committed out of order since the last rebuild started, by decision id (merged
    /// into `examples` when the next one starts).
    private var late: [String: Example] = [:]
    /// The smallest key a late change touched since the last rebuild started: the next rebuild
    /// starts from the latest checkpoint at or before it.
    private var dirtyFrom: Example.Key?
    /// Checkpoints in ascending key order (not part of the state's meaning: never serialised).
    private var checkpoints: [Checkpoint] = []
    /// Days behind the newest checkpoint within which every day keeps its checkpoint.
    static let denseCheckpointDays: Int64 = 16

    init(model: UpliftModel, packing: FeaturePacking) {
        self.model = model
        self.packing = packing
    }

    /// How far learning has got: what a snapshot keeps besides the model and the stored
    /// examples, so that writing one does not have to learn first.
    struct Progress: Sendable, Equatable {
        /// The rebuild in progress, if any.
        var rebuild: UpliftModel?
        /// How many leading stored examples the model being learned has learned.
        var learned: Int
        /// Examples committed out of order since the last rebuild started, in key order.
        var late: [Example]
        /// The smallest key a late change touched since the last rebuild started.
        var dirtyFrom: Example.Key?
    }

    /// This learner's progress.
    var progress: Progress {
        Progress(rebuild: rebuild, learned: learned, late: late.values.sorted { $0.key < $1.key }, dirtyFrom: dirtyFrom)
    }

    /// A learner restored from a snapshot: its model, its examples in key order and its
    /// progress. It has no checkpoints: a rebuild it starts learns from the first example.
    init(model: UpliftModel, packing: FeaturePacking, sortedExamples: [Example], progress: Progress) {
        self.model = model
        self.packing = packing
        self.examples = ChunkedArray(sortedExamples)
        self.rebuild = progress.rebuild
        self.learned = progress.learned
        self.late = Dictionary(progress.late.map { ($0.decisionId, $0) }, uniquingKeysWith: { a, _ in a })
        self.dirtyFrom = progress.dirtyFrom
    }

    /// Whether `model` no longer satisfies the invariant (examples not learned yet, or a rebuild due).
    var stale: Bool { dirtyFrom != nil || rebuild != nil || learned < examples.count || !late.isEmpty }

    /// Stored examples the model has not learned yet (a rebuild's remainder included).
    var unlearned: Int {
        rebuild == nil && dirtyFrom != nil ? examples.count + late.count : examples.count - learned + late.count
    }

    mutating func commit(_ e: Example) {
        if let last = examples.last, !(last.key < e.key) {
            late[e.decisionId] = e
            markDirty(e.key)
            return
        }
        examples.append(e)
    }

    /// Changes the label or features of the committed example `key` (a late event revised them).
    mutating func revise(_ key: Example.Key, x: PackedFeatures? = nil, y: Double? = nil) {
        func apply(_ e: inout Example) -> Bool {
            let before = e
            if let x { e.x = x }
            if let y { e.y = y }
            return e != before
        }
        if let i = index(of: key) {
            if apply(&examples[i]), i < learned { markDirty(key) }
        } else if late[key.decisionId] != nil, apply(&late[key.decisionId]!) {
            markDirty(key)
        }
    }

    /// Drops examples (and checkpoints) before `millis`: they cannot be in any live generation.
    mutating func prune(olderThan millis: Int64) {
        if let first = examples.first, first.at < millis {
            let dropped = examples.partitioningIndex { $0.at >= millis }
            examples.removeFirst(dropped)
            learned = Swift.max(0, learned - dropped)
        }
        if late.values.contains(where: { $0.at < millis }) { late = late.filter { $0.value.at >= millis } }
        if let first = checkpoints.first, first.key.at < millis {
            checkpoints.removeFirst(checkpoints.partitioningIndex { $0.key.at >= millis })
        }
    }

    /// Restores the invariant: learns everything not learned yet (see `learn(budget:)`).
    mutating func settle(clockMillis: Int64?) {
        while stale { learn(budget: .max, clockMillis: clockMillis) }
    }

    /// Learns up to `budget` examples: if a late change made the learner dirty and no rebuild
    /// is running, first merges the late examples and starts a rebuild from the latest
    /// checkpoint at or before the earliest change; then learns the next examples in key order,
    /// taking a day's checkpoint before each day's first. When every example is learned, a
    /// finished rebuild replaces the model, and the model is advanced to `clockMillis`.
    ///
    /// A late change while a rebuild runs waits for it (late examples stay aside, the change's
    /// key is kept): restarting would let a steady trickle of late events (late conversions,
    /// a backfill) keep the served model from ever being replaced. So the served model is
    /// replaced once per rebuild, each rebuild as fresh as the data when it started, and the
    /// next one takes what arrived meanwhile.
    /// - Returns: how many examples were learned.
    @discardableResult
    mutating func learn(budget: Int, clockMillis: Int64?) -> Int {
        if rebuild == nil, let dirty = dirtyFrom {
            if !late.isEmpty {
                examples = Self.merge(examples, late.values.sorted { $0.key < $1.key })
                late = [:]
            }
            let kept = checkpoints.partitioningIndex { dirty < $0.key }
            checkpoints.removeLast(checkpoints.count - kept)
            if let resume = checkpoints.last {
                rebuild = resume.model
                learned = examples.partitioningIndex { !($0.key < resume.key) }
            } else {
                rebuild = UpliftModel(inputDimension: model.inputDimension, parameters: model.parameters, settings: model.settings)
                learned = 0
            }
            dirtyFrom = nil
        }
        let end = learned + Swift.min(budget, examples.count - learned)
        let start = learned
        if rebuild != nil {
            Self.learn(examples, packing, upTo: end, learned: &learned, checkpoints: &checkpoints, into: &rebuild!)
        } else {
            Self.learn(examples, packing, upTo: end, learned: &learned, checkpoints: &checkpoints, into: &model)
        }
        if learned == examples.count {
            if let rebuilt = rebuild {
                model = rebuilt
                rebuild = nil
            }
            if let clockMillis { model.advance(toMillis: clockMillis) }
        }
        return learned - start
    }

    /// Learns `examples[learned..<end]` into `target` (the model or the rebuild), a day (at most
    /// ``runLength`` examples) per `UpliftModel.update` call, taking each day's checkpoint first.
    private static func learn(
        _ examples: ChunkedArray<Example>, _ packing: FeaturePacking, upTo end: Int, learned: inout Int, checkpoints: inout [Checkpoint],
        into target: inout UpliftModel
    ) {
        func newDay(_ i: Int) -> Bool { i == 0 || day(of: examples[i - 1].at) != day(of: examples[i].at) }
        while learned < end {
            let e = examples[learned]
            if newDay(learned), checkpoints.last.map({ $0.key < e.key }) ?? true {
                appendCheckpoint(Checkpoint(key: e.key, model: target), to: &checkpoints)
            }
            var stop = learned + 1
            while stop < end && stop - learned < runLength && !newDay(stop) { stop += 1 }
            target.update((learned..<stop).map { i in
                let e = examples[i]
                return UpliftModel.LabelledExposure(x: packing.unpack(e.x), treated: e.treated, y: e.y, atMillis: e.at)
            })
            learned = stop
        }
    }

    /// Most examples learned in one `UpliftModel.update` call.
    static let runLength = 256

    /// Appends `checkpoint` (the newest) and drops, of those more than ``denseCheckpointDays``
    /// older, the ones not on a 7th day.
    private static func appendCheckpoint(_ checkpoint: Checkpoint, to checkpoints: inout [Checkpoint]) {
        let dense = day(of: checkpoint.key.at) - denseCheckpointDays
        checkpoints.removeAll { day(of: $0.key.at) < dense && day(of: $0.key.at) % 7 != 0 }
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

extension RandomAccessCollection where Index == Int {
    /// The first index whose element satisfies `belongs`, for a predicate that is false then
    /// true along the collection (binary search).
    func partitioningIndex(where belongs: (Element) -> Bool) -> Int {
        var lo = startIndex, hi = endIndex
        while lo < hi {
            let mid = (lo + hi) / 2
            if belongs(self[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
