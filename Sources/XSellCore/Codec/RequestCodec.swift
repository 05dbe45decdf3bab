/// JSON codec for `recommendation.requested.v1`.
public enum RequestCodec {
    /// Most UTF-8 bytes of any id in a request or event (`requestId`, `customerId`, …).
    public static let maxIdBytes = FieldReader.maxIdBytes

    /// Decodes and validates a request. `attributes` named like a schema field must have its
    /// type; other names are free (`request.X`) and their types inferred.
    public static func decode(
        value: [UInt8], schema: CustomerSchema? = nil, maxBytes: Int = EventCodec.defaultMaxBytes
    ) throws(EventRejection) -> RecommendationRequest {
        let r = try CodecSupport.parseObject(value, maxBytes: maxBytes)
        let requestId = try r.id("requestId")
        let customerId = try r.id("customerId")
        let channel = try r.id("channel")
        let flowKey = try r.id("decisionFlowKey")
        let limit = try r.optionalInt("limit")
        if let limit, limit < 1 { throw EventRejection(.invalidValue, "limit: must be at least 1, got \(limit)") }
        let explain = try r.optionalBool("explain")
        var attributes: [String: AttributeValue]?
        if let a = try r.optionalObject("attributes") {
            attributes = try CodecSupport.attributes(a, path: "attributes", schema: schema, allowUnknown: true)
        }
        let replyTo = try r.optionalID("replyTo")
        return RecommendationRequest(
            requestId: requestId, customerId: customerId, channel: channel, decisionFlowKey: flowKey,
            limit: limit, explain: explain, attributes: attributes, replyTo: replyTo)
    }

    /// Best effort: the `requestId` of a message that failed validation, so an error reply
    /// can still be addressed.
    public static func requestId(in value: [UInt8]) -> String? {
        guard let json = try? JSONValue.parse(value), let id = json["requestId"]?.stringValue, !id.isEmpty else {
            return nil
        }
        return id
    }

    /// The request as a JSON value.
    public static func jsonValue(_ q: RecommendationRequest) -> JSONValue {
        var o: [String: JSONValue] = [
            "requestId": .string(q.requestId), "customerId": .string(q.customerId),
            "channel": .string(q.channel), "decisionFlowKey": .string(q.decisionFlowKey),
        ]
        if let l = q.limit { o["limit"] = .number(Double(l)) }
        if let e = q.explain { o["explain"] = .bool(e) }
        if let a = q.attributes { o["attributes"] = CodecSupport.json(a) }
        if let t = q.replyTo { o["replyTo"] = .string(t) }
        return .object(o)
    }

    /// The request as deterministic JSON bytes.
    public static func encode(_ q: RecommendationRequest) -> [UInt8] { jsonValue(q).serialized() }
}

/// JSON codec for replies on `recommendation.returned.v1` (guide §5).
public enum ResponseCodec {
    /// The reply as a JSON value.
    public static func jsonValue(_ reply: RecommendationReply) -> JSONValue {
        switch reply {
        case .error(let id, let code, let message):
            return ["requestId": .string(id), "error": ["code": .string(code.rawValue), "message": .string(message)]]
        case .response(let r):
            var o: [String: JSONValue] = [
                "requestId": .string(r.requestId), "interactionId": .string(r.interactionId),
                "recommendationId": .string(r.recommendationId), "customerId": .string(r.customerId),
                "decisionFlowKey": .string(r.decisionFlowKey),
                "decisionFlowVersion": .number(Double(r.decisionFlowVersion)), "channel": .string(r.channel),
                "controlGroup": .bool(r.controlGroup), "count": .number(Double(r.count)),
                "decisions": .array(r.decisions.map(decisionJSON)),
                "meta": [
                    "totalCandidates": .number(Double(r.meta.totalCandidates)),
                    "afterQualification": .number(Double(r.meta.afterQualification)),
                    "afterSuppression": .number(Double(r.meta.afterSuppression)),
                    "afterContactPolicy": .number(Double(r.meta.afterContactPolicy)),
                    "degradedScoring": .bool(r.meta.degradedScoring),
                ],
            ]
            if let dropped = r.dropped {
                o["explanation"] = ["dropped": .array(dropped.map { d in
                    var m: [String: JSONValue] = [
                        "offerId": .string(d.offerId), "stage": .string(d.stage), "reason": .string(d.reason),
                    ]
                    if let rule = d.rule { m["rule"] = .string(rule) }
                    return .object(m)
                })]
            }
            return .object(o)
        }
    }

    static func decisionJSON(_ d: ResponseDecision) -> JSONValue {
        var o: [String: JSONValue] = [
            "offerId": .string(d.offerId), "offerName": .string(d.offerName), "score": .number(d.score),
            "rank": .number(Double(d.rank)), "priority": .number(Double(d.priority)),
            "personalization": .object(d.personalization),
        ]
        if let s = d.rankingScores {
            var u: [String: JSONValue] = [
                "tau": .number(s.uplift.tau), "segment": .string(s.uplift.segment.rawValue),
                "factor": .number(s.uplift.factor), "status": .string(s.uplift.status),
            ]
            u["muTreated"] = s.uplift.muTreated.map(JSONValue.number) ?? .null
            u["muControl"] = s.uplift.muControl.map(JSONValue.number) ?? .null
            o["explanation"] = ["rankingScores": [
                "propensity": .number(s.propensity), "relevance": .number(s.relevance),
                "impact": .number(s.impact), "emphasis": .number(s.emphasis), "uplift": .object(u),
                "weights": s.weights.jsonValue, "fitMultiplier": .number(s.fitMultiplier), "score": .number(s.score),
            ]]
        }
        return .object(o)
    }

