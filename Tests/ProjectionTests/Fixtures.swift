import Learning
import Projection
import XSellCore

/// Builders for projection tests.
enum Fixture {
    static let day: Int64 = 86_400_000
    /// 2024-01-01T00:00:00Z.
    static let epoch: Int64 = 1_704_067_200_000

    static func time(days: Double) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: epoch + Int64(days * Double(day)))
    }

    static let schema = CustomerSchema(fields: [
        .init(name: "customer_id", type: .varchar, isUnique: true),
        .init(name: "tier", type: .varchar),
        .init(name: "young", type: .boolean),
        .init(name: "balance", type: .decimal),
        .init(name: "hasCreditCard", type: .boolean),
        .init(name: "lastLogin", type: .timestamp),
    ])

    static func config(
        minTreated: Int = 200, minControl: Int = 50, window: Int = 30, lookback: Int = 90,
        method: XSellCore.UpliftMethod = .tLearner, explicitChannel: Bool = false
    ) -> XSellConfig {
        XSellConfig(
            schema: schema,
            offers: [
                Offer(id: "card", name: "Card", category: "credit", priority: 80, businessValue: 50,
                      revenueValue: 120, holding: "hasCreditCard"),
                Offer(id: "savings", name: "Savings", category: "deposit", priority: 70, businessValue: 40,
                      revenueValue: 40),
            ],
            qualificationRules: [],
            channels: [
                Channel(name: "email"),
                Channel(name: "branch", impressionMode: explicitChannel ? .explicit : .implicit),
            ],
            contactPolicies: [], flows: [],
            learning: LearningConfig(
                upliftMethod: method, attributionWindowDays: window, lookbackDays: lookback,
                minTreated: minTreated, minControl: minControl))
    }

    static func profile(_ id: String, _ customer: String, at: Double, _ attributes: [String: AttributeValue]) -> DomainEvent {
        .profile(ProfileEvent(eventId: id, customerId: customer, occurredAt: time(days: at), attributes: attributes))
    }

    static func decision(
        _ id: String, _ customer: String, at: Double, arm: ExperimentArm = .treatment,
        offers: [String] = ["card"], channel: String = "email", flow: String = "cross-sell",
        features: [String: AttributeValue]? = nil
    ) -> DomainEvent {
        .decision(DecisionEvent(
            eventId: id, occurredAt: time(days: at), customerId: customer, recommendationId: "r-\(id)",
            interactionId: "i-\(id)", decisionFlowKey: flow, decisionFlowVersion: 1, channel: channel, arm: arm,
            candidates: offers,
            decisions: arm == .treatment ? offers.enumerated().map { DecisionEntry(offerId: $1, rank: $0 + 1) } : [],
            features: features))
    }

    static func interaction(
        _ id: String, _ customer: String, at: Double, offer: String = "card", _ outcome: Outcome,
        channel: String = "email"
    ) -> DomainEvent {
        .interaction(InteractionEvent(
            eventId: id, occurredAt: time(days: at), customerId: customer, offerId: offer,
            channel: channel, outcome: outcome))
    }

    /// Folds `events` at positions 0, 1, 2, … into a fresh state.
    static func fold(_ events: [DomainEvent], config: XSellConfig = config()) -> ProjectionState {
        var state = ProjectionState(config: config)
        for (i, e) in events.enumerated() { state.apply(e, position: UInt64(i)) }
        return state
    }
}
