import DecisionFlow
import EventLog
import Foundation
import KafkaClient
import Projection
import Testing
import XSellCore
import XSellTestSupport

/// The decision flow end to end through Kafka: profiles are published and ingested into the log,
/// requests travel over `recommendation.requested.v1`, replies come back on
/// `recommendation.returned.v1`, and decisions return through ingest as `decision.made.v1`.
///
/// Serialized: on the shared tansu a fresh serving group reads the request topic from its
/// beginning, so two nodes alive at once would both answer (and both count contacts).
@Suite("decision flow through Kafka", .serialized, .timeLimit(.minutes(2)))
struct FlowEndToEndTests {}

extension FlowEndToEndTests {
    /// Seed tutorial step 7. cust_42 hashes to bucket 6494 of 10,000 for `cross-sell`, above the
    /// 10 % holdout (buckets 0–999), so the treatment path is what this test checks; on the
    /// mock cluster it uses cust_42 itself, on the shared tansu a fresh id of the same profile
    /// that also lands in treatment (rerunnable against one broker).
    @Test("tutorial: cust_42 gets card then savings, funnel 4→2, and the decision comes back into the log",
          arguments: BrokerKind.available)
    func tutorialFunnel(broker: BrokerKind) async throws {
        #expect(HoldoutAssignment.bucket(flowKey: "cross-sell", customerId: "cust_42") == 6494)
        let customerId = broker == .mock ? "cust_42" : FlowFixtures.treatedCustomer("cust_42")
        let harness = try await FlowHarness.start(broker, config: try FlowFixtures.tutorialConfig())
        do {
            try await tutorialFunnel(harness, customerId: customerId)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    private func tutorialFunnel(_ harness: FlowHarness, customerId: String) async throws {
        try await harness.publish(.profile, key: customerId, value: try FlowFixtures.cust42Profile(as: customerId))
        try await harness.until("profile of \(customerId)") { $0.customer(customerId)?.attributes["tenureMonths"] != nil }
        #expect(harness.customer(customerId)?.attributes["avgMonthlyBalance"] == .decimal(12000))

        // Without explain: the seed's response shape.
        let plain = try await harness.response(FlowFixtures.request(customerId))
        #expect(plain.decisions.map(\.offerId) == [FlowFixtures.card, FlowFixtures.savings])
        #expect(plain.decisions.map(\.offerName) == ["Rewards credit card", "High-yield savings"])
        #expect(plain.decisions.map(\.rank) == [1, 2])
        #expect(plain.decisions.map(\.priority) == [80, 70])
        #expect(plain.decisions.allSatisfy { $0.rankingScores == nil })
        #expect(plain.decisions[0].score > plain.decisions[1].score)
        #expect(plain.count == 2 && plain.controlGroup == false)
        #expect(plain.meta == ResponseMeta(
            totalCandidates: 4, afterQualification: 2, afterSuppression: 2, afterContactPolicy: 2, degradedScoring: false))
        #expect(plain.customerId == customerId && plain.channel == "in_app")
        #expect(plain.decisionFlowKey == "cross-sell" && plain.decisionFlowVersion == 2)
        #expect(plain.dropped == nil)

        // With explain: the breakdown per decision and the reasons for the two dropped offers.
        let explained = try await harness.response(FlowFixtures.request(customerId, explain: true))
        #expect(explained.decisions.map(\.offerId) == [FlowFixtures.card, FlowFixtures.savings])
        #expect(explained.meta == plain.meta)
        for decision in explained.decisions {
            let scores = try #require(decision.rankingScores)
            #expect(abs(scores.score - decision.score) < 1e-9)
            #expect(scores.weights == FormulaWeights(
                propensityWeight: 0.4, relevanceWeight: 0.15, impactWeight: 0.35, emphasisWeight: 0.1, upliftWeight: 0.5))
        }
        let dropped = try #require(explained.dropped)
        #expect(dropped.map(\.offerId) == [FlowFixtures.wealth, FlowFixtures.mortgage])
        #expect(dropped.allSatisfy { $0.stage == "qualify" })
        #expect(dropped.map(\.rule) == ["Wealth — balance >= 50k", "Mortgage — none yet"])
        #expect(dropped.map(\.reason) == [
            "customer.avgMonthlyBalance is 12000, needs gte 50000", "customer.hasMortgage is true, needs eq false",
        ])

        // The first decision comes back through ingest: in the log as decision.made.v1, and in
        // the customer's contacts (card and savings, counted once).
        try await harness.until("both decisions of \(customerId) folded") { $0.customer(customerId)?.contacts.count == 4 }
        let decisions = try harness.loggedEvents().compactMap { entry -> (String, DecisionEvent)? in
            guard case .decision(let event) = entry.event, event.customerId == customerId else { return nil }
            return (entry.record.topic, event)
        }
        #expect(decisions.count == 2)
        let logged = try #require(decisions.first { $0.1.recommendationId == plain.recommendationId })
        #expect(logged.0 == XSellTopic.decision.rawValue)
        let event = logged.1
        #expect(event.interactionId == plain.interactionId)
        #expect(event.arm == .treatment && event.channel == "in_app")
        #expect(event.decisionFlowKey == "cross-sell" && event.decisionFlowVersion == 2)
        #expect(event.decisions.map(\.offerId) == [FlowFixtures.card, FlowFixtures.savings])
        #expect(event.decisions.map(\.rank) == [1, 2])
        #expect(Set(event.candidates) == [FlowFixtures.card, FlowFixtures.savings])
        #expect(event.features?["avgMonthlyBalance"] == .decimal(12000))
        let contacts = try #require(harness.customer(customerId)).contacts
        #expect(Set(contacts.filter { $0.eventId == event.eventId }.map(\.offerId)) == [FlowFixtures.card, FlowFixtures.savings])
        #expect(contacts.count == 4)
    }
}
