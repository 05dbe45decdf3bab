import XSellCore
/// Labelled-exposure counts of the two arms.
public struct ArmCounts: Sendable, Codable, Equatable, Hashable {
    /// Labelled treated exposures.
    public var treated: Int
    /// Labelled control exposures.
    public var control: Int
    /// Treated exposures labelled as converted (`y ≥ 0.5`).
    public var treatedConversions: Int
    /// Control exposures labelled as converted (`y ≥ 0.5`).
    public var controlConversions: Int

    /// Creates counts (all zero by default).
    public init(treated: Int = 0, control: Int = 0, treatedConversions: Int = 0, controlConversions: Int = 0) {
        self.treated = treated
        self.control = control
        self.treatedConversions = treatedConversions
        self.controlConversions = controlConversions
    }

    /// The treatment share `g = treated / (treated + control)`, 0.5 when both are zero.
    public var treatmentShare: Double {
        let total = treated + control
        return total == 0 ? 0.5 : Double(treated) / Double(total)
    }

    /// Observed treated conversion rate, `nil` without treated exposures.
    public var treatedRate: Double? {
        treated == 0 ? nil : Double(treatedConversions) / Double(treated)
    }

    /// Observed control conversion rate, `nil` without control exposures.
    public var controlRate: Double? {
        control == 0 ? nil : Double(controlConversions) / Double(control)
    }
}

/// Learner settings of an `UpliftModel`.
public struct UpliftLearnerSettings: Sendable, Codable, Equatable, Hashable {
    /// Feature expansion of the outcome learners μ_T and μ_C.
    public var outcomeFeatures: FeatureMap
    /// Solver of the outcome learners.
    public var solver: LogisticSolver
    /// Feature expansion of the X-learner's pseudo-outcome regressions τ_T and τ_C.
    public var pseudoOutcomeFeatures: FeatureMap
    /// Ridge penalty of the pseudo-outcome regressions.
    public var ridgeLambda: Double
    /// When set, μ_T and μ_C come from `BendingOutcomes` (splines, crosses, a shared base)
    /// instead of the logistic learners over `outcomeFeatures`. `nil` by default here, because
    /// bending needs the input's layout: the projection's settings turn it on with its
    /// encoder's layout (the product default, docs/adr/0004-bending-learners.md).
    public var bending: BendingSettings?

    /// Creates settings. `.pairwise` outcome features capture interactions (pair them with the
    /// `.ftrl` solver when the expansion is wide: the Newton solver and the pseudo-outcome RLS
    /// cost `O(k²)` memory and time in the expanded dimension `k`).
    public init(
        outcomeFeatures: FeatureMap = .linear,
        solver: LogisticSolver = .default,
        pseudoOutcomeFeatures: FeatureMap = .linear,
        ridgeLambda: Double = 1,
        bending: BendingSettings? = nil
    ) {
        self.outcomeFeatures = outcomeFeatures
        self.solver = solver
        self.pseudoOutcomeFeatures = pseudoOutcomeFeatures
        self.ridgeLambda = ridgeLambda
        self.bending = bending
    }

    /// The learners of xsell's first release: linear logistic μ_T and μ_C.
    public static let linear = UpliftLearnerSettings(bending: nil)
}

/// One generation of an `UpliftModel`: the four learners trained on every exposure whose event
/// time is at or after `startMillis`.
public struct UpliftGeneration: Sendable, Codable, Equatable {
    /// Event time (ms since the epoch) of the first exposures this generation learns from.
    public let startMillis: Int64
    /// μ_T: conversion probability of treated exposures.
    public private(set) var treated: LogisticRegression
    /// μ_C: conversion probability of control exposures.
    public private(set) var control: LogisticRegression
    /// τ_T: regression of `D_T = y − μ_C(x)` on treated exposures.
    public private(set) var tauTreated: OnlineRidge
    /// τ_C: regression of `D_C = μ_T(x) − y` on control exposures.
    public private(set) var tauControl: OnlineRidge
    /// Labelled exposures learned from.
    public private(set) var counts: ArmCounts
    /// μ_T and μ_C when the settings ask for bending learners (then `treated` and `control`
    /// stay untrained).
    public private(set) var bending: BendingOutcomes?

