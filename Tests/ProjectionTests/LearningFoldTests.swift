import Learning
import Projection
import Testing
import XSellCore
import XSellTestSupport

@Suite("Learning from the log")
struct LearningFoldTests {
    static let inOrder = SyntheticLog.generate()

    @Test("the planted effect: persuadable for young customers, sleeping dog for the others")
    func plantedEffect() throws {
        var state = SyntheticLog.fold(Self.inOrder)
        #expect(!state.isSettled && state.unlearnedExamples > 0, "folding stores examples; learning is `settle`'s")
        state.settle()
        #expect(state.isSettled && state.unlearnedExamples == 0)
        let view = state.view(customerId: "c0")
        #expect(view.customer != nil)
        let young = try #require(view.estimate(offerId: "card", features: ["young": .boolean(true), "tier": .string("silver")]))
        let old = try #require(view.estimate(offerId: "card", features: ["young": .boolean(false), "tier": .string("gold")]))
        #expect(young.uplift.status == .ok)
        #expect(young.uplift.tau > 0.1)
        #expect(young.uplift.segment == .persuadable)
        #expect(old.uplift.tau < -0.1)
        #expect(old.uplift.segment == .sleepingDog)
        #expect(young.propensity.source == .model)
        #expect(abs(young.propensity.value - young.uplift.muTreated) < 1e-12)
        #expect(view.estimate(offerId: "nope", features: [:]) == nil)
        // No data for savings yet: P falls back to the shrunk category prior.
        let savings = try #require(view.estimate(offerId: "savings", features: [:]))
        #expect(savings.propensity.source == .prior)
        #expect(savings.uplift.segment == .uncertain)
    }

    @Test("uplift and experiment reports")
    func reports() throws {
        let state = SyntheticLog.fold(Self.inOrder)
        let uplift = state.upliftReport(offerId: "card", features: [["young": .boolean(true)], ["young": .boolean(false)]])
        let card = try #require(uplift.first)
        #expect(uplift.count == 1)
        #expect(card.counts.treated + card.counts.control == 1600)
        #expect(card.rows.map(\.segment) == [.persuadable, .sleepingDog])
        #expect(state.upliftReport().map(\.offerId) == ["card", "savings"])
        let experiment = try #require(state.experimentReport().first)
        #expect(experiment.flowKey == "cross-sell" && experiment.offerId == "card")
        #expect(experiment.counts == card.counts)
        #expect(experiment.statistics.revenueValue == 120)
        #expect(experiment.statistics.treatedRate != nil && experiment.statistics.controlRate != nil)
    }

    @Test("folding the same log twice gives the same digest")
    func determinism() {
        let a = SyntheticLog.fold(Self.inOrder), b = SyntheticLog.fold(Self.inOrder)
        #expect(a.stateDigest == b.stateDigest)
        #expect(ProjectionSnapshot.encode(a) == ProjectionSnapshot.encode(b))
    }

    @Test("arrival shuffled within the attribution window gives the same state as time order")
    func shuffledWithinWindow() {
        var rng = SplitMix64(seed: 99)
        let shuffled = Self.inOrder.enumerated()
            .map { (key: $0.element.day + rng.uniform() * 25, index: $0.offset, event: $0.element) }
            .sorted { ($0.key, $0.index) < ($1.key, $1.index) }
            .map(\.event)
        // The closing tick must stay last so both logs end at the same clock.
        let reordered = shuffled.filter { $0.event.eventId != "tick" } + [Self.inOrder.last!]
        #expect(reordered.map(\.event.eventId) != Self.inOrder.map(\.event.eventId))
        let a = SyntheticLog.fold(Self.inOrder), b = SyntheticLog.fold(reordered)
        #expect(b.experimentReport() == a.experimentReport())
        #expect(b.upliftReport() == a.upliftReport())
        #expect(b.stateDigest == a.stateDigest)
    }

