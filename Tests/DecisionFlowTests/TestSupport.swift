import ConfigLoading
import DecisionFlow
import Foundation
import Learning
import Projection
import XSellCore

/// A decision view with a fixed customer and fixed learner answers: the input of engine tests.
struct FixedDecisionView: DecisionView {
    var customer: CustomerState?
    /// Estimates by offer id; an offer not listed has no estimate (learner unavailable).
    var estimates: [String: OfferEstimate] = [:]

    func encode(_ features: [String: AttributeValue]) -> EncodedFeatures {
        EncodedFeatures(attributes: features, vector: [])
    }

    func estimate(offerId: String, encoded: EncodedFeatures) -> OfferEstimate? {
        estimates[offerId]
    }
}

enum Fixture {
    /// 2024-05-15T12:00:00Z, a Wednesday.
    static let now = Timestamp(rfc3339: "2024-05-15T12:00:00Z")!
    static let hour: Int64 = 3_600_000
    static let day: Int64 = Timestamp.millisecondsPerDay

    static let ids = DecisionIdentifiers(recommendationId: "rec-1", interactionId: "int-1", decisionEventId: "dec-1")

    /// The package root, found from this file's path.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The tutorial configuration, `config/cross-sell.yaml`.
    static func tutorialConfig() throws -> XSellConfig {
        try ConfigLoader.load(path: packageRoot.appendingPathComponent("config/cross-sell.yaml").path)
    }

    /// An estimate with propensity `p` and CATE `tau` (status ok unless given).
    static func estimate(p: Double, tau: Double, status: UpliftStatus = .ok, segment: XSellCore.UpliftSegment = .sureThing) -> OfferEstimate {
        OfferEstimate(
            propensity: PropensityBreakdown(value: p, source: .model, globalShrunk: p, categoryShrunk: p),
            uplift: UpliftEstimate(
                tau: status == .ok ? tau : 0, rawTau: tau, muTreated: p, muControl: p - tau, segment: segment,
                status: status, treatedCount: 500, controlCount: 100))
    }

    static func offer(_ id: String, priority: Int = 50, businessValue: Double = 50, holding: String? = nil,
                      status: OfferStatus = .active, channels: [String: Double]? = nil) -> Offer {
        Offer(id: id, name: "Offer \(id)", status: status, category: "cross-sell", priority: priority,
              businessValue: businessValue, revenueValue: 10, holding: holding, channels: channels)
    }

    static let schema = CustomerSchema(fields: [
        .init(name: "customer_id", type: .varchar, isUnique: true),
        .init(name: "tenureMonths", type: .integer),
        .init(name: "tier", type: .varchar),
        .init(name: "hasCard", type: .boolean),
        .init(name: "balance", type: .decimal),
        .init(name: "since", type: .timestamp),
    ])

    static let channels = [Channel(name: "email"), Channel(name: "in_app"), Channel(name: "branch", status: .inactive)]

    /// A flow with no holdout, scoring by `score` and returning up to `maxCandidates`.
    static func flow(
        score: ScoreNode = ScoreNode(method: .priorityWeighted), maxCandidates: Int = 5,
        experiment: ExperimentConfig = ExperimentConfig(enabled: false)
    ) -> Flow {
        Flow(key: "flow", name: "Flow", version: 3, experiment: experiment, score: score, rank: RankNode(maxCandidates: maxCandidates))
    }

    static func config(
        offers: [Offer], rules: [QualificationRule] = [], policies: [ContactPolicy] = [], flow: Flow = flow()
    ) -> XSellConfig {
        XSellConfig(schema: schema, offers: offers, qualificationRules: rules, channels: channels,
                    contactPolicies: policies, flows: [flow])
    }

    static func request(
        customerId: String = "c-1", channel: String = "email", flowKey: String = "flow", limit: Int? = nil,
        explain: Bool = false, attributes: [String: AttributeValue]? = nil
    ) -> RecommendationRequest {
        RecommendationRequest(requestId: "r-1", customerId: customerId, channel: channel, decisionFlowKey: flowKey,
                              limit: limit, explain: explain, attributes: attributes)
    }

    static func customer(_ attributes: [String: AttributeValue] = [:], contacts: [Contact] = [], outcomes: [OutcomeRecord] = []) -> CustomerState {
        var state = CustomerState(customerId: "c-1")
        state.attributes = attributes
        state.contacts = Timeline(contacts)
        state.outcomes = Timeline(outcomes)
        return state
    }

    static func contact(_ offerId: String, ago milliseconds: Int64, channel: String = "email", event: String? = nil,
                        kind: Contact.Kind = .decision) -> Contact {
        Contact(eventId: event ?? "e-\(offerId)-\(milliseconds)", offerId: offerId, channel: channel,
                at: now.adding(milliseconds: -milliseconds), kind: kind)
    }

    /// Runs the engine and returns the decided parts, or nil when rejected.
    static func decide(
        _ engine: DecisionEngine, _ request: RecommendationRequest, view: FixedDecisionView,
        now: Timestamp = now, pending: [Contact] = []
    ) -> (response: RecommendationResponse, event: DecisionEvent, contacts: [Contact])? {
        guard case .decided(let response, let event, let contacts) = engine.decide(
            request: request, view: view, now: now, ids: ids, pendingContacts: pending) else { return nil }
        return (response, event, contacts)
    }
}

extension Fixture {
    static let enricher = Enricher(schema: schema, channels: channels)

    /// The enrich stage's output for a customer with these attributes, history and request attributes.
    static func enriched(
        _ attributes: [String: AttributeValue] = [:], requestAttributes: [String: AttributeValue]? = nil,
        contacts: [Contact] = [], outcomes: [OutcomeRecord] = [], pending: [Contact] = [], now: Timestamp = now
    ) -> EnrichedCustomer {
        enricher.enrich(
            customer: customer(attributes, contacts: contacts, outcomes: outcomes),
            request: request(attributes: requestAttributes), pendingContacts: pending, now: now)
    }
}
