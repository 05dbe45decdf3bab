import XSellCore
/// The per-offer uplift model: outcome learners μ_T and μ_C, the X-learner's pseudo-outcome
/// regressions τ_T and τ_C, and labelled-exposure counts, restricted to the last
/// `lookbackDays` of exposures (guide §6).
///
/// **Lookback by staggered generations.** Online learners cannot un-learn an example, so the
/// model keeps generations that start at `bucketDays` boundaries (multiples of `bucketDays`
/// since the epoch): generation `s` learns every exposure with event time `≥ s`. The model clock
/// is the largest event time seen (never the wall clock). Generations that start before
/// `clock − lookbackDays` are dropped, and the oldest remaining one — the *serving* generation —
/// answers `estimate`. So exposures older than the lookback never influence an estimate, and
/// the serving generation has seen between `lookbackDays − bucketDays` and `lookbackDays` days.
///
/// Generations are materialised lazily: only at the boundary `⌊t/bucket⌋·bucket` of an exposure
/// at `t`, as a copy of the next generation above it (or empty). A boundary without a generation
/// has by construction learned exactly what the next generation above it has, so it need not
/// be stored; and an exposure that arrives late (backfill) still reaches every boundary at or
/// before its time. See docs/adr/0002-base-learners.md.
///
/// **Determinism.** The state is a pure function of the sequence of `update`/`advance` calls.
/// Online learners are order-dependent, so the caller must feed labelled exposures in a
/// canonical order to get the same model from the same log.
public struct UpliftModel: Sendable, Codable, Equatable {
    /// Milliseconds in a day.
    public static let millisPerDay: Int64 = 86_400_000

    /// Length of the feature vectors.
    public let inputDimension: Int
    /// Thresholds and windows. Segment thresholds, minimum counts and method apply at once;
    /// `lookbackDays`/`bucketDays` changes apply from the next `update`/`advance`.
    public var parameters: UpliftParameters
    /// Learner settings (fixed for the life of the model).
    public let settings: UpliftLearnerSettings
    /// The model clock: the largest event time seen, in ms since the epoch (`nil` until then).
    public private(set) var clockMillis: Int64?
    /// Live generations in ascending `startMillis`; the first one serves estimates.
    public private(set) var generations: [UpliftGeneration]

    /// Creates an empty model for feature vectors of length `inputDimension`.
    public init(
        inputDimension: Int,
        parameters: UpliftParameters = UpliftParameters(),
        settings: UpliftLearnerSettings = UpliftLearnerSettings()
    ) {
        precondition(inputDimension >= 0, "negative input dimension")
        self.inputDimension = inputDimension
        self.parameters = parameters
        self.settings = settings
        self.clockMillis = nil
        self.generations = []
    }

    /// The generation that answers estimates (`nil` before the first exposure).
    public var serving: UpliftGeneration? { generations.first }

    /// Labelled exposures and conversions inside the lookback window.
    public var counts: ArmCounts { serving?.counts ?? ArmCounts() }

    /// One labelled exposure, for `update(_:)`.
    public struct LabelledExposure: Sendable {
        /// The feature snapshot of the decision.
        public var x: [Double]
        /// Treatment (`true`) or control arm.
        public var treated: Bool
        /// The label, 1 converted / 0 not.
        public var y: Double
        /// The exposure's event time (the decision time), ms since the epoch.
        public var atMillis: Int64
        /// Example weight (1 normally).
        public var weight: Double

        /// Creates an exposure.
        public init(x: [Double], treated: Bool, y: Double, atMillis: Int64, weight: Double = 1) {
            self.x = x
            self.treated = treated
            self.y = y
            self.atMillis = atMillis
            self.weight = weight
        }
    }

    /// Learns from one labelled exposure of this offer.
    ///
    /// - Parameters:
    ///   - x: the feature snapshot of the decision.
    ///   - treated: `true` for a treatment-arm exposure, `false` for a control-arm one.
    ///   - y: the label, 1 converted / 0 not.
    ///   - atMillis: the exposure's event time (the decision time), ms since the epoch.
    ///   - weight: example weight (1 normally).
    ///
    /// Advances the clock to `atMillis` if later. An exposure older than the window is ignored.
    public mutating func update(x: [Double], treated: Bool, y: Double, atMillis: Int64, weight: Double = 1) {
        update([LabelledExposure(x: x, treated: treated, y: y, atMillis: atMillis, weight: weight)])
    }

    /// Learns `exposures` in order: exactly what `update(x:treated:y:atMillis:weight:)` on each
    /// in turn gives, bit for bit, but generation by generation over runs of exposures that
    /// create or drop no generation, so one generation's learners stay in cache while they
    /// learn a run (each exposure reaches a prefix of the generations, and a generation's
    /// learners see the same exposures in the same order either way).
    public mutating func update(_ exposures: [LabelledExposure]) {
        var start = 0
        while start < exposures.count {
            // The first exposure of a run may move the generations; the rest of the run may not.
            var reach = [prepare(exposures[start])]
            var end = start + 1
            while end < exposures.count, let above = reachWithoutChange(exposures[end]) {
                reach.append(above)
                end += 1
            }
            let outcome = exposures[start..<end].map { settings.outcomeFeatures.expand($0.x, inputDimension: inputDimension) }
            let pseudo = exposures[start..<end].map { settings.pseudoOutcomeFeatures.expand($0.x, inputDimension: inputDimension) }
            let warmup = parameters.pseudoOutcomeWarmup
            for g in generations.indices {
                for (k, e) in exposures[start..<end].enumerated() where reach[k] >= g {
                    generations[g].learn(
                        x: e.x, outcomePhi: outcome[k], pseudoPhi: pseudo[k],
                        treated: e.treated, y: e.y, weight: e.weight, warmup: warmup)
                }
            }
            start = end
        }
    }

