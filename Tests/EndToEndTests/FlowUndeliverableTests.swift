import Foundation
import KafkaClient
import Projection
import Runtime
import Testing
import XSellCore
import XSellTestSupport

/// Issue 9 item 11: a reply never goes out for a decision the log does not hold. The node's
/// producer refuses messages over 2,500 bytes (`message.max.bytes`, checked by librdkafka
/// before sending: `MSG_SIZE_TOO_LARGE`, which no retry cures); a request whose `tier`
/// attribute is 3,000 characters makes a decision event over that (its feature snapshot
/// carries the value), while its reply and its dead letter (payload cut to 256 bytes) stay
/// under it.
@Suite("a decision event that cannot be recorded", .serialized, .timeLimit(.minutes(2)))
struct FlowUndeliverableTests {
    @Test("its request gets UNAVAILABLE and a DECISION_UNDELIVERABLE dead letter, no decision; the worker goes on")
    func undeliverableDecision() async throws {
        var serve = FlowHarness.serveOptions
        serve.maxDeadLetterPayloadBytes = 256
        let harness = try await FlowHarness.start(
            .mock, config: try FlowFixtures.tutorialConfig(), serve: serve, nodeProperties: ["message.max.bytes": "2500"])
        let replies = try await harness.tail(XSellTopic.returned.rawValue)
        let deadLetters = try await harness.tail(XSellTopic.deadLetter.rawValue)
        do {
            try await undeliverableDecision(harness, deadLetters)
        } catch {
            Issue.record(error)
        }
        await replies.close()
        await deadLetters.close()
        await harness.stop()
    }

    private func undeliverableDecision(_ harness: FlowHarness, _ deadLetters: TopicTail) async throws {
        let customerId = FlowFixtures.treatedCustomer("unrecorded")
        try await harness.publish(.profile, key: customerId, value: try FlowFixtures.cust42Profile(as: customerId))
        try await harness.until("profile of \(customerId)") { $0.customer(customerId) != nil }
        let before = try await harness.response(FlowFixtures.request(customerId))

        var big = FlowFixtures.request(customerId)
        big.attributes = ["tier": .string(String(repeating: "x", count: 3_000))]
        let reply = try await harness.recommend(big)
        guard case .error(let requestId, let code, let message) = reply else {
            Issue.record("expected an error reply, got \(reply)")
            return
        }
        #expect(requestId == big.requestId && code == .unavailable, "\(code): \(message)")
        let letter = try await deadLetters.first("DECISION_UNDELIVERABLE dead letter") { message in
            (try? DeadLetterCodec.decode(value: message.value))?.errorCode == "DECISION_UNDELIVERABLE"
        }
        let record = try DeadLetterCodec.decode(value: letter.value)
        #expect(record.errorMessage.contains(XSellTopic.decision.rawValue), "\(record.errorMessage)")

        // The worker goes on; the log holds the decisions before and after, not the refused one.
        let after = try await harness.response(FlowFixtures.request(customerId))
        try await harness.untilTrue("both decisions logged") { try harness.loggedDecisions(of: customerId).count >= 2 }
        let logged = try harness.loggedDecisions(of: customerId)
        #expect(logged.map(\.recommendationId) == [before.recommendationId, after.recommendationId])
        #expect(!logged.contains { $0.requestId == big.requestId })
        #expect(harness.nodeEnding == nil, "the node stopped: \(harness.nodeEnding ?? "")")
    }
}
