import Projection
import XSellCore

/// The deterministic holdout of guide §4 step 6: a customer's arm depends only on the flow key and
/// the customer id, so the same customer always lands in the same arm of a flow, across requests,
/// worker instances, replays and backtests.
public struct HoldoutAssignment: Sendable, Hashable {
    /// Number of buckets the hash is reduced to (0.01 % resolution).
    public static let bucketCount: UInt64 = 10_000

    /// Whether a holdout is drawn at all.
    public var enabled: Bool
    /// Percent of customers in the control arm, 0–100.
    public var holdoutPercent: Double

    /// Creates an assignment from a flow's experiment configuration.
    public init(_ experiment: ExperimentConfig) {
        self.enabled = experiment.enabled
        self.holdoutPercent = experiment.holdoutPercent
    }

    /// `FNV-1a 64("<flowKey>:<customerId>") mod 10,000`.
    public static func bucket(flowKey: String, customerId: String) -> Int {
        var h = FNV1a64()
        h.combine(bytes: flowKey.utf8)
        h.combine(bytes: CollectionOfOne(UInt8(ascii: ":")))
        h.combine(bytes: customerId.utf8)
        return Int(h.value % bucketCount)
    }

    /// The probability that a customer lands in `arm`: what the worker logs as the propensity of
    /// the offers it shows (its ranking is deterministic given the arm, so the arm is the only
    /// random part of the logging policy).
    public func share(of arm: ExperimentArm) -> Double {
        let control = enabled ? min(max(holdoutPercent, 0), 100) / 100 : 0
        return arm == .control ? control : 1 - control
    }

    /// The customer's arm: control when the experiment is enabled and the bucket is below
    /// `holdoutPercent × 100`, treatment otherwise.
    public func arm(flowKey: String, customerId: String) -> ExperimentArm {
        guard enabled else { return .treatment }
        let bucket = Self.bucket(flowKey: flowKey, customerId: customerId)
        return Double(bucket) < holdoutPercent * 100 ? .control : .treatment
    }
}