    @Test("history backfilled after newer events gives the same learner as time order")
    func backfill() {
        // Live events from day 25 on arrive first; then the history of days -1..<25 is published.
        let newer = Self.inOrder.filter { $0.day >= 25 }, history = Self.inOrder.filter { $0.day < 25 }
        let a = SyntheticLog.fold(Self.inOrder), b = SyntheticLog.fold(newer + history)
        #expect(b.experimentReport() == a.experimentReport())
        #expect(b.upliftReport() == a.upliftReport())
        #expect(b.stateDigest == a.stateDigest)
        // Without settling, the backfilled state is stale until the clock enters a new day.
        #expect(!b.isSettled)
        var settled = b
        settled.settle()
        #expect(settled.isSettled && settled.stateDigest == a.stateDigest)
    }

    @Test("learning in slices between folded events, backfilled, serves the models one settle gives")
    func slicedLearning() throws {
        let newer = Self.inOrder.filter { $0.day >= 25 }, history = Self.inOrder.filter { $0.day < 25 }
        var sliced = ProjectionState(config: SyntheticLog.config)
        for (i, timed) in (newer + history).enumerated() {
            sliced.apply(timed.event, position: UInt64(i))
            if i % 40 == 0 { sliced.learn(budget: 7) }  // rebuilds start, get interrupted, restart
        }
        var slices = 0
        while sliced.learn(budget: 7) > 0 { slices += 1 }
        #expect(slices > 10 && sliced.isSettled)
        var once = SyntheticLog.fold(Self.inOrder)
        once.settle()
        #expect(sliced.stateDigest == once.stateDigest)
        #expect(sliced.upliftReport() == once.upliftReport())
        for features: [String: AttributeValue] in [["young": .boolean(true)], ["young": .boolean(false), "tier": .string("gold")]] {
            let a = try #require(sliced.view(customerId: "c0").estimate(offerId: "card", features: features))
            let b = try #require(once.view(customerId: "c0").estimate(offerId: "card", features: features))
            #expect(a.uplift.tau == b.uplift.tau && a.uplift.muTreated == b.uplift.muTreated && a.propensity.value == b.propensity.value)
        }
    }

    @Test("a snapshot of learners mid-rebuild keeps their progress and settles to the state of one settle")
    func snapshotWhileLearning() throws {
        let newer = Self.inOrder.filter { $0.day >= 25 }, history = Self.inOrder.filter { $0.day < 25 }
        let settings = ProjectionSettings(config: SyntheticLog.config)
        var live = ProjectionState(config: SyntheticLog.config)
        var staleSnapshots = 0
        for (i, timed) in (newer + history).enumerated() {
            live.apply(timed.event, position: UInt64(i))
            if i % 40 == 0 { live.learn(budget: 7) }
            guard i % 500 == 250 else { continue }
            // Written as it is (not settled), restored, and the fold goes on from the restored state.
            let bytes = ProjectionSnapshot.encode(live)
            let restored = try ProjectionSnapshot.decode(bytes, settings: settings)
            #expect(ProjectionSnapshot.encode(restored) == bytes)
            #expect(restored.unlearnedExamples == live.unlearnedExamples && restored.isSettled == live.isSettled)
            if !live.isSettled { staleSnapshots += 1 }
            live = restored
        }
        #expect(staleSnapshots > 3, "the snapshots were taken while the learners had work left")
        live.settle()
        var once = SyntheticLog.fold(Self.inOrder)
        once.settle()
        #expect(live.stateDigest == once.stateDigest)
        #expect(live.upliftReport() == once.upliftReport())
    }

    @Test("the X-learner finds the same segments")
    func xLearner() throws {
        let config = Fixture.config(method: .xLearner)
        var state = Fixture.fold(Self.inOrder.map(\.event), config: config)
        state.settle()
        let rows = try #require(state.upliftReport(offerId: "card", features: [["young": .boolean(true)], ["young": .boolean(false)]]).first).rows
        #expect(rows[0].tau > 0.05)
        #expect(rows[1].tau < -0.05)
    }
}
