import Foundation
import KafkaClient
import Projection
import Testing
import XSellCore
import XSellTestSupport

extension FlowEndToEndTests {
    /// guide §5: an invalid request gets an error reply (when a reply address can be derived) and
    /// a dead letter; the worker keeps serving.
    @Test("invalid requests get an error reply and a dead letter", arguments: BrokerKind.available)
    func invalidRequests(broker: BrokerKind) async throws {
        try await FlowHarness.scoped(broker) { harness, replies, deadLetters in
            try await invalidRequests(harness, replies: replies, deadLetters: deadLetters)
        }
    }

    private func invalidRequests(_ harness: FlowHarness, replies: TopicTail, deadLetters: TopicTail) async throws {
        let customerId = FlowFixtures.treatedCustomer("bad")
        try await harness.publish(.profile, key: customerId, value: try FlowFixtures.cust42Profile(as: customerId))
        try await harness.until("profile of \(customerId)") { $0.customer(customerId) != nil }

        // Unknown flow, through the client: NOT_FOUND.
        let unknownFlow = FlowFixtures.request(customerId, flow: "no-such-flow")
        let notFound = try await harness.recommend(unknownFlow)
        guard case .error(let id, let code, let message) = notFound else {
            Issue.record("expected an error reply, got \(notFound)")
            return
        }
        #expect(id == unknownFlow.requestId && code == .notFound)
        #expect(message == "unknown decisionFlowKey \"no-such-flow\"")
        let flowLetter = try await deadLetter(in: deadLetters, about: unknownFlow.requestId)
        #expect(flowLetter.sourceTopic == XSellTopic.requested.rawValue)
        #expect(flowLetter.errorCode == "NOT_FOUND" && flowLetter.key == customerId)

        // Valid JSON with a requestId but a wrong type: BAD_REQUEST, and the dead letter keeps the bytes.
        let badId = "flow-bad-\(UUID().uuidString.lowercased())"
        let badType = Array("""
            {"requestId":"\(badId)","customerId":"\(customerId)","channel":"in_app","decisionFlowKey":"cross-sell","limit":"many"}
            """.utf8)
        try await harness.publish(.requested, key: customerId, value: badType)
        let badReply = try await reply(in: replies, to: badId)
        guard case .error(_, let badCode, let badMessage) = badReply else {
            Issue.record("expected an error reply, got \(badReply)")
            return
        }
        #expect(badCode == .badRequest)
        #expect(badMessage.contains("limit"), "\(badMessage)")
        let typeLetter = try await deadLetter(in: deadLetters, about: badId)
        #expect(DeadLetterCodec.payload(of: typeLetter) == badType)
        #expect(typeLetter.sourceTopic == XSellTopic.requested.rawValue && typeLetter.key == customerId)

        // Not JSON at all: no reply address can be derived, so only the dead letter.
        let garbageId = "flow-garbage-\(UUID().uuidString.lowercased())"
        let garbage = Array("{\"requestId\":\"\(garbageId)\", oops".utf8)
        try await harness.publish(.requested, key: customerId, value: garbage)
        let garbageLetter = try await deadLetters.first("dead letter of the garbage request") { message in
            (try? DeadLetterCodec.decode(value: message.value)).flatMap(DeadLetterCodec.payload(of:)) == garbage
        }
        #expect(try DeadLetterCodec.decode(value: garbageLetter.value).sourceTopic == XSellTopic.requested.rawValue)

        // The worker goes on serving, and none of the invalid requests made a decision.
        let good = try await harness.response(FlowFixtures.request(customerId))
        #expect(good.decisions.map(\.offerId) == [FlowFixtures.card, FlowFixtures.savings])
        #expect(replies.all { $0.text.contains(garbageId) }.isEmpty)
        try await harness.untilTrue("the good request's decision") { try harness.loggedDecisions(of: customerId).count >= 1 }
        #expect(try harness.loggedDecisions(of: customerId).map(\.recommendationId) == [good.recommendationId])
    }

    /// guide §5: replies, error replies included, go to the request's `replyTo`.
    @Test("an invalid request's error reply goes to its replyTo topic", arguments: BrokerKind.available)
    func invalidRequestRepliesToReplyTo(broker: BrokerKind) async throws {
        let harness = try await FlowHarness.start(broker, config: try FlowFixtures.tutorialConfig())
        // A private reply topic; on tansu it has to be created like the others.
        let privateTopic = "flow-replies-\(UUID().uuidString.prefix(8).lowercased())"
        if let embedded = harness.embedded {
            try embedded.createTopic(privateTopic, partitions: 1)
        } else {
            try await KafkaAdmin(configuration: harness.kafka, logger: .test()).createTopics([NewTopic(name: privateTopic, partitions: 1)])
        }
        let replies = try await harness.tail(privateTopic)
        let badId = "flow-bad-\(UUID().uuidString.lowercased())"
        do {
            let bytes = Array("""
                {"requestId":"\(badId)","customerId":"c-1","channel":"in_app","decisionFlowKey":"cross-sell","explain":"yes","replyTo":"\(privateTopic)"}
                """.utf8)
            try await harness.publish(.requested, key: "c-1", value: bytes)
            let reply = try await reply(in: replies, to: badId)
            guard case .error(_, let code, _) = reply else {
                Issue.record("expected an error reply, got \(reply)")
                throw FlowTimeout(description: "no error reply")
            }
            #expect(code == .badRequest)
        } catch {
            await replies.close()
            await harness.stop()
            throw error
        }
        await replies.close()
        await harness.stop()
    }

    func reply(in replies: TopicTail, to requestId: String) async throws -> RecommendationReply {
        let message = try await replies.first("reply to \(requestId)") {
            (try? ResponseCodec.decode(value: $0.value))?.requestId == requestId
        }
        return try ResponseCodec.decode(value: message.value)
    }

    func deadLetter(in deadLetters: TopicTail, about requestId: String) async throws -> DeadLetterRecord {
        let message = try await deadLetters.first("dead letter of \(requestId)") { message in
            guard let record = try? DeadLetterCodec.decode(value: message.value),
                let payload = DeadLetterCodec.payload(of: record)
            else { return false }
            return String(decoding: payload, as: UTF8.self).contains(requestId)
        }
        return try DeadLetterCodec.decode(value: message.value)
    }
}
