import XSellCore

extension UpliftSegment {
    /// Classifies an estimate that has enough data. `tau` above `persuadableThreshold` is
    /// persuadable; `tau` below `sleepingDogThreshold` is a sleeping dog when
    /// `muControl ≥ baseRateThreshold` and a lost cause otherwise; anything in between
    /// (inclusive) is a sure thing. A non-finite `tau` is `.uncertain`.
    public static func classify(tau: Double, muControl: Double, parameters: UpliftParameters) -> UpliftSegment {
        guard tau.isFinite else { return .uncertain }
        if tau > parameters.persuadableThreshold { return .persuadable }
        if tau < parameters.sleepingDogThreshold {
            return muControl >= parameters.baseRateThreshold ? .sleepingDog : .lostCause
        }
        return .sureThing
    }
}

/// Whether an uplift estimate rests on enough data to be used.
public enum UpliftStatus: String, Sendable, Codable, Equatable, Hashable {
    /// Both arms have at least `minTreated` / `minControl` labelled exposures in the window.
    case ok
    /// One arm is below its minimum; τ is reported as 0 and the segment as `.uncertain`.
    case insufficientData = "insufficient_data"
}

/// Thresholds and windows of the uplift model (guide §3 `learning`, §6).
public struct UpliftParameters: Sendable, Codable, Equatable, Hashable {
    /// T- or X-learner.
    public var method: UpliftMethod
    /// Minimum labelled treated exposures in the window before τ is used.
    public var minTreated: Int
    /// Minimum labelled control exposures in the window before τ is used.
    public var minControl: Int
    /// τ above this is persuadable.
    public var persuadableThreshold: Double
    /// τ below this is a sleeping dog or a lost cause.
    public var sleepingDogThreshold: Double
    /// μ_C at or above this makes a negative τ a sleeping dog rather than a lost cause.
    public var baseRateThreshold: Double
    /// Only exposures within this many days of the model clock count.
    public var lookbackDays: Int
    /// Granularity of the lookback window: a new model generation starts every `bucketDays`,
    /// so the serving model has seen between `lookbackDays − bucketDays` and `lookbackDays`
    /// days of exposures (see docs/adr/0002-base-learners.md). Must be in `1...lookbackDays`.
    public var bucketDays: Int
    /// X-learner only: an example's pseudo-outcome is fitted only once the opposite arm's
    /// outcome learner has learned from at least this many examples (before that, μ is still
    /// the untrained 0.5 and the imputed effect would be noise).
    public var pseudoOutcomeWarmup: Int

    /// Creates parameters; the defaults are those of guide §3/§6.
    public init(
        method: UpliftMethod = .tLearner,
        minTreated: Int = 200,
        minControl: Int = 50,
        persuadableThreshold: Double = 0.05,
        sleepingDogThreshold: Double = -0.05,
        baseRateThreshold: Double = 0.10,
        lookbackDays: Int = 90,
        bucketDays: Int = 15,
        pseudoOutcomeWarmup: Int = 50
    ) {
        self.method = method
        self.minTreated = minTreated
        self.minControl = minControl
        self.persuadableThreshold = persuadableThreshold
        self.sleepingDogThreshold = sleepingDogThreshold
        self.baseRateThreshold = baseRateThreshold
        self.lookbackDays = lookbackDays
        self.bucketDays = bucketDays
        self.pseudoOutcomeWarmup = pseudoOutcomeWarmup
    }
}

/// The uplift estimate for one feature vector (the `uplift` block of an explanation, guide §4).
public struct UpliftEstimate: Sendable, Codable, Equatable, Hashable {
    /// τ used for scoring: the model's τ when `status == .ok`, else 0.
    public var tau: Double
    /// The model's τ regardless of status (diagnostics only).
    public var rawTau: Double
    /// μ_T(x): conversion probability if treated.
    public var muTreated: Double
    /// μ_C(x): conversion probability if not treated.
    public var muControl: Double
    /// The segment (`.uncertain` when `status != .ok`).
    public var segment: UpliftSegment
    /// Whether τ rests on enough data.
    public var status: UpliftStatus
    /// Labelled treated exposures in the window.
    public var treatedCount: Int
    /// Labelled control exposures in the window.
    public var controlCount: Int

    /// Creates an estimate.
    public init(
        tau: Double, rawTau: Double, muTreated: Double, muControl: Double,
        segment: UpliftSegment, status: UpliftStatus, treatedCount: Int, controlCount: Int
    ) {
        self.tau = tau
        self.rawTau = rawTau
        self.muTreated = muTreated
        self.muControl = muControl
        self.segment = segment
        self.status = status
        self.treatedCount = treatedCount
        self.controlCount = controlCount
    }

    /// `UpliftFactor.value(tau: tau)`: the U of the PRIE-U score.
    public var factor: Double { UpliftFactor.value(tau: tau) }
}

/// The uplift dimension U of the PRIE-U score (guide §4 step 7).
public enum UpliftFactor {
    /// The default temperature of the factor (0.05, the persuadable threshold).
    public static let defaultScale = 0.05

    /// `U = 2·σ(τ/scale)`: 1 at τ = 0, → 2 for strongly persuadable, → 0 for sleeping dogs.
    /// A non-finite τ gives 1 (neutral).
    public static func value(tau: Double, scale: Double = defaultScale) -> Double {
        guard tau.isFinite, scale > 0 else { return 1 }
        return 2 * logistic(tau / scale)
    }
}