    /// The reply as deterministic JSON bytes.
    public static func encode(_ reply: RecommendationReply) -> [UInt8] { jsonValue(reply).serialized() }

    /// Decodes a reply (used by `xsell recommend` and tests).
    public static func decode(value: [UInt8], maxBytes: Int = EventCodec.defaultMaxBytes) throws(EventRejection)
        -> RecommendationReply
    {
        let r = try CodecSupport.parseObject(value, maxBytes: maxBytes)
        let requestId = try r.string("requestId")
        if r.value("error") != nil {
            let e = try r.child("error")
            return .error(requestId: requestId, code: ReplyErrorCode(rawValue: try e.string("code")),
                          message: try e.string("message"))
        }
        var decisions: [ResponseDecision] = []
        for (i, v) in try r.array("decisions").enumerated() {
            let d = try r.element("decisions", i, v)
            var scores: RankingScores?
            if d.value("explanation") != nil {
                let s = try d.child("explanation").child("rankingScores")
                let u = try s.child("uplift")
                let segText = try u.string("segment")
                guard let segment = UpliftSegment(rawValue: segText) else {
                    throw EventRejection(.invalidValue, "\(u.at("segment")): unknown segment \"\(segText)\"")
                }
                let w = try s.child("weights")
                scores = RankingScores(
                    propensity: try s.double("propensity"), relevance: try s.double("relevance"),
                    impact: try s.double("impact"), emphasis: try s.double("emphasis"),
                    uplift: UpliftExplanation(
                        tau: try u.double("tau"), muTreated: try u.optionalDouble("muTreated"),
                        muControl: try u.optionalDouble("muControl"), segment: segment,
                        factor: try u.double("factor"), status: try u.string("status")),
                    weights: FormulaWeights(
                        propensityWeight: try w.double("propensityWeight"), relevanceWeight: try w.double("relevanceWeight"),
                        impactWeight: try w.double("impactWeight"), emphasisWeight: try w.double("emphasisWeight"),
                        upliftWeight: try w.double("upliftWeight")),
                    fitMultiplier: try s.double("fitMultiplier"), score: try s.double("score"))
            }
            decisions.append(ResponseDecision(
                offerId: try d.string("offerId"), offerName: try d.string("offerName"), score: try d.double("score"),
                rank: try d.int("rank"), priority: try d.int("priority"),
                personalization: try d.optionalObject("personalization") ?? [:], rankingScores: scores))
        }
        let m = try r.child("meta")
        var dropped: [DroppedOffer]?
        if r.value("explanation") != nil {
            let x = try r.child("explanation")
            if x.value("dropped") != nil {
                dropped = []
                for (i, v) in try x.array("dropped").enumerated() {
                    let d = try x.element("dropped", i, v)
                    dropped?.append(DroppedOffer(
                        offerId: try d.string("offerId"), stage: try d.string("stage"),
                        rule: try d.optionalString("rule"), reason: try d.string("reason")))
                }
            }
        }
        return .response(RecommendationResponse(
            requestId: requestId, interactionId: try r.string("interactionId"),
            recommendationId: try r.string("recommendationId"), customerId: try r.string("customerId"),
            decisionFlowKey: try r.string("decisionFlowKey"), decisionFlowVersion: try r.int("decisionFlowVersion"),
            channel: try r.string("channel"), controlGroup: try r.bool("controlGroup"), decisions: decisions,
            meta: ResponseMeta(
                totalCandidates: try m.int("totalCandidates"), afterQualification: try m.int("afterQualification"),
                afterSuppression: try m.int("afterSuppression"), afterContactPolicy: try m.int("afterContactPolicy"),
                degradedScoring: try m.bool("degradedScoring")),
            dropped: dropped))
    }
}

/// JSON codec for `xsell.deadletter.v1`.
public enum DeadLetterCodec {
    /// The record as a JSON value.
    public static func jsonValue(_ d: DeadLetterRecord) -> JSONValue {
        [
            "sourceTopic": .string(d.sourceTopic), "partition": .number(Double(d.partition)),
            "offset": .number(Double(d.offset)), "key": d.key.map(JSONValue.string) ?? .null,
            "error": ["code": .string(d.errorCode), "message": .string(d.errorMessage)],
            "payloadBase64": .string(d.payloadBase64), "at": .string(d.at.rfc3339),
        ]
    }

    /// The record as deterministic JSON bytes.
    public static func encode(_ d: DeadLetterRecord) -> [UInt8] { jsonValue(d).serialized() }

    /// Decodes a record.
    public static func decode(value: [UInt8]) throws(EventRejection) -> DeadLetterRecord {
        let r = try CodecSupport.parseObject(value, maxBytes: Int.max)
        let e = try r.child("error")
        let partition = try r.int("partition")
        guard let p = Int32(exactly: partition) else {
            throw EventRejection(.invalidValue, "partition: \(partition) out of range")
        }
        return DeadLetterRecord(
            sourceTopic: try r.string("sourceTopic"), partition: p, offset: Int64(try r.int("offset")),
            key: try r.optionalString("key"), errorCode: try e.string("code"), errorMessage: try e.string("message"),
            payloadBase64: try r.string("payloadBase64"), at: try r.timestamp("at"))
    }

    /// The original payload bytes of `record`, if its base64 is valid.
    public static func payload(of record: DeadLetterRecord) -> [UInt8]? { Base64.decode(record.payloadBase64) }
}
