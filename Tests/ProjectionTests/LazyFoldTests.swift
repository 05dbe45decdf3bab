import Learning
@testable import Projection
import Testing
import XSellCore
import XSellTestSupport

@Suite("A fold whose cost does not depend on the customer base")
struct LazyFoldTests {
    /// 300 days: customers seen only at the start, customers seen throughout, conversions and
    /// negatives, and late events up to 140 days behind the clock (past the 120-day horizon, where
    /// pruning decides what they can still change).
    static func longLog() -> [DomainEvent] {
        var rng = SplitMix64(seed: 3)
        var events: [(day: Double, event: DomainEvent)] = []
        for n in 0..<60 {
            let id = "c\(n)"
            let lastDay = n < 20 ? 20.0 : 300.0
            events.append((-1, Fixture.profile("p\(n)", id, at: -1, ["young": .boolean(n % 2 == 0), "tier": .string("t\(n % 3)")])))
            var day = rng.uniform() * 5
            var k = 0
            while day < lastDay {
                let arm: ExperimentArm = rng.uniform() < 0.2 ? .control : .treatment
                let offers = rng.uniform() < 0.5 ? ["card"] : ["card", "savings"]
                events.append((day, Fixture.decision("d\(n)-\(k)", id, at: day, arm: arm, offers: offers, features: k % 2 == 0 ? nil : ["young": .boolean(true)])))
                if rng.uniform() < 0.3 {
                    let at = day + rng.uniform() * 20
                    // Some conversions arrive 95–140 days after they happened.
                    let arrival = rng.uniform() < 0.2 ? at + 95 + rng.uniform() * 45 : at
                    events.append((arrival, Fixture.interaction("v\(n)-\(k)", id, at: at, offer: offers.last!, .conversion)))
                } else if rng.uniform() < 0.2 {
                    events.append((day + 0.5, Fixture.interaction("x\(n)-\(k)", id, at: day + 0.5, .dismiss)))
                }
                if rng.uniform() < 0.1 {
                    events.append((day + 130 * rng.uniform(), Fixture.profile("q\(n)-\(k)", id, at: day, ["tier": .string("late\(k % 2)")])))
                }
                day += 1 + rng.uniform() * 6
                k += 1
            }
        }
        return events.enumerated().sorted { ($0.element.day, $0.offset) < ($1.element.day, $1.offset) }.map(\.element.event)
    }

    static let config = Fixture.config(minTreated: 5, minControl: 2)

    @Test("pruning a customer when the fold touches it gives the state of pruning every customer whenever the cutoff moves")
    func lazyEqualsEager() throws {
        let events = Self.longLog()
        var lazy = ProjectionState(config: Self.config), eager = ProjectionState(config: Self.config)
        for (i, e) in events.enumerated() {
            lazy.apply(e, position: UInt64(i))
            eager.apply(e, position: UInt64(i))
            eager.pruneAll()
        }
        // The lazy state really is lazy: a customer last seen on day 20 still holds history.
        let stored = try #require(lazy.customers["c0"]?.contacts.count)
        #expect(stored > 0 && lazy.customer("c0")?.contacts.isEmpty == true)
        #expect(eager.customers["c0"]?.contacts.isEmpty == true)
        for n in 0..<60 {
            #expect(lazy.customer("c\(n)") == eager.customer("c\(n)"), "customer c\(n)")
            #expect(lazy.exposures(customerId: "c\(n)") == eager.exposures(customerId: "c\(n)"), "exposures of c\(n)")
        }
        #expect(lazy.experimentReport() == eager.experimentReport())
        #expect(lazy.upliftReport() == eager.upliftReport())
        #expect(lazy.stateDigest == eager.stateDigest)
        var pruned = lazy
        pruned.pruneAll()
        #expect(pruned.customers == eager.customers)
    }

    @Test("settling in several rounds from checkpoints gives the learner of the in-order fold")
    func checkpointedSettles() {
        let inOrder = SyntheticLog.generate().map(\.event)
        let reference = Fixture.fold(inOrder, config: SyntheticLog.config)
        // Decisions of days 10-20 arrive on day 55, after their windows closed, in three chunks, each
        // followed by a settle (each re-learns from a checkpoint the previous settle made).
        let late = inOrder.filter { e in
            guard case .decision = e else { return false }
            return e.occurredAt >= Fixture.time(days: 10) && e.occurredAt < Fixture.time(days: 20)
        }
        let lateIds = Set(late.map(\.eventId))
        let onTime = inOrder.filter { !lateIds.contains($0.eventId) }
        let split = onTime.firstIndex { $0.occurredAt >= Fixture.time(days: 55) }!
        var state = ProjectionState(config: SyntheticLog.config)
        var position: UInt64 = 0
        func fold(_ events: some Sequence<DomainEvent>) {
            for e in events {
                state.apply(e, position: position)
                position += 1
            }
        }
        fold(onTime[..<split])
        let third = late.count / 3
        for chunk in [late[..<third], late[third..<(2 * third)], late[(2 * third)...]] {
            fold(chunk)
            #expect(!state.isSettled)
            state.settle()
            #expect(state.isSettled)
        }
        fold(onTime[split...])
        #expect(state.upliftReport() == reference.upliftReport())
        #expect(state.experimentReport() == reference.experimentReport())
        #expect(state.stateDigest == reference.stateDigest)
    }

    @Test("the expiry queue pops in commit order whatever the insertion order")
    func expiryQueue() {
        var rng = SplitMix64(seed: 11)
        let items = (0..<500).map { i in
            PendingExposure(
                windowEnd: Int64(rng.next() % 50), at: Int64(i % 7), decisionId: "d\(i)", offerId: "o\(i % 3)", customerId: "c")
        }
        var queue = PendingQueue()
        for p in items.shuffled(using: &rng) { queue.insert(p) }
        #expect(queue.elements == items.sorted())
        #expect(queue == PendingQueue(sorted: items.sorted()))
        var popped: [PendingExposure] = []
        for t in stride(from: 0, through: 50, by: 5) { popped += queue.popDue(atMillis: Int64(t)) }
        #expect(popped == items.sorted())
        #expect(queue.elements.isEmpty)
    }
}
