import Testing
@testable import XSellCore

@Suite struct CodecTests {
    @Test(arguments: Fixtures.allEvents)
    func eventJSONRoundTrip(event: DomainEvent) throws {
        let bytes = EventCodec.encode(event)
        let back = try EventCodec.decode(topic: event.topic.rawValue, value: bytes, schema: Fixtures.schema)
        #expect(back == event)
        #expect(EventCodec.encode(back) == bytes)
    }

    @Test func decodesWithoutSchemaByInference() throws {
        let text = #"{"eventId":"e","customerId":"c","occurredAt":"2024-05-01T12:00:00Z","attributes":{"a":1,"b":1.5,"c":"x","d":true,"e":null}}"#
        let e = try EventCodec.decode(topic: "customer.profile.v1", value: Array(text.utf8), schema: nil)
        guard case .profile(let p) = e else { Issue.record("not a profile"); return }
        #expect(p.attributes == ["a": .integer(1), "b": .decimal(1.5), "c": .string("x"), "d": .boolean(true), "e": .null])
    }

    @Test func nullMeansAbsentAndExtraFieldsAreIgnored() throws {
        let text = #"{"eventId":"i","occurredAt":"2024-05-01T12:00:00Z","customerId":"c","offerId":"o","recommendationId":null,"channel":"email","outcome":"click","conversionValue":null,"extra":[1,2]}"#
        let e = try EventCodec.decode(topic: "interaction.recorded.v1", value: Array(text.utf8), schema: nil)
        #expect(e == .interaction(InteractionEvent(
            eventId: "i", occurredAt: Timestamp(rfc3339: "2024-05-01T12:00:00Z")!, customerId: "c", offerId: "o",
            channel: "email", outcome: .click)))
    }

    static let decisionBase = #""eventId":"d","occurredAt":"2024-05-01T12:00:00Z","customerId":"c","recommendationId":"r","interactionId":"i","decisionFlowKey":"cross-sell","decisionFlowVersion":2,"channel":"email","arm":"treatment","candidates":["a","b"]"#

    /// One row per rejection code: (topic, message, code, expected message fragment).
    static let rejections: [(String, String, RejectionCode, String)] = [
        ("customer.profile.v1", #"{"eventId":"e","customerId":"c","occurredAt":"2024-05-01T12:00:00Z","attributes":{"tier":"x"},"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}"#,
         .tooLarge, "limit is 400"),
        ("customer.profile.v1", #"{"eventId":"e",}"#, .invalidJSON, "invalid JSON"),
        ("customer.profile.v1", #"["eventId"]"#, .notAnObject, "expected a JSON object, got array"),
        ("customer.profile.v1", #"{"eventId":"e","occurredAt":"2024-05-01T12:00:00Z","attributes":{}}"#,
         .missingField, "customerId: required field is missing"),
        ("decision.made.v1", "{" + decisionBase + #","decisions":[{"offerId":"a","rank":1},{"offerId":7,"rank":2}]}"#,
         .wrongType, "decisions[1].offerId: expected string, got number"),
        ("interaction.recorded.v1", #"{"eventId":"i","occurredAt":"2024-05-01 12:00","customerId":"c","offerId":"o","channel":"email","outcome":"click"}"#,
         .invalidTimestamp, "occurredAt: \"2024-05-01 12:00\" is not an RFC 3339 timestamp"),
        ("interaction.recorded.v1", #"{"eventId":"i","occurredAt":"2024-05-01T12:00:00Z","customerId":"c","offerId":"o","channel":"email","outcome":"purchase"}"#,
         .unknownOutcome, "outcome: unknown outcome \"purchase\""),
        ("customer.profile.v1", #"{"eventId":"e","customerId":"c","occurredAt":"2024-05-01T12:00:00Z","attributes":{"shoeSize":42}}"#,
         .unknownAttribute, "attributes.shoeSize: not a field of schema \"customer\""),
        ("customer.profile.v1", #"{"eventId":"e","customerId":"c","occurredAt":"2024-05-01T12:00:00Z","attributes":{"tenureMonths":"36"}}"#,
         .attributeType, "attributes.tenureMonths: expected integer, got string"),
        ("orders.v1", #"{}"#, .unknownTopic, "topic \"orders.v1\""),
        ("decision.made.v1", "{" + decisionBase + #","decisions":[{"offerId":"a","rank":0}]}"#,
         .invalidValue, "decisions[0].rank: must be at least 1, got 0"),
        // Issue 9: a duplicate key (over-long ids: IngestDeadLetterTests, the message would pass 400 bytes here).
        ("interaction.recorded.v1", #"{"eventId":"i","occurredAt":"2024-05-01T12:00:00Z","customerId":"c","offerId":"o","channel":"email","outcome":"click","outcome":"opt_out"}"#,
         .invalidJSON, "duplicate key \"outcome\""),
    ]

    @Test(arguments: rejections)
    func rejectsWithCode(topic: String, text: String, code: RejectionCode, fragment: String) {
        do {
            _ = try EventCodec.decode(topic: topic, value: Array(text.utf8), schema: Fixtures.schema, maxBytes: 400)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.code == code)
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    /// `future_timestamp` is ingest's check against its wall clock, not the codec's
    /// (`IngestDeadLetterTests` has its row).
    @Test func everyRejectionCodeHasARow() {
        #expect(Set(Self.rejections.map(\.2)) == Set(RejectionCode.allCases).subtracting([.futureTimestamp]))
    }

    @Test(arguments: [
        (#"{"tenureMonths":36.5}"#, RejectionCode.attributeType, "attributes.tenureMonths: expected integer, got non-integral number"),
        (#"{"avgMonthlyBalance":true}"#, .attributeType, "attributes.avgMonthlyBalance: expected decimal, got boolean"),
        (#"{"lastLogin":"yesterday"}"#, .attributeType, "attributes.lastLogin: expected timestamp, got non-RFC 3339 string"),
        (#"{"customer_id":"other"}"#, .invalidValue, "does not match customerId"),
        (#"[]"#, .wrongType, "attributes: expected object, got array"),
    ])
    func profileAttributeChecks(attributes: String, code: RejectionCode, fragment: String) {
        let text = #"{"eventId":"e","customerId":"c","occurredAt":"2024-05-01T12:00:00Z","attributes":"# + attributes + "}"
        #expect {
            try EventCodec.decode(topic: "customer.profile.v1", value: Array(text.utf8), schema: Fixtures.schema)
        } throws: { error in
            guard let r = error as? EventRejection else { return false }
            return r.code == code && r.message.contains(fragment)
        }
    }

    @Test func decimalsAcceptIntegersAndIntegersAcceptIntegralDecimals() throws {
        let text = #"{"eventId":"e","customerId":"c","occurredAt":"2024-05-01T12:00:00Z","attributes":{"avgMonthlyBalance":12000,"tenureMonths":36.0}}"#
        let e = try EventCodec.decode(topic: "customer.profile.v1", value: Array(text.utf8), schema: Fixtures.schema)
        guard case .profile(let p) = e else { Issue.record("not a profile"); return }
        #expect(p.attributes == ["avgMonthlyBalance": .decimal(12000), "tenureMonths": .integer(36)])
    }

    @Test func decisionFeaturesAreSchemaChecked() {
        let text = "{" + Self.decisionBase + #","decisions":[],"features":{"favouriteColour":"red"}}"#
        #expect(throws: EventRejection(.unknownAttribute, #"features.favouriteColour: not a field of schema "customer""#)) {
            try EventCodec.decode(topic: "decision.made.v1", value: Array(text.utf8), schema: Fixtures.schema)
        }
    }

    @Test func outcomeClassification() {
        #expect(Outcome.allCases.count == 10)
        #expect(Outcome.allCases.filter(\.isPositive) == [.click, .conversion, .share, .save])
        #expect(Outcome.allCases.filter(\.isNegative) == [.notInterested, .optOut, .dismiss, .complaint])
    }

    @Test func requestRoundTripAndValidation() throws {
        let q = RecommendationRequest(
            requestId: "r-1", customerId: "cust_42", channel: "in_app", decisionFlowKey: "cross-sell", limit: 2,
            explain: true, attributes: ["tier": .string("private"), "campaign": .string("spring")], replyTo: "replies.x")
        #expect(try RequestCodec.decode(value: RequestCodec.encode(q), schema: Fixtures.schema) == q)
        let minimal = #"{"requestId":"r-1","customerId":"cust_42","channel":"in_app","decisionFlowKey":"cross-sell","explain":false}"#
        let m = try RequestCodec.decode(value: Array(minimal.utf8))
        #expect(m.explain == false && m.limit == nil && m.replyTopic == "recommendation.returned.v1")
        let bad = #"{"requestId":"r-9","customerId":"c","channel":"email","decisionFlowKey":"x","limit":0}"#
        #expect(throws: EventRejection(.invalidValue, "limit: must be at least 1, got 0")) {
            try RequestCodec.decode(value: Array(bad.utf8))
        }
        #expect(RequestCodec.requestId(in: Array(bad.utf8)) == "r-9")
        let typed = #"{"requestId":"r","customerId":"c","channel":"e","decisionFlowKey":"x","attributes":{"tenureMonths":"x"}}"#
        #expect(throws: EventRejection(.attributeType, "attributes.tenureMonths: expected integer, got string")) {
            try RequestCodec.decode(value: Array(typed.utf8), schema: Fixtures.schema)
        }
    }

    static let response = RecommendationResponse(
        requestId: "r-1", interactionId: "int-1", recommendationId: "rec-1", customerId: "cust_42",
        decisionFlowKey: "cross-sell", decisionFlowVersion: 2, channel: "in_app", controlGroup: false,
        decisions: [
            ResponseDecision(
                offerId: "rewards-credit-card", offerName: "Rewards credit card", score: 0.79, rank: 1, priority: 80,
                rankingScores: RankingScores(
                    propensity: 0.3, relevance: 1, impact: 0.8, emphasis: 0.8,
                    uplift: UpliftExplanation(tau: 0.06, muTreated: 0.3, muControl: 0.24, segment: .persuadable,
                                              factor: 1.52, status: "ok"),
                    weights: FormulaWeights(propensityWeight: 0.4, relevanceWeight: 0.15, impactWeight: 0.35,
                                            emphasisWeight: 0.1, upliftWeight: 0.5),
                    fitMultiplier: 1, score: 0.79)),
            ResponseDecision(offerId: "high-yield-savings", offerName: "High-yield savings", score: 0.58, rank: 2, priority: 70),
        ],
        meta: ResponseMeta(totalCandidates: 4, afterQualification: 2, afterSuppression: 2, afterContactPolicy: 2,
                           degradedScoring: false),
        dropped: [DroppedOffer(offerId: "mortgage-pre-approval", stage: "qualify", rule: "Mortgage — none yet",
                               reason: "customer.hasMortgage eq false failed: value is true")])

    @Test func responseRoundTrip() throws {
        for reply in [RecommendationReply.response(Self.response),
                      .error(requestId: "r-2", code: .notFound, message: "unknown flow \"x\"")] {
            #expect(try ResponseCodec.decode(value: ResponseCodec.encode(reply)) == reply)
        }
        var plain = Self.response
        plain.decisions[0].rankingScores = nil
        plain.dropped = nil
        let text = String(decoding: ResponseCodec.encode(.response(plain)), as: UTF8.self)
        #expect(text.contains(#""count":2"#) && !text.contains("explanation"))
        #expect(text.contains(#""meta":{"afterContactPolicy":2,"afterQualification":2,"afterSuppression":2,"degradedScoring":false,"totalCandidates":4}"#))
        let err = String(decoding: ResponseCodec.encode(.error(requestId: "r", code: .badRequest, message: "m")), as: UTF8.self)
        #expect(err == #"{"error":{"code":"BAD_REQUEST","message":"m"},"requestId":"r"}"#)
    }

    @Test func deadLetterRoundTrip() throws {
        let payload: [UInt8] = Array("{\"bad\":".utf8) + [0xFF, 0x00]
        let d = DeadLetterRecord(
            sourceTopic: "interaction.recorded.v1", partition: 3, offset: 123_456_789_012, key: "cust_42",
            rejection: EventRejection(.invalidJSON, "invalid JSON"), payload: payload, at: Fixtures.at)
        let back = try DeadLetterCodec.decode(value: DeadLetterCodec.encode(d))
        #expect(back == d)
        #expect(DeadLetterCodec.payload(of: back) == payload)
        for n in 0..<7 {
            let bytes = (0..<n).map { UInt8($0 * 51) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
    }
}
