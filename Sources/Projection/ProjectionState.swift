import Learning
import XSellCore

/// The projection: a pure, deterministic fold of the event log (guide §6, DESIGN property 2).
///
/// `apply` folds log records in log order. It reads no clock, does no I/O and draws no random
/// numbers; its only clock is the log's event-time clock, the largest `occurredAt` seen. The
/// labelling and learning rules make the result independent of arrival order within the
/// horizon (see docs/adr/0003-projection.md):
///
/// * an exposure is committed to its offer's learner when the log clock passes the end of its
///   attribution window, labelled by the event-time rule of the customer × offer ledger;
/// * learners learn committed examples in `(exposure time, decision id)` order; an example that
///   arrives out of that order, or a label revised by a late event, is learned by rebuilding
///   the offer's model from its latest checkpoint before the change at the next `settle()`
///   (the caller's: after a replay, or when a live runner has caught up);
/// * nothing sweeps all customers when the clock moves: a customer's record is pruned to the
///   horizon when the fold next touches it, and readers and snapshots see it pruned;
/// * profile attributes and holdings are last-writer-wins by event time; an exposure of a
///   decision without a feature snapshot is encoded, when committed, from the attributes as of
///   the decision's own event time.
public struct ProjectionState: Sendable {
    /// What the fold needs from the configuration.
    public let settings: ProjectionSettings
    /// The position after the last applied log record (records below it are skipped).
    public internal(set) var nextPosition: UInt64 = 0
    /// The log's event-time clock: the largest `occurredAt` seen, ms (`nil` before any event).
    public internal(set) var clockMillis: Int64?
    /// Start of the clock's UTC day minus the horizon; older entries are dropped.
    var cutoffMillis: Int64?
    var customers = ShardedDictionary<CustomerRecord>()
    /// The numbers customer records store attribute names under.
    var attributeNames: AttributeNames
    var learners: [String: OfferLearner]
    var experiments: [ExperimentKey: ArmCounts] = [:]
    var pending = PendingQueue()
    /// Logged decisions by the request they answered (idempotent requests).
    var requests = RequestIndex()

    /// An empty projection for `config`.
    public init(config: XSellConfig) {
        self.init(settings: ProjectionSettings(config: config))
    }

    /// An empty projection with these settings.
    public init(settings: ProjectionSettings) {
        self.settings = settings
        attributeNames = AttributeNames(schemaFields: settings.schemaFields)
        var learners: [String: OfferLearner] = [:]
        for id in settings.offers.keys {
            learners[id] = OfferLearner(
                model: UpliftModel(inputDimension: settings.encoder.dimension, parameters: settings.uplift, settings: settings.learner),
                packing: settings.packing)
        }
        self.learners = learners
    }

    /// The feature state of `customerId`, or `nil` if the log never mentioned the customer.
    public func customer(_ customerId: String) -> CustomerState? { record(customerId)?.state(attributeNames) }

    /// The record of `customerId` as the eager rule would have it: pruned at the current cutoff.
    func record(_ customerId: String) -> CustomerRecord? {
        customers[customerId]?.pruned(cutoffMillis: cutoffMillis, windowMillis: settings.windowMillis)
    }

    /// How many customers the projection knows.
    public var customerCount: Int { customers.count }

    /// Whether every learner satisfies its invariant (no rebuild pending).
    public var isSettled: Bool { !learners.values.contains { $0.stale } }

    /// Folds one log record. Records whose `position` is below `nextPosition` were already
    /// applied (for example by the snapshot the state was loaded from) and are skipped.
    /// - Returns: whether the record was applied.
    @discardableResult
    public mutating func apply(_ event: DomainEvent, position: UInt64) -> Bool {
        guard position >= nextPosition else { return false }
        nextPosition = position + 1
        advanceClock(to: event.occurredAt.millisecondsSinceEpoch)
        switch event {
        case .profile(let e): applyProfile(e)
        case .decision(let e): applyDecision(e)
        case .interaction(let e): applyInteraction(e)
        }
        commitDue()
        return true
    }

    /// Learns every stored example the learners have not learned yet, and rebuilds those that
    /// late or revised examples made stale, each from its latest checkpoint before the earliest
    /// change; restores the invariant that each model is the ordered fold of its examples.
    /// Idempotent. `apply` never learns (so a backfill costs one rebuild, not one per day, and
    /// folding an event costs the same whatever the learners are): call it after a replay, or
    /// use `learn(budget:)` to learn in slices.
    public mutating func settle() {
        for i in learners.values.indices where learners.values[i].stale {
            learners.values[i].settle(clockMillis: clockMillis)
        }
    }

    /// Learns at most `budget` examples towards `settle()` (a live runner's slice: the state is
    /// not available to readers while it learns). - Returns: how many were learned.
    @discardableResult
    public mutating func learn(budget: Int) -> Int {
        var left = budget
        for i in learners.values.indices where left > 0 && learners.values[i].stale {
            left -= learners.values[i].learn(budget: left, clockMillis: clockMillis)
        }
        return budget - left
    }

