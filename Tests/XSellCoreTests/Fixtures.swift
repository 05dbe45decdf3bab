@testable import XSellCore

enum Fixtures {
    static let schema = CustomerSchema(name: "customer", fields: [
        .init(name: "customer_id", type: .varchar, isUnique: true),
        .init(name: "tenureMonths", type: .integer),
        .init(name: "tier", type: .varchar),
        .init(name: "hasChecking", type: .boolean),
        .init(name: "hasSavings", type: .boolean),
        .init(name: "hasCreditCard", type: .boolean),
        .init(name: "hasMortgage", type: .boolean),
        .init(name: "hasBrokerage", type: .boolean),
        .init(name: "avgMonthlyBalance", type: .decimal),
        .init(name: "lastLogin", type: .timestamp),
    ])

    static let at = Timestamp(rfc3339: "2024-05-01T12:00:00.250Z")!

    static let profile = DomainEvent.profile(ProfileEvent(
        eventId: "p-1", customerId: "cust_42", occurredAt: at,
        attributes: [
            "customer_id": .string("cust_42"), "tenureMonths": .integer(36), "tier": .string("premium"),
            "hasChecking": .boolean(true), "hasSavings": .boolean(false), "avgMonthlyBalance": .decimal(12000.5),
            "lastLogin": .timestamp(at), "hasBrokerage": .null,
        ]))

    static let decision = DomainEvent.decision(DecisionEvent(
        eventId: "d-1", occurredAt: at, customerId: "cust_42", recommendationId: "rec-1", interactionId: "int-1",
        decisionFlowKey: "cross-sell", decisionFlowVersion: 2, channel: "in_app", arm: .treatment,
        candidates: ["rewards-credit-card", "high-yield-savings"],
        decisions: [
            DecisionEntry(offerId: "rewards-credit-card", rank: 1, score: 0.79, propensity: 0.31, tau: 0.04),
            DecisionEntry(offerId: "high-yield-savings", rank: 2),
        ],
        features: ["tenureMonths": .integer(36), "tier": .string("premium")],
        requestId: "r-1", configFingerprint: "cfg-0123abcd"))

    static let controlDecision = DomainEvent.decision(DecisionEvent(
        eventId: "d-2", occurredAt: at, customerId: "cust_7", recommendationId: "rec-2", interactionId: "int-2",
        decisionFlowKey: "cross-sell", decisionFlowVersion: 2, channel: "email", arm: .control,
        candidates: ["high-yield-savings"], decisions: []))

    static let interaction = DomainEvent.interaction(InteractionEvent(
        eventId: "i-1", occurredAt: at, customerId: "cust_42", offerId: "rewards-credit-card",
        recommendationId: "rec-1", channel: "in_app", outcome: .conversion, conversionValue: 90))

    static let organic = DomainEvent.interaction(InteractionEvent(
        eventId: "i-2", occurredAt: at, customerId: "cust_7", offerId: "high-yield-savings",
        channel: "branch", outcome: .notInterested))

    static let allEvents = [profile, decision, controlDecision, interaction, organic]
}
