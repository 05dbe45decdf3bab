import Foundation
import KafkaClient
import Projection
import Testing
import XSellCore
import XSellTestSupport

/// Issue 9: requests an attacker or a broken client sends. Each is refused with an error reply
/// on the default reply topic and a dead letter, makes no decision, and the worker goes on.
extension FlowEndToEndTests {
    /// `replyTo` may name only the default reply topic and the configured ones: never xsell's
    /// own topics (a reply in `recommendation.requested.v1` would loop), an internal topic, or
    /// a topic the broker would auto-create.
    @Test("replyTo outside the allowed topics: BAD_REQUEST on the default topic, a dead letter, no decision",
          arguments: BrokerKind.available)
    func replyToAllowList(broker: BrokerKind) async throws {
        try await FlowHarness.scoped(broker) { harness, replies, deadLetters in

        let customerId = FlowFixtures.treatedCustomer("reply")
        try await harness.publish(.profile, key: customerId, value: try FlowFixtures.cust42Profile(as: customerId))
        try await harness.until("profile of \(customerId)") { $0.customer(customerId) != nil }
        let refused = XSellTopic.allCases.filter { $0 != .returned }.map(\.rawValue)
            + ["__consumer_offsets", "_internal", "not-allowed-\(UUID().uuidString.prefix(8).lowercased())"]
        for topic in refused {
            var request = FlowFixtures.request(customerId)
            request.replyTo = topic
            try await harness.publish(.requested, key: customerId, value: RequestCodec.encode(request))
            let answer = try await reply(in: replies, to: request.requestId)
            guard case .error(_, let code, let message) = answer else {
                Issue.record("replyTo \(topic): expected an error reply, got \(answer)")
                continue
            }
            #expect(code == .badRequest && message.contains(topic), "\(topic): \(message)")
            let letter = try await deadLetter(in: deadLetters, about: request.requestId)
            #expect(letter.errorCode == "BAD_REQUEST" && letter.errorMessage.contains(topic))
        }
        // The allowed prefix works, and none of the refused requests made a decision.
        let allowed = FlowHarness.replyTopicPrefix + UUID().uuidString.prefix(8).lowercased()
        try await harness.createTopic(allowed)
        let allowedReplies = try await harness.tail(allowed)
        var request = FlowFixtures.request(customerId)
        request.replyTo = allowed
        try await harness.publish(.requested, key: customerId, value: RequestCodec.encode(request))
        let answer = try await reply(in: allowedReplies, to: request.requestId)
        await allowedReplies.close()
        guard case .response(let response) = answer else {
            Issue.record("expected a response on \(allowed), got \(answer)")
            return
        }
        try await harness.untilTrue("the allowed request's decision") { try !harness.loggedDecisions(of: customerId).isEmpty }
        #expect(try harness.loggedDecisions(of: customerId).map(\.recommendationId) == [response.recommendationId])
        }
    }