    /// Examples committed to the learners and not learned yet (what `settle` has left to do).
    public var unlearnedExamples: Int { learners.values.reduce(0) { $0 + $1.unlearned } }

    // MARK: - Clock and horizon

    /// Moves the clock forward; on a new UTC day, moves the cutoff and drops the examples that
    /// fell behind it (customers are pruned lazily, when touched).
    private mutating func advanceClock(to t: Int64) {
        if let c = clockMillis, t <= c { return }
        clockMillis = t
        for i in learners.values.indices { learners.values[i].model.advance(toMillis: t) }
        let day = Timestamp.millisecondsPerDay
        let dayStart = (t / day - (t % day < 0 ? 1 : 0)) * day
        let cutoff = dayStart - settings.horizonMillis
        guard cutoff != cutoffMillis else { return }
        cutoffMillis = cutoff
        requests.prune(dayStart: dayStart)
        let keep = exampleFloor
        for i in learners.values.indices { learners.values[i].prune(olderThan: keep) }
    }

    /// Takes `customerId`'s record out of the map (a new one if unknown), pruned at the
    /// cutoff; put it back with `customers[id] = record` (swap out, modify, swap in: the record
    /// is uniquely referenced while it is modified, so nothing is copied).
    private mutating func takeRecord(_ customerId: String) -> CustomerRecord {
        var record = customers.removeValue(forKey: customerId) ?? CustomerRecord(customerId: customerId)
        if let cutoff = cutoffMillis { record.prune(cutoffMillis: cutoff, windowMillis: settings.windowMillis) }
        return record
    }

    /// Every record pruned at the cutoff (what snapshots serialise); O(customers).
    mutating func pruneAll() {
        guard let cutoff = cutoffMillis else { return }
        customers.mutateValues { $0.prune(cutoffMillis: cutoff, windowMillis: settings.windowMillis) }
    }

    /// Examples before this cannot be in any live model generation (day-aligned, so the stored
    /// set does not depend on when the clock moved).
    private var exampleFloor: Int64 {
        (cutoffMillis ?? .min / 2) + settings.horizonMillis - settings.exampleRetentionMillis
    }

    /// Whether an event at `at` can still change a label (`at + window > cutoff`).
    private func acceptsLearning(at: Int64) -> Bool {
        guard let cutoff = cutoffMillis else { return true }
        return at + settings.windowMillis > cutoff
    }

    /// Whether an event at `at` is kept in the contact and outcome history.
    private func keepsHistory(at: Int64) -> Bool {
        guard let cutoff = cutoffMillis else { return true }
        return at >= cutoff
    }

    // MARK: - Events

    private mutating func applyProfile(_ e: ProfileEvent) {
        let at = e.occurredAt.millisecondsSinceEpoch
        var record = takeRecord(e.customerId)
        for (name, value) in e.attributes { record.attributes.set(attributeNames.number(of: name), to: value, at: at) }
        reencode(&record, since: at)
        customers[e.customerId] = record
    }

    private mutating func applyDecision(_ d: DecisionEvent) {
        let at = d.occurredAt.millisecondsSinceEpoch
        requests.insert(d, dayStart: cutoffMillis.map { $0 + settings.horizonMillis })
        guard acceptsLearning(at: at) else { return }
        var record = takeRecord(d.customerId)
        defer { customers[d.customerId] = record }
        guard record.seen[d.eventId] == nil else { return }
        record.seen[d.eventId] = at
        let treated = d.arm == .treatment
        let offers = Self.unique(treated ? d.decisions.map(\.offerId) : d.candidates).map(settings.canonical(offerId:))
        if treated && keepsHistory(at: at) && !settings.explicitImpressionChannels.contains(d.channel) {
            for offerId in offers {
                record.contacts.insert(Contact(eventId: d.eventId, offerId: offerId, channel: d.channel, at: d.occurredAt, kind: .decision))
            }
        }
        let learned = offers.compactMap { id in settings.offerNumbers[id].map { (id, $0) } }
        guard !learned.isEmpty else { return }
        let x = d.features.map { settings.packing.pack(settings.encoder.encode($0)) }
        for (offerId, offer) in learned {
            record.ledgers.insert(
                Exposure(
                    decisionId: d.eventId, at: at, offer: offer, treated: treated, hasSnapshot: x != nil,
                    flowKey: d.decisionFlowKey, x: x))
            pending.insert(PendingExposure(
                windowEnd: at + settings.windowMillis, at: at, decisionId: d.eventId,
                offerId: offerId, customerId: d.customerId))
            relabel(&record, offerId: offerId)
        }
    }

