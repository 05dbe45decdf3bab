import XSellCore
import Foundation
import Learning
import Testing
import XSellTestSupport

@Suite("Uplift model")
struct UpliftModelTests {
    /// Four planted groups, one-hot in x[0...2] (group 0 is the baseline), x[3] is noise.
    struct Group {
        let pControl: Double
        let pTreated: Double
        let segment: UpliftSegment
        var tau: Double { pTreated - pControl }
    }

    static let groups = [
        Group(pControl: 0.05, pTreated: 0.25, segment: .persuadable),
        Group(pControl: 0.30, pTreated: 0.31, segment: .sureThing),
        Group(pControl: 0.40, pTreated: 0.15, segment: .sleepingDog),
        Group(pControl: 0.08, pTreated: 0.005, segment: .lostCause),
    ]

    static func features(group: Int, noise: Double) -> [Double] {
        [group == 1 ? 1 : 0, group == 2 ? 1 : 0, group == 3 ? 1 : 0, noise]
    }

    static let start: Int64 = 1_700_000_000_000

    /// 40,000 exposures over 60 days, half treated.
    static func planted(method: UpliftMethod, seed: UInt64 = 2024) -> UpliftModel {
        var rng = SplitMix64(seed: seed)
        var model = UpliftModel(inputDimension: 4, parameters: UpliftParameters(method: method))
        let total = 40_000
        for i in 0..<total {
            let g = rng.below(4)
            let treated = rng.bernoulli(0.5) == 1
            let x = features(group: g, noise: rng.uniform(-1, 1))
            let p = treated ? groups[g].pTreated : groups[g].pControl
            let t = start + Int64(i) * 60 * day / Int64(total)
            model.update(x: x, treated: treated, y: rng.bernoulli(p), atMillis: t)
        }
        return model
    }

