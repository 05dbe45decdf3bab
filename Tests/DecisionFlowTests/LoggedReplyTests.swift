import DecisionFlow
import Learning
import Projection
import Testing
import XSellCore

/// A request delivered again is answered from its logged decision (issue 11, idempotent requests).
@Suite struct LoggedReplyTests {
    @Test("the reply rebuilt from the logged decision repeats the decided one (ids, offers, ranks, scores)")
    func sameAsDecided() throws {
        let engine = DecisionEngine(config: try Fixture.tutorialConfig())
        let request = RecommendationRequest(
            requestId: "r-1", customerId: "cust_42", channel: "in_app", decisionFlowKey: "cross-sell")
        let decided = try #require(Fixture.decide(engine, request, view: TutorialDecisionTests.view))
        #expect(decided.event.requestId == "r-1")
        let rebuilt = engine.reply(to: request, from: decided.event)
        var expected = decided.response
        expected.meta = ResponseMeta(
            totalCandidates: 2, afterQualification: 2, afterSuppression: 2, afterContactPolicy: 2, degradedScoring: false)
        #expect(rebuilt == expected)
        #expect(rebuilt.decisions.map(\.offerId) == ["rewards-credit-card", "high-yield-savings"])
    }

    @Test("a control decision replays as an empty control reply; an offer no longer configured keeps its id")
    func controlAndUnknownOffer() throws {
        let engine = DecisionEngine(config: try Fixture.tutorialConfig())
        let request = RecommendationRequest(requestId: "r-2", customerId: "c", channel: "in_app", decisionFlowKey: "cross-sell")
        let control = DecisionEvent(
            eventId: "d", occurredAt: Fixture.now, customerId: "c", recommendationId: "rec", interactionId: "int",
            decisionFlowKey: "cross-sell", decisionFlowVersion: 2, channel: "in_app", arm: .control,
            candidates: ["rewards-credit-card"], decisions: [], requestId: "r-2")
        let empty = engine.reply(to: request, from: control)
        #expect(empty.controlGroup && empty.decisions.isEmpty && empty.recommendationId == "rec")
        var retired = control
        retired.arm = .treatment
        retired.decisions = [DecisionEntry(offerId: "retired", rank: 2, score: 0.5), DecisionEntry(offerId: "high-yield-savings", rank: 1, score: 0.7)]
        let replayed = engine.reply(to: request, from: retired)
        #expect(replayed.decisions.map(\.offerId) == ["high-yield-savings", "retired"])
        #expect(replayed.decisions.map(\.offerName) == ["High-yield savings", "retired"])
        #expect(replayed.decisions.map(\.score) == [0.7, 0.5])
    }
}