    private mutating func applyInteraction(_ e: InteractionEvent) {
        let at = e.occurredAt.millisecondsSinceEpoch
        let offerId = settings.canonical(offerId: e.offerId)
        let offer = settings.offers[offerId]
        let holding = e.outcome == .conversion ? offer?.holding : nil
        guard acceptsLearning(at: at) || holding != nil else { return }
        var record = takeRecord(e.customerId)
        defer { customers[e.customerId] = record }
        if let holding {
            record.attributes.set(attributeNames.number(of: holding), to: .boolean(true), at: at)
            reencode(&record, since: at)
        }
        guard acceptsLearning(at: at), record.seen[e.eventId] == nil else { return }
        record.seen[e.eventId] = at
        if keepsHistory(at: at) {
            record.outcomes.insert(OutcomeRecord(eventId: e.eventId, offerId: offerId, channel: e.channel, outcome: e.outcome, at: e.occurredAt))
            if e.outcome == .impression && settings.explicitImpressionChannels.contains(e.channel) {
                record.contacts.insert(Contact(eventId: e.eventId, offerId: offerId, channel: e.channel, at: e.occurredAt, kind: .impression))
            }
        }
        guard let number = settings.offerNumbers[offerId], e.outcome == .conversion || e.outcome.isNegative else { return }
        record.ledgers.insert(Mark(eventId: e.eventId, at: at, offer: number, kind: e.outcome == .conversion ? .conversion : .negative))
        relabel(&record, offerId: offerId)
    }

    // MARK: - Labels and learning

    /// Re-derives the labels of `offerId`'s ledger and revises committed examples whose label
    /// a late event changed.
    private mutating func relabel(_ record: inout CustomerRecord, offerId: String) {
        guard let clock = clockMillis,
              let number = settings.offerNumbers[offerId],
              case let revisions = record.ledgers.relabel(number, windowMillis: settings.windowMillis, clockMillis: clock)
        else { return }
        for r in revisions {
            learners[offerId]?.revise(Example.Key(at: r.exposure.at, decisionId: r.exposure.decisionId), y: r.new)
            count(r.exposure, offerId: offerId, y: r.old, sign: -1)
            count(r.exposure, offerId: offerId, y: r.new, sign: 1)
        }
    }

    /// Re-encodes committed exposures without a feature snapshot at or after `since`: a late
    /// attribute change alters what their decisions saw.
    private mutating func reencode(_ record: inout CustomerRecord, since: Int64) {
        for e in record.ledgers.exposures where !e.hasSnapshot && e.committed != nil && e.at >= since {
            let x = features(of: record, asOf: e.at)
            learners[settings.sortedOfferIds[Int(e.offer)]]?.revise(Example.Key(at: e.at, decisionId: e.decisionId), x: x)
        }
    }

    /// The encoded attributes of `record` as of event time `at` (what a decision at `at` saw).
    private func features(of record: CustomerRecord, asOf at: Int64) -> PackedFeatures {
        settings.packing.pack(settings.encoder.encode { name in
            attributeNames.existingNumber(of: name).flatMap { record.attributes.value(of: $0, asOf: at) }
        })
    }

    /// Commits, in canonical order, every exposure whose attribution window has closed.
    private mutating func commitDue() {
        guard let clock = clockMillis else { return }
        for p in pending.popDue(atMillis: clock) {
            guard customers.contains(p.customerId) else { continue }
            var record = takeRecord(p.customerId)
            defer { customers[p.customerId] = record }
            guard let number = settings.offerNumbers[p.offerId], let (exposure, y) = record.ledgers.commit(
                number, decisionId: p.decisionId, windowMillis: settings.windowMillis, clockMillis: clock)
            else { continue }
            if exposure.at >= exampleFloor {
                let x = exposure.x ?? features(of: record, asOf: exposure.at)
                learners[p.offerId]?.commit(
                    Example(decisionId: exposure.decisionId, at: exposure.at, x: x, treated: exposure.treated, y: y))
            }
            count(exposure, offerId: p.offerId, y: y, sign: 1)
        }
    }

    private mutating func count(_ e: Exposure, offerId: String, y: Double, sign: Int) {
        let key = ExperimentKey(flowKey: e.flowKey, offerId: offerId)
        let converted = y >= 0.5 ? sign : 0
        if e.treated {
            experiments[key, default: ArmCounts()].treated += sign
            experiments[key, default: ArmCounts()].treatedConversions += converted
        } else {
            experiments[key, default: ArmCounts()].control += sign
            experiments[key, default: ArmCounts()].controlConversions += converted
        }
    }

    private static func unique(_ ids: [String]) -> [String] {
        var seen = Set<String>()
        return ids.filter { seen.insert($0).inserted }
    }
}

/// A flow × offer pair of the experiment report.
struct ExperimentKey: Sendable, Hashable, Comparable {
    var flowKey: String
    var offerId: String

    static func < (a: ExperimentKey, b: ExperimentKey) -> Bool { (a.flowKey, a.offerId) < (b.flowKey, b.offerId) }
}