    /// Whether an exposure is learnable at all (others change nothing, not even the clock).
    private static func valid(_ e: LabelledExposure) -> Bool { e.y.isFinite && e.weight.isFinite && e.weight > 0 }

    /// Advances the clock to `e`, drops the generations it pushes out of the window and creates
    /// the generation of its boundary if missing. - Returns: the index of the last generation
    /// `e` reaches (it reaches `0...index`), or −1 if it reaches none.
    private mutating func prepare(_ e: LabelledExposure) -> Int {
        guard Self.valid(e) else { return -1 }
        advance(toMillis: e.atMillis)
        let (lookback, bucket) = windowMillis
        let windowStart = (clockMillis ?? e.atMillis) - lookback
        let boundary = Self.floorDiv(e.atMillis, bucket) * bucket
        // The exposure reaches the generations starting at or before it; if its own boundary is
        // before the window, no generation inside the window can see it.
        guard boundary >= windowStart else { return -1 }
        let above = generations.firstIndex { $0.startMillis >= boundary } ?? generations.count
        if above == generations.count || generations[above].startMillis != boundary {
            let generation =
                above < generations.count
                ? generations[above].relabelled(startMillis: boundary)
                : UpliftGeneration(startMillis: boundary, inputDimension: inputDimension, settings: settings)
            generations.insert(generation, at: above)
        }
        return above
    }

    /// What `prepare(e)` returns when it would neither drop nor create a generation (it then
    /// only moves the clock, which it does); `nil` when it would.
    private mutating func reachWithoutChange(_ e: LabelledExposure) -> Int? {
        guard Self.valid(e) else { return -1 }
        let now = max(clockMillis ?? e.atMillis, e.atMillis)
        let (lookback, bucket) = windowMillis
        let windowStart = now - lookback
        if let first = generations.first, first.startMillis < windowStart { return nil }
        let boundary = Self.floorDiv(e.atMillis, bucket) * bucket
        var reach = -1
        if boundary >= windowStart {
            guard let above = generations.firstIndex(where: { $0.startMillis >= boundary }),
                  generations[above].startMillis == boundary
            else { return nil }
            reach = above
        }
        clockMillis = now
        return reach
    }

    /// Moves the model clock forward to `millis` (no-op if not later) and drops the generations
    /// that start before `clock − lookbackDays`. Call it as event time advances so the window
    /// slides even when an offer gets no exposures.
    public mutating func advance(toMillis millis: Int64) {
        let now = max(clockMillis ?? millis, millis)
        clockMillis = now
        let windowStart = now - windowMillis.lookback
        if let first = generations.first, first.startMillis < windowStart {
            generations.removeAll { $0.startMillis < windowStart }
        }
    }

    /// Lookback and bucket lengths in ms (`1 ≤ bucketDays ≤ lookbackDays` enforced).
    var windowMillis: (lookback: Int64, bucket: Int64) {
        let lookbackDays = max(parameters.lookbackDays, 1)
        let bucketDays = min(max(parameters.bucketDays, 1), lookbackDays)
        return (Int64(lookbackDays) * Self.millisPerDay, Int64(bucketDays) * Self.millisPerDay)
    }

    /// μ_T(x) of the serving generation (0.5 before any exposure). Allocation-free.
    public func muTreated(x: [Double]) -> Double {
        guard !generations.isEmpty else { return 0.5 }
        return generations[0].muTreated(x: x)
    }

    /// μ_C(x) of the serving generation (0.5 before any exposure). Allocation-free.
    public func muControl(x: [Double]) -> Double {
        guard !generations.isEmpty else { return 0.5 }
        return generations[0].muControl(x: x)
    }

    /// The uplift estimate for `x`: μ_T, μ_C, τ by `parameters.method` (clamped to `[-1, 1]`),
    /// its segment, and whether both arms have enough labelled exposures in the window. When
    /// they do not, `tau` is 0 (neutral for scoring) and the segment is `.uncertain`, while
    /// `rawTau` keeps the model's value. Allocation-free.
    public func estimate(x: [Double]) -> UpliftEstimate {
        let p = parameters
        guard !generations.isEmpty else {
            return UpliftEstimate(
                tau: 0, rawTau: 0, muTreated: 0.5, muControl: 0.5,
                segment: .uncertain, status: .insufficientData, treatedCount: 0, controlCount: 0)
        }
        // Read the serving generation in place (no copy: a copy would retain its arrays).
        let muT = generations[0].muTreated(x: x)
        let muC = generations[0].muControl(x: x)
        var raw = generations[0].tau(x: x, muTreated: muT, muControl: muC, method: p.method)
        raw = raw.isFinite ? min(max(raw, -1), 1) : 0
        let c = generations[0].counts
        let enough = c.treated >= p.minTreated && c.control >= p.minControl
        return UpliftEstimate(
            tau: enough ? raw : 0,
            rawTau: raw,
            muTreated: muT,
            muControl: muC,
            segment: enough ? UpliftSegment.classify(tau: raw, muControl: muC, parameters: p) : .uncertain,
            status: enough ? .ok : .insufficientData,
            treatedCount: c.treated,
            controlCount: c.control)
    }

    /// `⌊a / b⌋` for `b > 0`, correct for negative `a`.
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && a < 0) ? q - 1 : q
    }
}