    /// A request larger than the limit (800 KB, and 2 MB which no dead letter could carry
    /// whole) is dead-lettered with its payload cut, answered BAD_REQUEST, and neither stops
    /// the worker nor makes the request before it answered twice.
    @Test("oversized requests: dead letter with the payload cut, BAD_REQUEST, the worker goes on",
          arguments: BrokerKind.available)
    func oversizedRequests(broker: BrokerKind) async throws {
        try await FlowHarness.scoped(broker) { harness, replies, deadLetters in
        let bigProducer = try KafkaProducer(configuration: harness.kafka.merging(["message.max.bytes": "3000000"]), logger: .test())

        let customerId = FlowFixtures.treatedCustomer("big")
        try await harness.publish(.profile, key: customerId, value: try FlowFixtures.cust42Profile(as: customerId))
        try await harness.until("profile of \(customerId)") { $0.customer(customerId) != nil }
        let before = try await harness.response(FlowFixtures.request(customerId))
        let sizes = broker == .mock ? [800_000, 2_000_000] : [800_000]
        for size in sizes {
            let requestId = "big-\(size)-\(UUID().uuidString.prefix(8).lowercased())"
            let head = #"{"requestId":"\#(requestId)","customerId":"\#(customerId)","channel":"in_app","#
                + #""decisionFlowKey":"cross-sell","attributes":{"note":""#
            let value = Array((head + String(repeating: "x", count: size - head.utf8.count - 3) + #""}}"#).utf8)
            _ = try await bigProducer.send(OutgoingMessage(
                topic: XSellTopic.requested.rawValue, key: Array(customerId.utf8), value: value))
            if size <= EventCodec.defaultMaxBytes {  // larger ones are not parsed for a request id to reply to
                let answer = try await reply(in: replies, to: requestId)
                guard case .error(_, let code, let message) = answer else {
                    Issue.record("expected an error reply, got \(answer)")
                    continue
                }
                #expect(code == .badRequest && message.contains("\(size)"), "\(message)")
            }
            let letterMessage = try await deadLetters.first("dead letter of \(requestId)") { message in
                guard let record = try? DeadLetterCodec.decode(value: message.value) else { return false }
                return record.errorCode == "too_large" && record.errorMessage.contains("of \(size) bytes")
            }
            let letter = try DeadLetterCodec.decode(value: letterMessage.value)
            let payload = try #require(DeadLetterCodec.payload(of: letter))
            #expect(payload == Array(value.prefix(payload.count)) && payload.count < value.count)
        }
        // The worker still answers, and the request before the big ones was decided once.
        let after = try await harness.response(FlowFixtures.request(customerId))
        try await harness.untilTrue("both decisions logged") { try harness.loggedDecisions(of: customerId).count >= 2 }
        #expect(try harness.loggedDecisions(of: customerId).map(\.recommendationId)
            == [before.recommendationId, after.recommendationId])
        try? await bigProducer.close()
        }
    }

    /// A request older than the time to live is not decided: EXPIRED reply and a dead letter
    /// (it used to be dropped with only a log line).
    @Test("an expired request gets an EXPIRED reply and a dead letter", arguments: BrokerKind.available)
    func expiredRequest(broker: BrokerKind) async throws {
        try await FlowHarness.scoped(broker) { harness, replies, deadLetters in

        let customerId = FlowFixtures.treatedCustomer("old")
        let request = FlowFixtures.request(customerId)
        let created = WallClock.now().millisecondsSinceEpoch - 120_000
        _ = try await harness.producer.send(OutgoingMessage(
            topic: XSellTopic.requested.rawValue, key: Array(customerId.utf8), value: RequestCodec.encode(request),
            timestamp: created))
        let answer = try await reply(in: replies, to: request.requestId)
        guard case .error(_, let code, let message) = answer else {
            Issue.record("expected an error reply, got \(answer)")
            return
        }
        #expect(code == .expired && message.contains("time to live"), "\(message)")
        let letter = try await deadLetter(in: deadLetters, about: request.requestId)
        #expect(letter.errorCode == "EXPIRED" && DeadLetterCodec.payload(of: letter) == RequestCodec.encode(request))
        #expect(try harness.loggedDecisions(of: customerId).isEmpty)
        }
    }
}

extension FlowHarness {
    /// Runs `body` with a node for the tutorial configuration and readers of the reply and
    /// dead-letter topics; stops them all afterwards, also when `body` throws.
    static func scoped(
        _ kind: BrokerKind, config: XSellConfig? = nil,
        _ body: (FlowHarness, _ replies: TopicTail, _ deadLetters: TopicTail) async throws -> Void
    ) async throws {
        let harness = try await start(kind, config: try config ?? FlowFixtures.tutorialConfig())
        let replies = try await harness.tail(XSellTopic.returned.rawValue)
        let deadLetters = try await harness.tail(XSellTopic.deadLetter.rawValue)
        do {
            try await body(harness, replies, deadLetters)
        } catch {
            await replies.close()
            await deadLetters.close()
            await harness.stop()
            throw error
        }
        await replies.close()
        await deadLetters.close()
        await harness.stop()
    }

    /// Creates `topic` with one partition on this harness's broker.
    func createTopic(_ topic: String) async throws {
        if let embedded {
            try embedded.createTopic(topic, partitions: 1)
        } else {
            try await KafkaAdmin(configuration: kafka, logger: .test()).createTopics([NewTopic(name: topic, partitions: 1)])
        }
    }
}
