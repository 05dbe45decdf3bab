import DecisionFlow
import Foundation
import Projection
import Testing
import XSellCore
import XSellTestSupport

extension FlowEndToEndTests {
    static let capPolicy = "{ type: customer_total_cap, name: Cross-sell cap, maxTotal: 2, periodType: monthly }"

    /// guide §4.5: the customer's own decisions count at once, even when the next request follows
    /// within milliseconds (read-your-writes), and never twice once they come back through the log.
    /// Each request asks for one offer, so two requests reach the cap of 2 contacts.
    @Test("back-to-back requests respect customer_total_cap, before and after the decisions come back",
          arguments: BrokerKind.available)
    func customerTotalCap(broker: BrokerKind) async throws {
        let config = try FlowFixtures.config(contactPolicies: [Self.capPolicy])
        #expect(config.contactPolicies.count == 1)
        let harness = try await FlowHarness.start(broker, config: config)
        do {
            try await customerTotalCap(harness)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    private func customerTotalCap(_ harness: FlowHarness) async throws {
        let sequential = FlowFixtures.treatedCustomer("cap-seq")
        let concurrent = FlowFixtures.treatedCustomer("cap-par")
        for id in [sequential, concurrent] {
            try await harness.publish(.profile, key: id, value: try FlowFixtures.cust42Profile(as: id))
        }
        try await harness.until("both profiles") { state in
            state.customer(sequential)?.attributes["tier"] != nil && state.customer(concurrent)?.attributes["tier"] != nil
        }
        // Warm up the serving group with a request for a customer the policy does not concern,
        // so the capped requests below are answered in quick succession, not after the join.
        _ = try await harness.response(FlowFixtures.request("cap-warmup-\(UUID().uuidString.prefix(8))"))

        // One after the other: each sent as soon as the previous reply arrived (milliseconds).
        let clock = ContinuousClock()
        let start = clock.now
        var replies: [RecommendationResponse] = []
        for _ in 0..<3 {
            replies.append(try await harness.response(FlowFixtures.request(sequential, explain: true, limit: 1)))
        }
        let elapsed = clock.now - start
        #expect(replies.map(\.count) == [1, 1, 0], "elapsed \(elapsed)")
        #expect(replies.map(\.meta.afterContactPolicy) == [2, 2, 0])
        #expect(replies.map(\.meta.afterSuppression) == [2, 2, 2])
        #expect(replies[0].decisions.map(\.offerId) == [FlowFixtures.card])
        let blocked = replies[2].dropped?.filter { $0.stage == "contact_policy" } ?? []
        #expect(Set(blocked.map(\.offerId)) == [FlowFixtures.card, FlowFixtures.savings])
        #expect(blocked.allSatisfy { $0.rule == "Cross-sell cap" && $0.reason.hasPrefix("2 contacts since ") })

        // All at once: the worker sees them in one or a few batches; exactly two get an offer.
        let together = try await withThrowingTaskGroup(of: RecommendationResponse.self) { group in
            for _ in 0..<4 {
                group.addTask { try await harness.response(FlowFixtures.request(concurrent, limit: 1)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(together.map(\.count).sorted() == [0, 0, 1, 1])
        #expect(together.filter { $0.count == 0 }.allSatisfy { $0.meta.afterContactPolicy == 0 })

        // Once every decision event (with or without offers) is back in the log, the contacts are
        // counted from the log alone, once each: still 2, still blocked.
        try await harness.untilTrue("all 7 decision events folded") {
            try harness.loggedDecisions(of: sequential).count == 3 && harness.loggedDecisions(of: concurrent).count == 4
        }
        try await harness.foldEverythingInTheLogFiles()
        #expect(harness.customer(sequential)?.contacts.count == 2)
        #expect(harness.customer(concurrent)?.contacts.count == 2)
        let afterLog = try await harness.response(FlowFixtures.request(sequential, explain: true, limit: 1))
        #expect(afterLog.count == 0 && afterLog.meta.afterContactPolicy == 0)
        let reasons = afterLog.dropped?.filter { $0.stage == "contact_policy" }.map(\.reason) ?? []
        #expect(reasons.count == 2 && reasons.allSatisfy { $0.hasPrefix("2 contacts since ") }, "\(reasons)")
        #expect(harness.customer(sequential)?.contacts.count == 2)
    }
}
