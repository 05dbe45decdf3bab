import Learning
import XSellCore

/// The projection's read port for one decision: value copies of one customer's state and of
/// the offer models (copy-on-write, so taking a view copies nothing), consistent with each
/// other and unaffected by later folding.
public struct ProjectionView: DecisionView {
    /// The customer's feature state, or nil for a customer the log has never mentioned.
    public let customer: CustomerState?
    /// The encoder of the schema the models were trained on.
    public let encoder: FeatureEncoder
    private let offers: [String: ProjectionSettings.OfferInfo]
    private let learners: [String: OfferLearner]
    private let categoryCounts: [String: ArmCounts]
    private let globalCounts: ArmCounts

    init(customer: CustomerState?, settings: ProjectionSettings, learners: [String: OfferLearner]) {
        self.customer = customer
        self.encoder = settings.encoder
        self.offers = settings.offers
        self.learners = learners
        var categories: [String: ArmCounts] = [:]
        var global = ArmCounts()
        for (id, learner) in learners {
            guard let category = settings.offers[id]?.category else { continue }
            let c = learner.model.counts
            categories[category, default: ArmCounts()].add(c)
            global.add(c)
        }
        self.categoryCounts = categories
        self.globalCounts = global
    }

    /// The features encoded with the schema's encoder.
    public func encode(_ features: [String: AttributeValue]) -> EncodedFeatures {
        EncodedFeatures(attributes: features, vector: encoder.encode(features))
    }

    /// P (μ_T(x) shrunk towards the category, global and 0.5 rates while the offer has fewer
    /// than 50 labelled treated exposures in the lookback) and τ(x) for `offerId`;
    /// `nil` for an offer the configuration does not know.
    public func estimate(offerId: String, encoded: EncodedFeatures) -> OfferEstimate? {
        guard let learner = learners[offerId], let info = offers[offerId] else { return nil }
        let uplift = learner.model.estimate(x: encoded.vector)
        let own = learner.model.counts
        let category = categoryCounts[info.category] ?? ArmCounts()
        let propensity = Propensity.breakdown(
            offerRate: own.treatedRate, offerN: own.treated,
            categoryRate: category.treatedRate, categoryN: category.treated,
            globalRate: globalCounts.treatedRate, globalN: globalCounts.treated,
            model: own.treated > 0 ? uplift.muTreated : nil)
        return OfferEstimate(propensity: propensity, uplift: uplift)
    }
}

extension ProjectionState {
    /// The read port for one decision about `customerId`. Cheap (no deep copies). It reads the
    /// models as they stand: call `settle()` after a batch so that late examples are reflected.
    public func view(customerId: String) -> ProjectionView {
        ProjectionView(customer: record(customerId)?.state(attributeNames), settings: settings, learners: learners)
    }
}

extension ArmCounts {
    mutating func add(_ other: ArmCounts) {
        treated += other.treated
        control += other.control
        treatedConversions += other.treatedConversions
        controlConversions += other.controlConversions
    }
}
