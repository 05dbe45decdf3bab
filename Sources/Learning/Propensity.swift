/// Where a propensity came from.
public enum PropensitySource: String, Sendable, Codable, Equatable, Hashable {
    /// The treated learner μ_T(x) (or the offer's observed rate), used as is: the offer has at
    /// least `minOfferExposures` labelled treated exposures.
    case model
    /// The offer estimate shrunk towards the category/global/0.5 hierarchy.
    case shrunk
    /// No offer estimate at all: the shrunk category rate.
    case prior
}

/// The propensity and the intermediate values of its hierarchical shrinkage.
public struct PropensityBreakdown: Sendable, Codable, Equatable, Hashable {
    /// The propensity P used for scoring.
    public var value: Double
    /// How `value` was obtained.
    public var source: PropensitySource
    /// `(N_g·r_g + k·prior) / (N_g + k)`.
    public var globalShrunk: Double
    /// `(N_c·r_c + k·globalShrunk) / (N_c + k)`.
    public var categoryShrunk: Double

    /// Creates a breakdown.
    public init(value: Double, source: PropensitySource, globalShrunk: Double, categoryShrunk: Double) {
        self.value = value
        self.source = source
        self.globalShrunk = globalShrunk
        self.categoryShrunk = categoryShrunk
    }
}

/// Propensity P with hierarchical Beta-style shrinkage (guide §6).
///
/// With pseudo-count `k` (10), prior `π` (0.5), rates `r` and labelled treated counts `N`:
/// ```
/// global   = (N_g·r_g + k·π)      / (N_g + k)
/// category = (N_c·r_c + k·global) / (N_c + k)
/// μ̂        = model ?? offerRate          (μ_T(x) from the treated learner when available)
/// P        = μ̂                                   if n ≥ minOfferExposures (50)
///          = (n·μ̂ + k·category) / (n + k)        if n < minOfferExposures
///          = category                            if there is no μ̂ at all
/// ```
/// Each level is the posterior mean of a Beta prior with weight `k` centred on the level above.
/// A missing or non-finite rate, or a non-positive count, counts as `N = 0` (that level is just
/// its prior). Rates are clamped to `[0, 1]`. The step at `n = 50` is at most `k/(n+k) = 1/6`
/// of the gap between μ̂ and the category rate.
public enum Propensity {
    /// The pseudo-count of every shrinkage level.
    public static let defaultPseudoCount = 10.0
    /// Below this many labelled treated exposures the offer estimate is shrunk.
    public static let defaultMinOfferExposures = 50
    /// The top-level prior.
    public static let defaultPrior = 0.5

    /// The propensity P (see the type's documentation for the formula).
    public static func shrunk(
        offerRate: Double?, offerN: Int,
        categoryRate: Double?, categoryN: Int,
        globalRate: Double?, globalN: Int,
        model: Double? = nil,
        pseudoCount: Double = defaultPseudoCount,
        minOfferExposures: Int = defaultMinOfferExposures,
        prior: Double = defaultPrior
    ) -> Double {
        breakdown(
            offerRate: offerRate, offerN: offerN, categoryRate: categoryRate, categoryN: categoryN,
            globalRate: globalRate, globalN: globalN, model: model, pseudoCount: pseudoCount,
            minOfferExposures: minOfferExposures, prior: prior
        ).value
    }

    /// The propensity P with its intermediate shrinkage levels.
    public static func breakdown(
        offerRate: Double?, offerN: Int,
        categoryRate: Double?, categoryN: Int,
        globalRate: Double?, globalN: Int,
        model: Double? = nil,
        pseudoCount: Double = defaultPseudoCount,
        minOfferExposures: Int = defaultMinOfferExposures,
        prior: Double = defaultPrior
    ) -> PropensityBreakdown {
        let k = pseudoCount.isFinite ? max(pseudoCount, 0) : defaultPseudoCount
        let global = shrink(rate: globalRate, n: globalN, towards: clamp(prior), k: k)
        let category = shrink(rate: categoryRate, n: categoryN, towards: global, k: k)
        guard let estimate = usable(model) ?? usable(offerRate) else {
            return PropensityBreakdown(value: category, source: .prior, globalShrunk: global, categoryShrunk: category)
        }
        if offerN >= minOfferExposures {
            return PropensityBreakdown(value: estimate, source: .model, globalShrunk: global, categoryShrunk: category)
        }
        let value = shrink(rate: estimate, n: offerN, towards: category, k: k)
        return PropensityBreakdown(value: value, source: .shrunk, globalShrunk: global, categoryShrunk: category)
    }

    /// `(n·rate + k·prior) / (n + k)`; just `prior` when there is no usable rate or `n ≤ 0`.
    static func shrink(rate: Double?, n: Int, towards prior: Double, k: Double) -> Double {
        guard let r = usable(rate), n > 0 else { return prior }
        let count = Double(n)
        return (count * r + k * prior) / (count + k)
    }

    static func usable(_ rate: Double?) -> Double? {
        guard let r = rate, r.isFinite else { return nil }
        return clamp(r)
    }

    static func clamp(_ r: Double) -> Double { r.isFinite ? min(max(r, 0), 1) : defaultPrior }
}
