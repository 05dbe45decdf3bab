import Foundation

/// A closed interval `[lower, upper]`.
public struct ConfidenceInterval: Sendable, Codable, Equatable, Hashable {
    /// Lower bound.
    public var lower: Double
    /// Upper bound.
    public var upper: Double

    /// Creates an interval.
    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    /// The interval scaled by `factor` (bounds re-ordered if `factor < 0`).
    public func scaled(by factor: Double) -> ConfidenceInterval {
        let a = lower * factor, b = upper * factor
        return ConfidenceInterval(lower: min(a, b), upper: max(a, b))
    }

    /// Whether `value` lies inside the interval (bounds included).
    public func contains(_ value: Double) -> Bool { value >= lower && value <= upper }
}

/// The standard normal distribution.
public enum Normal {
    /// `Φ(z) = ½·erfc(−z/√2)`.
    public static func cdf(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    /// Two-sided p-value of a z statistic: `2·(1 − Φ(|z|)) = erfc(|z|/√2)`.
    public static func twoSidedPValue(_ z: Double) -> Double { erfc(abs(z) / 2.0.squareRoot()) }

    /// The 97.5% quantile `z₀.₉₇₅`, used for 95% intervals.
    public static let z975 = 1.959963984540054
}

/// Holdout experiment statistics of one flow/offer (guide §6): conversion rates of treatment
/// and holdout, absolute and relative uplift, pooled two-proportion z-test with its two-sided
/// p-value, the 95% CI of the difference (unpooled standard error), and incremental conversions
/// and revenue with their CI.
///
/// Every derived value is `nil` when it is undefined for the counts: a rate without exposures,
/// relative uplift with a zero holdout rate, a z statistic with zero pooled variance (no
/// exposures, or everyone/no one converted). Nothing is ever `NaN`.
public struct ExperimentStatistics: Sendable, Codable, Equatable, Hashable {
    /// Conversions in the treatment arm.
    public let treatedConversions: Int
    /// Exposures in the treatment arm.
    public let treatedCount: Int
    /// Conversions in the holdout (control) arm.
    public let controlConversions: Int
    /// Exposures in the holdout arm.
    public let controlCount: Int
    /// Revenue of one conversion.
    public let revenueValue: Double

    /// p_T = conversions / exposures of the treatment arm.
    public let treatedRate: Double?
    /// p_C = conversions / exposures of the holdout arm.
    public let controlRate: Double?
    /// p_T − p_C.
    public let absoluteUplift: Double?
    /// (p_T − p_C) / p_C; `nil` when p_C = 0.
    public let relativeUplift: Double?
    /// Pooled rate p = (x_T + x_C) / (n_T + n_C).
    public let pooledRate: Double?
    /// Pooled standard error √(p(1−p)(1/n_T + 1/n_C)).
    public let pooledStandardError: Double?
    /// z = (p_T − p_C) / pooled SE; `nil` when the pooled SE is 0.
    public let zScore: Double?
    /// Two-sided p-value `erfc(|z|/√2)`.
    public let pValue: Double?
    /// Unpooled standard error √(p_T(1−p_T)/n_T + p_C(1−p_C)/n_C).
    public let standardError: Double?
    /// 95% CI of p_T − p_C: difference ± 1.96·unpooled SE.
    public let differenceInterval: ConfidenceInterval?
    /// Incremental conversions (p_T − p_C)·n_T.
    public let incrementalConversions: Double?
    /// 95% CI of the incremental conversions (the difference CI times n_T).
    public let incrementalConversionsInterval: ConfidenceInterval?
    /// Incremental revenue = incremental conversions × revenueValue.
    public let incrementalRevenue: Double?
    /// 95% CI of the incremental revenue.
    public let incrementalRevenueInterval: ConfidenceInterval?

    /// Computes the statistics. Negative counts are read as 0 and conversions are capped at the
    /// exposures; a non-finite `revenueValue` is read as 0.
    public init(
        treatedConversions: Int, treatedCount: Int,
        controlConversions: Int, controlCount: Int,
        revenueValue: Double = 0
    ) {
        let nT = max(treatedCount, 0), nC = max(controlCount, 0)
        let xT = min(max(treatedConversions, 0), nT), xC = min(max(controlConversions, 0), nC)
        let revenue = revenueValue.isFinite ? revenueValue : 0
        self.treatedConversions = xT
        self.treatedCount = nT
        self.controlConversions = xC
        self.controlCount = nC
        self.revenueValue = revenue

        let pT: Double? = nT > 0 ? Double(xT) / Double(nT) : nil
        let pC: Double? = nC > 0 ? Double(xC) / Double(nC) : nil
        self.treatedRate = pT
        self.controlRate = pC

        guard let pT, let pC else {
            self.absoluteUplift = nil
            self.relativeUplift = nil
            self.pooledRate = nil
            self.pooledStandardError = nil
            self.zScore = nil
            self.pValue = nil
            self.standardError = nil
            self.differenceInterval = nil
            self.incrementalConversions = nil
            self.incrementalConversionsInterval = nil
            self.incrementalRevenue = nil
            self.incrementalRevenueInterval = nil
            return
        }
        let n1 = Double(nT), n2 = Double(nC)
        let diff = pT - pC
        self.absoluteUplift = diff
        self.relativeUplift = pC > 0 ? diff / pC : nil

        let pooled = Double(xT + xC) / (n1 + n2)
        self.pooledRate = pooled
        let pooledSE = (pooled * (1 - pooled) * (1 / n1 + 1 / n2)).squareRoot()
        self.pooledStandardError = pooledSE
        if pooledSE > 0 {
            let z = diff / pooledSE
            self.zScore = z
            self.pValue = Normal.twoSidedPValue(z)
        } else {
            self.zScore = nil
            self.pValue = nil
        }

        let se = (pT * (1 - pT) / n1 + pC * (1 - pC) / n2).squareRoot()
        self.standardError = se
        let interval = ConfidenceInterval(lower: diff - Normal.z975 * se, upper: diff + Normal.z975 * se)
        self.differenceInterval = interval
        let incremental = diff * n1
        self.incrementalConversions = incremental
        let incrementalInterval = interval.scaled(by: n1)
        self.incrementalConversionsInterval = incrementalInterval
        self.incrementalRevenue = incremental * revenue
        self.incrementalRevenueInterval = incrementalInterval.scaled(by: revenue)
    }

    /// Whether the z-test rejects "no difference" at level `alpha` (false when undefined).
    public func isSignificant(alpha: Double = 0.05) -> Bool {
        guard let pValue else { return false }
        return pValue < alpha
    }
}
