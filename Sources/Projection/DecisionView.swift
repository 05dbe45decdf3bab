import Learning
import XSellCore

/// What the learners say about one offer for one customer's features.
public struct OfferEstimate: Sendable, Equatable {
    /// P = μ_T(x), shrunk for thin data (guide §6).
    public var propensity: PropensityBreakdown
    /// τ(x), μ_T, μ_C, segment and status.
    public var uplift: UpliftEstimate

    /// Creates an estimate.
    public init(propensity: PropensityBreakdown, uplift: UpliftEstimate) {
        self.propensity = propensity
        self.uplift = uplift
    }
}

/// The enriched features of one decision, encoded once for every offer's learner.
public struct EncodedFeatures: Sendable {
    /// The features as attributes.
    public let attributes: [String: AttributeValue]
    /// The learners' input vector.
    public let vector: [Double]

    /// Creates encoded features.
    public init(attributes: [String: AttributeValue], vector: [Double]) {
        self.attributes = attributes
        self.vector = vector
    }
}

/// The projection's read port: an immutable, consistent view for one decision, cheap to obtain
/// per request. The decision flow reads through it and never sees the projection's mutable state.
public protocol DecisionView: Sendable {
    /// The customer's feature state, or nil for a customer the log has never mentioned.
    var customer: CustomerState? { get }
    /// Encodes the enriched features of this decision for the learners (once per decision).
    func encode(_ features: [String: AttributeValue]) -> EncodedFeatures
    /// The learners' estimate for `offerId` given the encoded features of this decision.
    func estimate(offerId: String, encoded: EncodedFeatures) -> OfferEstimate?
}

extension DecisionView {
    /// The learners' estimate for `offerId` given the enriched features of this decision.
    public func estimate(offerId: String, features: [String: AttributeValue]) -> OfferEstimate? {
        estimate(offerId: offerId, encoded: encode(features))
    }
}