    @Test("T- and X-learner recover the sign, size and segment of planted effects", arguments: UpliftMethod.allCases)
    func plantedEffects(method: UpliftMethod) {
        let model = Self.planted(method: method)
        #expect(model.counts.treated + model.counts.control == 40_000)
        for (g, group) in Self.groups.enumerated() {
            for noise in [-0.8, 0.0, 0.8] {
                let e = model.estimate(x: Self.features(group: g, noise: noise))
                #expect(e.status == .ok)
                #expect(e.segment == group.segment, "group \(g) \(method): τ=\(e.tau) μC=\(e.muControl)")
                #expect(abs(e.tau - group.tau) < 0.03, "group \(g) \(method): τ=\(e.tau) truth \(group.tau)")
                #expect(abs(e.muControl - group.pControl) < 0.03)
                #expect(abs(e.muTreated - group.pTreated) < 0.03)
                if abs(group.tau) > 0.05 { #expect((e.tau > 0) == (group.tau > 0)) }
                #expect(e.tau == e.rawTau)
            }
        }
    }

    @Test("X-learner uses the treatment share g to weight τ_C against τ_T")
    func xLearnerTreatmentShare() throws {
        let model = Self.planted(method: .xLearner)
        let serving = try #require(model.serving)
        let x = Self.features(group: 0, noise: 0.3)
        let g = serving.counts.treatmentShare
        #expect(abs(g - 0.5) < 0.02)
        let expected = g * serving.tauControl.predict(x: x) + (1 - g) * serving.tauTreated.predict(x: x)
        #expect(abs(model.estimate(x: x).tau - expected) < 1e-12)
        #expect(serving.tauTreated.count > 19_000 && serving.tauControl.count > 19_000)
    }

    @Test("estimates are gated to uncertain below minTreated / minControl")
    func gating() {
        var model = UpliftModel(inputDimension: 1, parameters: UpliftParameters(minTreated: 200, minControl: 50))
        let empty = model.estimate(x: [1])
        #expect(empty.status == .insufficientData && empty.segment == .uncertain && empty.tau == 0)
        #expect(empty.muTreated == 0.5 && empty.muControl == 0.5 && empty.factor == 1)
        var t = Self.start
        for i in 0..<199 {
            model.update(x: [1], treated: true, y: i % 2 == 0 ? 1 : 0, atMillis: t)
            t += 1_000
        }
        for _ in 0..<50 {
            model.update(x: [1], treated: false, y: 0, atMillis: t)
            t += 1_000
        }
        let below = model.estimate(x: [1])
        #expect(below.status == .insufficientData)
        #expect(below.segment == .uncertain)
        #expect(below.tau == 0 && below.factor == 1)
        #expect(below.rawTau > 0.3)
        #expect(below.treatedCount == 199 && below.controlCount == 50)
        model.update(x: [1], treated: true, y: 1, atMillis: t)
        let enough = model.estimate(x: [1])
        #expect(enough.status == .ok)
        #expect(enough.segment == .persuadable)
        #expect(enough.tau == enough.rawTau && enough.tau > 0.3)
        #expect(model.counts == ArmCounts(treated: 200, control: 50, treatedConversions: 101, controlConversions: 0))
    }

    /// 100 exposures a day for 200 days; the effect flips from +0.3 to −0.3 at day 100.
    static func regimeChange(lookbackDays: Int) -> UpliftModel {
        var rng = SplitMix64(seed: 77)
        var model = UpliftModel(inputDimension: 1, parameters: UpliftParameters(lookbackDays: lookbackDays))
        for d in 0..<200 {
            for k in 0..<100 {
                let treated = k % 2 == 0
                let (pT, pC) = d < 100 ? (0.4, 0.1) : (0.1, 0.4)
                let t = start + Int64(d) * day + Int64(k) * 60_000
                model.update(x: [rng.uniform(-1, 1)], treated: treated, y: rng.bernoulli(treated ? pT : pC), atMillis: t)
            }
        }
        return model
    }

    @Test("lookback forgets exposures older than lookbackDays")
    func lookbackForgets() throws {
        let model = Self.regimeChange(lookbackDays: 90)
        let clock = try #require(model.clockMillis)
        let serving = try #require(model.serving)
        #expect(serving.startMillis >= clock - 90 * day)
        #expect(serving.startMillis < clock - 75 * day)
        // Only post-change exposures at or after the serving start count.
        let countedDays = (clock - serving.startMillis) / day
        #expect(model.counts.treated + model.counts.control <= Int(countedDays + 1) * 100)
        #expect(model.counts.treated + model.counts.control >= 75 * 100)
        let e = model.estimate(x: [0])
        #expect(e.status == .ok)
        #expect(abs(e.tau + 0.3) < 0.04, "τ=\(e.tau)")
        #expect(e.segment == .sleepingDog)
        // Without the lookback the two regimes cancel out.
        let forever = Self.regimeChange(lookbackDays: 400).estimate(x: [0])
        #expect(abs(forever.tau) < 0.05, "τ=\(forever.tau)")
        #expect(forever.treatedCount == 10_000)
    }

    @Test("generations: bounded, ascending, on bucket boundaries")
    func generationInvariants() throws {
        let model = Self.regimeChange(lookbackDays: 90)
        let bucket = Int64(model.parameters.bucketDays) * day
        let starts = model.generations.map(\.startMillis)
        #expect(starts == starts.sorted())
        #expect(starts.allSatisfy { $0 % bucket == 0 })
        #expect(starts.count <= 90 / 15 + 1 && starts.count >= 90 / 15)
        let clock = try #require(model.clockMillis)
        #expect(starts.allSatisfy { $0 >= clock - 90 * day && $0 <= clock })
    }

    @Test("backfilled exposures inside the window count; exposures older than the window are ignored")
    func backfillAndStaleness() {
        var model = UpliftModel(inputDimension: 1)
        let now = Self.start + 100 * day
        model.update(x: [1], treated: true, y: 1, atMillis: now)
        model.update(x: [1], treated: true, y: 0, atMillis: now - 60 * day)  // backfilled, inside
        #expect(model.counts.treated == 2)
        let before = model
        model.update(x: [1], treated: false, y: 1, atMillis: now - 120 * day)  // outside the window
        #expect(model == before)
        #expect(model.clockMillis == now)
    }

    @Test("advancing the clock slides the window without exposures")
    func advanceSlides() {
        var model = Self.planted(method: .tLearner)
        #expect(model.estimate(x: Self.features(group: 0, noise: 0)).status == .ok)
        let clock = model.clockMillis ?? 0
        model.advance(toMillis: clock + 40 * day)
        #expect(model.counts.treated + model.counts.control < 40_000)
        model.advance(toMillis: clock + 100 * day)
        #expect(model.counts == ArmCounts())
        let e = model.estimate(x: Self.features(group: 0, noise: 0))
        #expect(e.status == .insufficientData && e.segment == .uncertain && e.muTreated == 0.5)
        model.advance(toMillis: clock)  // the clock never goes back
        #expect(model.clockMillis == clock + 100 * day)
    }

    @Test("same updates give bit-identical models and snapshots", arguments: UpliftMethod.allCases)
    func determinism(method: UpliftMethod) throws {
        let a = Self.planted(method: method, seed: 5)
        let b = Self.planted(method: method, seed: 5)
        #expect(a == b)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(a)
        let dataB = try encoder.encode(b)
        #expect(data == dataB)
        let decoded = try JSONDecoder().decode(UpliftModel.self, from: data)
        #expect(decoded == a)
        let x = Self.features(group: 2, noise: 0.1)
        #expect(decoded.estimate(x: x) == a.estimate(x: x))
        #expect(Self.planted(method: method, seed: 6) != a)
    }
}

@Suite("Uplift model: backfill")
struct UpliftBackfillTests {
    @Test("history published after newer events lands in the same generations and counts")
    func backfillMatchesInOrder() {
        let start = UpliftModelTests.start
        var events: [(t: Int64, treated: Bool, y: Double)] = []
        var rng = SplitMix64(seed: 99)
        for d in 0..<80 {
            for k in 0..<10 {
                events.append((start + Int64(d) * day + Int64(k) * 3_600_000, k % 3 != 0, rng.bernoulli(0.2)))
            }
        }
        var inOrder = UpliftModel(inputDimension: 1)
        for e in events { inOrder.update(x: [1], treated: e.treated, y: e.y, atMillis: e.t) }
        var backfilled = UpliftModel(inputDimension: 1)
        let newer = events.filter { $0.t >= start + 40 * day }
        let older = events.filter { $0.t < start + 40 * day }
        for e in newer + older { backfilled.update(x: [1], treated: e.treated, y: e.y, atMillis: e.t) }
        #expect(backfilled.clockMillis == inOrder.clockMillis)
        #expect(backfilled.generations.map(\.startMillis) == inOrder.generations.map(\.startMillis))
        #expect(backfilled.generations.map(\.counts) == inOrder.generations.map(\.counts))
        // The serving generation holds the exposures at or after the first 15-day boundary
        // inside the 90-day window.
        let bucket = 15 * day
        let windowStart = (inOrder.clockMillis ?? 0) - 90 * day
        let firstBoundary = (windowStart + bucket - 1) / bucket * bucket
        let expected = events.filter { $0.t >= firstBoundary }
        #expect(inOrder.serving?.startMillis == firstBoundary)
        #expect(inOrder.counts.treated == expected.filter(\.treated).count)
        #expect(inOrder.counts.control == expected.filter { !$0.treated }.count)
        #expect(expected.count < 800 && expected.count > 750)
    }
}
