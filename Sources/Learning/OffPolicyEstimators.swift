/// Off-policy estimates of what a candidate policy would have achieved on logged decisions
/// (docs/backtesting.md): inverse propensity scoring (IPS), self-normalised IPS (SNIPS) and
/// doubly robust (DR, Dudík et al. 2011), each per 1,000 decisions with a 95% CI from the
/// per-decision influence (delta method for the ratio estimators), the effective sample size of
/// the importance weights, and paired differences between two policies on the same log.
///
/// Unit of analysis: each logged decision, and each offer the evaluated policy *picks* there.
/// Offers are assumed not to interfere (an offer's conversion depends only on whether that offer
/// was shown). For a pick, the "shown" outcome is observed when the logged decision showed the
/// offer, with the logged probability `p`; the "not shown" outcome is observed when the logged
/// decision was in the randomised control arm and did not show it, with probability `h` (the
/// holdout share).
public enum OffPolicyEstimator: String, Sendable, CaseIterable, Hashable {
    /// Inverse propensity scoring.
    case ips
    /// Self-normalised inverse propensity scoring.
    case snips
    /// Doubly robust, with the projection's μ_T/μ_C as the direct model.
    case doublyRobust = "dr"
}

/// The quantities estimated, per 1,000 decisions.
public enum OffPolicyMetric: String, Sendable, CaseIterable, Hashable {
    /// Conversions of the offers the policy shows.
    case conversions
    /// Conversions caused by showing them (versus showing nothing).
    case incrementalConversions
    /// Those conversions times the offers' revenue values.
    case incrementalRevenue
}

/// One offer an evaluated policy picks at one logged decision.
public struct OffPolicyPick: Sendable, Hashable {
    /// The logged probability that the offer was shown, when the logged decision showed it
    /// (`nil` when it did not show it).
    public var shownPropensity: Double?
    /// The probability of the logged control arm, when the offer was not shown because the
    /// logged decision was a randomised control (`nil` otherwise).
    public var controlPropensity: Double?
    /// The outcome: 1 when a conversion of the offer labels this decision (ADR 0003), else 0.
    public var converted: Double
    /// Revenue per conversion.
    public var value: Double
    /// The direct model's conversion probability if shown, μ_T(x).
    public var muTreated: Double
    /// The direct model's conversion probability if not shown, μ_C(x).
    public var muControl: Double

    /// Creates a pick.
    public init(
        shownPropensity: Double?, controlPropensity: Double?, converted: Double, value: Double, muTreated: Double,
        muControl: Double
    ) {
        self.shownPropensity = shownPropensity
        self.controlPropensity = controlPropensity
        self.converted = converted
        self.value = value
        self.muTreated = muTreated
        self.muControl = muControl
    }
}

/// One logged decision as the estimators see it for one evaluated policy.
public struct OffPolicyDecision: Sendable, Hashable {
    /// The offers the evaluated policy shows here (none when it shows nothing).
    public var picks: [OffPolicyPick]

    /// Creates a decision.
    public init(picks: [OffPolicyPick]) {
        self.picks = picks
    }
}

/// A point estimate with its standard error and 95% CI.
public struct OffPolicyEstimate: Sendable, Hashable {
    /// The estimate.
    public var value: Double
    /// Its standard error.
    public var standardError: Double
    /// value ± 1.96 standard errors.
    public var interval: ConfidenceInterval
}

/// Every estimator's estimate of every metric for one policy on one log, with the per-decision
/// influence values that make paired comparisons possible.
public struct OffPolicyEvaluation: Sendable {
    /// Decisions evaluated.
    public let decisions: Int
    /// Picks on logged decisions that showed the offer (the treated side's sample).
    public let shownMatches: Int
    /// Picks on logged control decisions (the not-shown side's sample).
    public let controlMatches: Int
    /// Picks on treated decisions that did not show the offer: no outcome observed if shown
    /// (only the direct model speaks for them).
    public let unmatchedTreatedPicks: Int
    /// `(Σw)² / Σw²` of the shown side's weights 1/p: how many equally weighted samples they are worth.
    public let effectiveSampleSize: Double
    /// Estimates per estimator and metric.
    public let estimates: [OffPolicyEstimator: [OffPolicyMetric: OffPolicyEstimate]]
    /// Per-decision influence (per 1,000 decisions) per estimator and metric.
    let influence: [OffPolicyEstimator: [OffPolicyMetric: [Double]]]

    /// Evaluates a policy on `decisions`.
    public init(_ decisions: [OffPolicyDecision]) {
        self.decisions = decisions.count
        var shown = 0, control = 0, unmatched = 0, sumW = 0.0, sumW2 = 0.0
        for d in decisions {
            for p in d.picks {
                if let q = p.shownPropensity, q > 0 {
                    shown += 1
                    sumW += 1 / q
                    sumW2 += 1 / (q * q)
                } else if p.controlPropensity != nil {
                    control += 1
                } else {
                    unmatched += 1
                }
            }
        }
        shownMatches = shown
        controlMatches = control
        unmatchedTreatedPicks = unmatched
        effectiveSampleSize = sumW2 > 0 ? sumW * sumW / sumW2 : 0
        var influence: [OffPolicyEstimator: [OffPolicyMetric: [Double]]] = [:]
        var estimates: [OffPolicyEstimator: [OffPolicyMetric: OffPolicyEstimate]] = [:]
        for estimator in OffPolicyEstimator.allCases {
            for metric in OffPolicyMetric.allCases {
                let (value, psi) = Self.estimate(estimator, metric, decisions)
                influence[estimator, default: [:]][metric] = psi
                estimates[estimator, default: [:]][metric] = Self.summary(value: value, influence: psi)
            }
        }
        self.influence = influence
        self.estimates = estimates
    }

