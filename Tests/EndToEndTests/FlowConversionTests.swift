import DecisionFlow
import Foundation
import Projection
import Testing
import XSellCore
import XSellTestSupport

extension FlowEndToEndTests {
    /// guide §4.2/4.4: a conversion sets the offer's holding in real time, and an offer the
    /// customer holds is suppressed. The tutorial's "Card — no card yet" rule is removed here:
    /// with it, qualification drops the card before suppression sees it; without it, only the
    /// holding the conversion set (offer `holding: hasCreditCard`) keeps the card out.
    @Test("a card conversion removes the card from the customer's next decision", arguments: BrokerKind.available)
    func conversionSuppressesHeldOffer(broker: BrokerKind) async throws {
        var config = try FlowFixtures.tutorialConfig()
        config.qualificationRules.removeAll { $0.name == "Card — no card yet" }
        #expect(config.qualificationRules.count == 8)
        let harness = try await FlowHarness.start(broker, config: config)
        do {
            try await conversionSuppressesHeldOffer(harness)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    private func conversionSuppressesHeldOffer(_ harness: FlowHarness) async throws {
        let customerId = FlowFixtures.treatedCustomer("conv")
        let bystander = FlowFixtures.treatedCustomer("conv-other")
        for id in [customerId, bystander] {
            try await harness.publish(.profile, key: id, value: try FlowFixtures.cust42Profile(as: id))
        }
        try await harness.until("both profiles") { state in
            state.customer(customerId)?.attributes["hasCreditCard"] != nil
                && state.customer(bystander)?.attributes["hasCreditCard"] != nil
        }

        let before = try await harness.response(FlowFixtures.request(customerId))
        #expect(before.decisions.map(\.offerId) == [FlowFixtures.card, FlowFixtures.savings])

        let now = WallClock.now()
        try await harness.publish(.interaction(InteractionEvent(
            eventId: "conv-\(UUID().uuidString.lowercased())", occurredAt: now, customerId: customerId,
            offerId: FlowFixtures.card, recommendationId: before.recommendationId, channel: "in_app",
            outcome: .conversion, conversionValue: 90)))
        try await harness.until("the conversion of \(customerId)") {
            $0.customer(customerId)?.attributes["hasCreditCard"] == .boolean(true)
        }
        #expect(harness.customer(customerId)?.outcomes.map(\.outcome) == [.conversion])

        let after = try await harness.response(FlowFixtures.request(customerId, explain: true))
        #expect(after.decisions.map(\.offerId) == [FlowFixtures.savings])
        #expect(after.decisions.map(\.rank) == [1])
        #expect(after.meta == ResponseMeta(
            totalCandidates: 4, afterQualification: 2, afterSuppression: 1, afterContactPolicy: 1, degradedScoring: false))
        let dropped = try #require(after.dropped?.first { $0.offerId == FlowFixtures.card })
        #expect(dropped.stage == "suppression")
        #expect(dropped.reason == "customer already holds it (hasCreditCard is true)")

        // Another customer with the same profile still gets the card.
        let other = try await harness.response(FlowFixtures.request(bystander))
        #expect(other.decisions.map(\.offerId) == [FlowFixtures.card, FlowFixtures.savings])
    }
}
