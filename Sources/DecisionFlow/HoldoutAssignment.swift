import XSellCore

/// The 64-bit FNV-1a hash (Fowler–Noll–Vo, variant 1a) of UTF-8 bytes.
public enum FNV1a64 {
    /// The offset basis: the hash of no bytes.
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    /// The 64-bit FNV prime.
    public static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// The hash of `text`'s UTF-8 bytes.
    public static func hash(_ text: String) -> UInt64 {
        hash(continuing: offsetBasis, text)
    }

    /// Continues a hash `state` over `text`'s UTF-8 bytes, so concatenations hash without copying.
    public static func hash(continuing state: UInt64, _ text: String) -> UInt64 {
        var h = state
        for byte in text.utf8 {
            h = (h ^ UInt64(byte)) &* prime
        }
        return h
    }
}

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
        var h = FNV1a64.hash(flowKey)
        h = (h ^ UInt64(UInt8(ascii: ":"))) &* FNV1a64.prime
        h = FNV1a64.hash(continuing: h, customerId)
        return Int(h % bucketCount)
    }

    /// The customer's arm: control when the experiment is enabled and the bucket is below
    /// `holdoutPercent × 100`, treatment otherwise.
    public func arm(flowKey: String, customerId: String) -> ExperimentArm {
        guard enabled else { return .treatment }
        let bucket = Self.bucket(flowKey: flowKey, customerId: customerId)
        return Double(bucket) < holdoutPercent * 100 ? .control : .treatment
    }
}