    /// The estimate of `metric` by `estimator`.
    public subscript(_ estimator: OffPolicyEstimator, _ metric: OffPolicyMetric) -> OffPolicyEstimate {
        estimates[estimator]![metric]!
    }

    /// `self − baseline` for every estimator and metric, with CIs from the paired per-decision
    /// influences (both evaluations must cover the same logged decisions, in the same order).
    public func difference(from baseline: OffPolicyEvaluation) -> [OffPolicyEstimator: [OffPolicyMetric: OffPolicyEstimate]] {
        precondition(decisions == baseline.decisions, "paired comparison over different logs")
        var result: [OffPolicyEstimator: [OffPolicyMetric: OffPolicyEstimate]] = [:]
        for estimator in OffPolicyEstimator.allCases {
            for metric in OffPolicyMetric.allCases {
                let psi = zip(influence[estimator]![metric]!, baseline.influence[estimator]![metric]!).map { $0 - $1 }
                result[estimator, default: [:]][metric] = Self.summary(
                    value: self[estimator, metric].value - baseline[estimator, metric].value, influence: psi)
            }
        }
        return result
    }

    /// The estimate and its per-decision influence (mean zero), both per 1,000 decisions.
    static func estimate(
        _ estimator: OffPolicyEstimator, _ metric: OffPolicyMetric, _ decisions: [OffPolicyDecision]
    ) -> (Double, [Double]) {
        let n = Double(max(decisions.count, 1))
        let incremental = metric != .conversions
        func weight(_ p: OffPolicyPick) -> Double { metric == .incrementalRevenue ? p.value : 1 }
        switch estimator {
        case .ips, .doublyRobust:
            let z = decisions.map { d -> Double in
                d.picks.reduce(0) { sum, p in
                    let dr = estimator == .doublyRobust
                    var term = dr ? p.muTreated - (incremental ? p.muControl : 0) : 0
                    if let q = p.shownPropensity, q > 0 { term += (p.converted - (dr ? p.muTreated : 0)) / q }
                    if incremental, let h = p.controlPropensity, h > 0 { term -= (p.converted - (dr ? p.muControl : 0)) / h }
                    return sum + weight(p) * term * 1_000
                }
            }
            let mean = z.reduce(0, +) / n
            return (mean, z.map { $0 - mean })
        case .snips:
            // Per decision: a = Σ w·y·v and b = Σ w over the picks of each side; the value of a
            // pick is Σa/Σb, times the mean number of picks per decision k̄.
            var aT = [Double](), bT = [Double](), aC = [Double](), bC = [Double](), k = [Double]()
            for d in decisions {
                var at = 0.0, bt = 0.0, ac = 0.0, bc = 0.0
                for p in d.picks {
                    if let q = p.shownPropensity, q > 0 {
                        at += weight(p) * p.converted / q
                        bt += 1 / q
                    }
                    if let h = p.controlPropensity, h > 0 {
                        ac += weight(p) * p.converted / h
                        bc += 1 / h
                    }
                }
                aT.append(at); bT.append(bt); aC.append(ac); bC.append(bc); k.append(Double(d.picks.count))
            }
            let kBar = k.reduce(0, +) / n
            func ratio(_ a: [Double], _ b: [Double]) -> (r: Double, psi: [Double]) {
                let bBar = b.reduce(0, +) / n
                guard bBar > 0 else { return (0, a.map { _ in 0 }) }
                let r = a.reduce(0, +) / n / bBar
                return (r, zip(a, b).map { ($0 - r * $1) / bBar })
            }
            let treated = ratio(aT, bT)
            let control = incremental ? ratio(aC, bC) : (r: 0, psi: k.map { _ in 0 })
            let r = treated.r - control.r
            let psi = k.indices.map { i in (kBar * (treated.psi[i] - control.psi[i]) + (k[i] - kBar) * r) * 1_000 }
            return (kBar * r * 1_000, psi)
        }
    }

    /// The estimate with the standard error `sd(influence)/√n` and its normal 95% CI.
    static func summary(value: Double, influence: [Double]) -> OffPolicyEstimate {
        let n = Double(influence.count)
        let variance = n > 1 ? influence.reduce(0) { $0 + $1 * $1 } / (n - 1) : 0
        let se = n > 0 ? (variance / n).squareRoot() : 0
        return OffPolicyEstimate(
            value: value, standardError: se, interval: ConfidenceInterval(lower: value - 1.96 * se, upper: value + 1.96 * se))
    }
}
