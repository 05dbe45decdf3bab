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
/// arrive in that order are learned at once; an example that sorts before the last one learned,
/// or a revised label, marks the learner stale until `settle` rebuilds the model from the store.
struct OfferLearner: Sendable, Equatable {
    /// The uplift model.
    var model: UpliftModel
    /// Committed examples inside the lookback (plus one bucket), by decision id.
    var examples: [String: Example] = [:]
    /// `(at, decisionId)` of the last example learned incrementally.
    var frontier: Example.Key?
    /// Whether `model` no longer satisfies the invariant.
    var stale = false

    init(model: UpliftModel) {
        self.model = model
    }

    mutating func commit(_ e: Example) {
        examples[e.decisionId] = e
        if !stale, frontier.map({ $0 < e.key }) ?? true {
            model.update(x: e.x, treated: e.treated, y: e.y, atMillis: e.at)
            frontier = e.key
        } else {
            stale = true
        }
    }

    /// Changes a committed example's label or features (a late event revised them).
    mutating func revise(decisionId: String, x: [Double]? = nil, y: Double? = nil) {
        guard var e = examples[decisionId] else { return }
        if let x { e.x = x }
        if let y { e.y = y }
        guard e != examples[decisionId] else { return }
        examples[decisionId] = e
        stale = true
    }

    mutating func prune(olderThan millis: Int64) {
        if examples.values.contains(where: { $0.at < millis }) { examples = examples.filter { $0.value.at >= millis } }
    }

    /// Rebuilds the model from the stored examples if it is stale.
    mutating func settle(clockMillis: Int64?) {
        guard stale else { return }
        var fresh = UpliftModel(inputDimension: model.inputDimension, parameters: model.parameters, settings: model.settings)
        let ordered = examples.values.sorted { $0.key < $1.key }
        for e in ordered { fresh.update(x: e.x, treated: e.treated, y: e.y, atMillis: e.at) }
        if let clockMillis { fresh.advance(toMillis: clockMillis) }
        model = fresh
        frontier = ordered.last?.key
        stale = false
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