    /// Creates an empty generation.
    public init(startMillis: Int64, inputDimension: Int, settings: UpliftLearnerSettings) {
        self.startMillis = startMillis
        self.treated = LogisticRegression(
            inputDimension: inputDimension, featureMap: settings.outcomeFeatures, solver: settings.solver)
        self.control = treated
        self.tauTreated = OnlineRidge(
            inputDimension: inputDimension, featureMap: settings.pseudoOutcomeFeatures, lambda: settings.ridgeLambda)
        self.tauControl = tauTreated
        self.counts = ArmCounts()
        self.bending = settings.bending.map { BendingOutcomes(inputDimension: inputDimension, settings: $0) }
    }

    /// μ_T(x). Allocation-free.
    public func muTreated(x: [Double]) -> Double {
        bending?.muTreated(x: x) ?? treated.predict(x: x)
    }

    /// μ_C(x). Allocation-free.
    public func muControl(x: [Double]) -> Double {
        bending?.muControl(x: x) ?? control.predict(x: x)
    }


    /// Learns from one labelled exposure ("progressive" X-learner: the pseudo-outcome uses the
    /// opposite arm's learner as it stands before this example, once it has `warmup` examples).
    /// `outcomePhi`/`pseudoPhi` are `x` expanded by the outcome/pseudo-outcome feature maps.
    mutating func learn(
        x: [Double], outcomePhi: [Double], pseudoPhi: [Double],
        treated isTreated: Bool, y: Double, weight: Double, warmup: Int
    ) {
        let converted = y >= 0.5
        if isTreated {
            if counts.control >= warmup {
                tauTreated.learn(phi: pseudoPhi, y: y - muControl(x: x), weight: weight)
            }
            if bending != nil {
                bending?.learn(x: x, treated: true, y: y, weight: weight)
            } else {
                treated.learn(phi: outcomePhi, y: y, weight: weight)
            }
            counts.treated += 1
            if converted { counts.treatedConversions += 1 }
        } else {
            if counts.treated >= warmup {
                tauControl.learn(phi: pseudoPhi, y: muTreated(x: x) - y, weight: weight)
            }
            if bending != nil {
                bending?.learn(x: x, treated: false, y: y, weight: weight)
            } else {
                control.learn(phi: outcomePhi, y: y, weight: weight)
            }
            counts.control += 1
            if converted { counts.controlConversions += 1 }
        }
    }

    /// A copy of this generation relabelled to start at `startMillis`.
    func relabelled(startMillis: Int64) -> UpliftGeneration {
        UpliftGeneration(
            startMillis: startMillis, treated: treated, control: control,
            tauTreated: tauTreated, tauControl: tauControl, counts: counts, bending: bending)
    }

    private init(
        startMillis: Int64, treated: LogisticRegression, control: LogisticRegression,
        tauTreated: OnlineRidge, tauControl: OnlineRidge, counts: ArmCounts, bending: BendingOutcomes?
    ) {
        self.startMillis = startMillis
        self.treated = treated
        self.control = control
        self.tauTreated = tauTreated
        self.tauControl = tauControl
        self.counts = counts
        self.bending = bending
    }

    /// The CATE estimate of this generation for `method` (not clamped).
    func tau(x: [Double], muTreated: Double, muControl: Double, method: UpliftMethod) -> Double {
        let difference = muTreated - muControl
        switch method {
        case .tLearner:
            return difference
        case .xLearner:
            let g = counts.treatmentShare
            let fromTreated = tauTreated.count > 0 ? tauTreated.predict(x: x) : difference
            let fromControl = tauControl.count > 0 ? tauControl.predict(x: x) : difference
            return g * fromControl + (1 - g) * fromTreated
        }
    }
}
