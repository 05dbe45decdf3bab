import DecisionFlow
import Learning
import Projection
import Testing
import XSellCore

/// The seed tutorial, step 7: cust_42 on in_app with config/cross-sell.yaml.
@Suite struct TutorialDecisionTests {
    static let cust42: [String: AttributeValue] = [
        "tenureMonths": .integer(36), "tier": .string("premium"), "hasChecking": .boolean(true),
        "hasSavings": .boolean(false), "hasCreditCard": .boolean(false), "hasMortgage": .boolean(true),
        "hasBrokerage": .boolean(false), "avgMonthlyBalance": .decimal(12000),
    ]

    /// Comparable propensities, but savings is a sure thing and the card persuadable.
    static let view: FixedDecisionView = {
        var state = CustomerState(customerId: "cust_42")
        state.attributes = cust42
        return FixedDecisionView(customer: state, estimates: [
            "rewards-credit-card": Fixture.estimate(p: 0.30, tau: 0.08, segment: .persuadable),
            "high-yield-savings": Fixture.estimate(p: 0.32, tau: 0.0, segment: .sureThing),
            "wealth-management-account": Fixture.estimate(p: 0.2, tau: 0.1),
            "mortgage-pre-approval": Fixture.estimate(p: 0.2, tau: 0.1),
        ])
    }()

    @Test func cust42LandsInTheTreatmentArm() throws {
        #expect(HoldoutAssignment.bucket(flowKey: "cross-sell", customerId: "cust_42") == 6494)
        let flow = try #require(try Fixture.tutorialConfig().flow(key: "cross-sell"))
        #expect(HoldoutAssignment(flow.experiment).arm(flowKey: "cross-sell", customerId: "cust_42") == .treatment)
    }

    @Test func cardAndSavingsReturnedWealthAndMortgageDroppedAtQualification() throws {
        let engine = DecisionEngine(config: try Fixture.tutorialConfig())
        let request = RecommendationRequest(
            requestId: "r-1", customerId: "cust_42", channel: "in_app", decisionFlowKey: "cross-sell", explain: true)
        let decided = try #require(Fixture.decide(engine, request, view: Self.view))
        let response = decided.response

        #expect(response.decisions.map(\.offerId) == ["rewards-credit-card", "high-yield-savings"])
        #expect(response.decisions.map(\.offerName) == ["Rewards credit card", "High-yield savings"])
        #expect(response.decisions.map(\.rank) == [1, 2])
        #expect(response.decisions.map(\.priority) == [80, 70])
        #expect(response.meta == ResponseMeta(
            totalCandidates: 4, afterQualification: 2, afterSuppression: 2, afterContactPolicy: 2, degradedScoring: false))
        #expect(response.controlGroup == false)
        #expect(response.decisionFlowKey == "cross-sell" && response.decisionFlowVersion == 2)
        #expect(response.channel == "in_app" && response.customerId == "cust_42" && response.requestId == "r-1")

        let dropped = try #require(response.dropped)
        #expect(dropped.map(\.offerId) == ["wealth-management-account", "mortgage-pre-approval"])
        #expect(dropped.allSatisfy { $0.stage == "qualify" })
        #expect(dropped.map(\.rule) == ["Wealth — balance >= 50k", "Mortgage — none yet"])
        #expect(dropped[0].reason == "customer.avgMonthlyBalance is 12000, needs gte 50000")
        #expect(dropped[1].reason == "customer.hasMortgage is true, needs eq false")

        // The persuadable card outranks the sure-thing savings with comparable propensity.
        let card = try #require(response.decisions[0].rankingScores)
        #expect(card.uplift.segment == .persuadable && card.uplift.status == "ok")
        #expect(abs(card.score - response.decisions[0].score) < 1e-12)
        #expect(response.decisions[0].score > response.decisions[1].score)

        #expect(decided.event.arm == .treatment)
        #expect(decided.event.candidates == ["high-yield-savings", "rewards-credit-card"])
        #expect(decided.event.features?["avgMonthlyBalance"] == .decimal(12000))
        #expect(decided.contacts.map(\.offerId) == ["rewards-credit-card", "high-yield-savings"])
    }
}
