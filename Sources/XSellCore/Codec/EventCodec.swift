/// JSON codec for the event topics (`customer.profile.v1`, `decision.made.v1`,
/// `interaction.recorded.v1`), with strict validation.
///
/// Rules: `null` counts as absent; unknown extra fields are ignored; profile attributes and
/// decision features are checked against the schema when one is given (unknown attribute and
/// wrong type reject; without a schema, types are inferred).
public enum EventCodec {
    /// The default message size limit (1 MiB).
    public static let defaultMaxBytes = 1_048_576

    /// Decodes and validates one message consumed from `topic`.
    public static func decode(
        topic: String, value: [UInt8], schema: CustomerSchema?, maxBytes: Int = defaultMaxBytes
    ) throws(EventRejection) -> DomainEvent {
        let r: Result<DomainEvent, EventRejection> = value.withUnsafeBytes { buf in
            do throws(EventRejection) {
                return .success(try decode(topic: topic, value: buf, schema: schema, maxBytes: maxBytes))
            } catch { return .failure(error) }
        }
        return try r.get()
    }

    /// Decodes and validates one message consumed from `topic`, reading the bytes in place.
    public static func decode(
        topic: String, value: UnsafeRawBufferPointer, schema: CustomerSchema?, maxBytes: Int = defaultMaxBytes
    ) throws(EventRejection) -> DomainEvent {
        guard let t = XSellTopic(rawValue: topic), t == .profile || t == .decision || t == .interaction else {
            throw EventRejection(.unknownTopic, "topic \"\(topic)\" does not carry domain events")
        }
        let root = try CodecSupport.parseObject(value, maxBytes: maxBytes)
        switch t {
        case .profile: return .profile(try decodeProfile(root, schema: schema))
        case .decision: return .decision(try decodeDecision(root, schema: schema))
        default: return .interaction(try decodeInteraction(root))
        }
    }

    static func decodeProfile(_ r: FieldReader, schema: CustomerSchema?) throws(EventRejection) -> ProfileEvent {
        let eventId = try r.id("eventId")
        let customerId = try r.id("customerId")
        let occurredAt = try r.timestamp("occurredAt")
        let attributes = try CodecSupport.attributes(r.object("attributes"), path: r.at("attributes"), schema: schema)
        if let key = schema?.uniqueField, case .string(let v)? = attributes[key.name], v != customerId {
            throw EventRejection(
                .invalidValue, "attributes.\(key.name): \"\(v)\" does not match customerId \"\(customerId)\"")
        }
        return ProfileEvent(eventId: eventId, customerId: customerId, occurredAt: occurredAt, attributes: attributes)
    }

    static func decodeDecision(_ r: FieldReader, schema: CustomerSchema?) throws(EventRejection) -> DecisionEvent {
        let eventId = try r.id("eventId")
        let occurredAt = try r.timestamp("occurredAt")
        let customerId = try r.id("customerId")
        let recommendationId = try r.id("recommendationId")
        let interactionId = try r.id("interactionId")
        let flowKey = try r.id("decisionFlowKey")
        let version = try r.int("decisionFlowVersion")
        let channel = try r.id("channel")
        let armText = try r.string("arm")
        guard let arm = ExperimentArm(rawValue: armText) else {
            throw EventRejection(.invalidValue, "arm: \"\(armText)\" is not treatment or control")
        }
        let candidates = try r.stringArray("candidates")
        var decisions: [DecisionEntry] = []
        for (i, v) in try r.array("decisions").enumerated() {
            let d = try r.element("decisions", i, v)
            let rank = try d.int("rank")
            if rank < 1 { throw EventRejection(.invalidValue, "\(d.at("rank")): must be at least 1, got \(rank)") }
            decisions.append(DecisionEntry(
                offerId: try d.id("offerId"), rank: rank, score: try d.optionalDouble("score"),
                propensity: try d.optionalDouble("propensity"), tau: try d.optionalDouble("tau")))
        }
        var features: [String: AttributeValue]?
        if let f = try r.optionalObject("features") {
            features = try CodecSupport.attributes(f, path: r.at("features"), schema: schema)
        }
        return DecisionEvent(
            eventId: eventId, occurredAt: occurredAt, customerId: customerId, recommendationId: recommendationId,
            interactionId: interactionId, decisionFlowKey: flowKey, decisionFlowVersion: version, channel: channel,
            arm: arm, candidates: candidates, decisions: decisions, features: features,
            requestId: try r.optionalID("requestId"), configFingerprint: try r.optionalID("configFingerprint"))
    }

    static func decodeInteraction(_ r: FieldReader) throws(EventRejection) -> InteractionEvent {
        let eventId = try r.id("eventId")
        let occurredAt = try r.timestamp("occurredAt")
        let customerId = try r.id("customerId")
        let offerId = try r.id("offerId")
        let recommendationId = try r.optionalID("recommendationId")
        let channel = try r.id("channel")
        let outcomeText = try r.string("outcome")
        guard let outcome = Outcome(rawValue: outcomeText) else {
            let all = Outcome.allCases.map(\.rawValue).joined(separator: ", ")
            throw EventRejection(.unknownOutcome, "outcome: unknown outcome \"\(outcomeText)\" (expected one of \(all))")
        }
        let value = try r.optionalDouble("conversionValue")
        return InteractionEvent(
            eventId: eventId, occurredAt: occurredAt, customerId: customerId, offerId: offerId,
            recommendationId: recommendationId, channel: channel, outcome: outcome, conversionValue: value)
    }

    // MARK: Encoding

    /// The event as a JSON value (optional fields that are `nil` are omitted).
    public static func jsonValue(_ event: DomainEvent) -> JSONValue {
        var o: [String: JSONValue] = [
            "eventId": .string(event.eventId), "customerId": .string(event.customerId),
            "occurredAt": .string(event.occurredAt.rfc3339),
        ]
        switch event {
        case .profile(let e):
            o["attributes"] = CodecSupport.json(e.attributes)
        case .decision(let e):
            o["recommendationId"] = .string(e.recommendationId)
            o["interactionId"] = .string(e.interactionId)
            if let id = e.requestId { o["requestId"] = .string(id) }
            if let f = e.configFingerprint { o["configFingerprint"] = .string(f) }
            o["decisionFlowKey"] = .string(e.decisionFlowKey)
            o["decisionFlowVersion"] = .number(Double(e.decisionFlowVersion))
            o["channel"] = .string(e.channel)
            o["arm"] = .string(e.arm.rawValue)
            o["candidates"] = .array(e.candidates.map(JSONValue.string))
            o["decisions"] = .array(e.decisions.map { d in
                var m: [String: JSONValue] = ["offerId": .string(d.offerId), "rank": .number(Double(d.rank))]
                if let s = d.score { m["score"] = .number(s) }
                if let p = d.propensity { m["propensity"] = .number(p) }
                if let t = d.tau { m["tau"] = .number(t) }
                return .object(m)
            })
            if let f = e.features { o["features"] = CodecSupport.json(f) }
        case .interaction(let e):
            o["offerId"] = .string(e.offerId)
            if let r = e.recommendationId { o["recommendationId"] = .string(r) }
            o["channel"] = .string(e.channel)
            o["outcome"] = .string(e.outcome.rawValue)
            if let v = e.conversionValue { o["conversionValue"] = .number(v) }
        }
        return .object(o)
    }

    /// The event as deterministic JSON bytes (sorted keys).
    public static func encode(_ event: DomainEvent) -> [UInt8] {
        jsonValue(event).serialized()
    }
}

/// Shared parsing helpers of the codecs.
enum CodecSupport {
    static func parseObject(_ value: UnsafeRawBufferPointer, maxBytes: Int) throws(EventRejection) -> FieldReader {
        if value.count > maxBytes {
            throw EventRejection(.tooLarge, "message is \(value.count) bytes, limit is \(maxBytes)")
        }
        let json: JSONValue
        do { json = try JSONValue.parse(value) } catch {
            throw EventRejection(.invalidJSON, "invalid JSON: \(error.description)")
        }
        guard let o = json.objectValue else {
            throw EventRejection(.notAnObject, "expected a JSON object, got \(json.typeName)")
        }
        return FieldReader(o)
    }

    static func parseObject(_ value: [UInt8], maxBytes: Int) throws(EventRejection) -> FieldReader {
        let r: Result<FieldReader, EventRejection> = value.withUnsafeBytes { buf in
            do throws(EventRejection) { return .success(try parseObject(buf, maxBytes: maxBytes)) } catch {
                return .failure(error)
            }
        }
        return try r.get()
    }

    /// Converts a JSON object of attributes, typed by `schema` when given.
    /// With `allowUnknown`, names outside the schema are inferred instead of rejected.
    static func attributes(
        _ object: [String: JSONValue], path: String, schema: CustomerSchema?, allowUnknown: Bool = false
    ) throws(EventRejection) -> [String: AttributeValue] {
        var out: [String: AttributeValue] = [:]
        out.reserveCapacity(object.count)
        for (name, json) in object {
            if let schema {
                if let field = schema.field(named: name) {
                    guard let v = AttributeValue(json: json, as: field.type) else {
                        let got = json.typeName == "number" && field.type == .integer ? "non-integral number"
                            : json.typeName == "string" && field.type == .timestamp ? "non-RFC 3339 string"
                            : json.typeName
                        throw EventRejection(
                            .attributeType, "\(path).\(name): expected \(field.type.rawValue), got \(got)")
                    }
                    out[name] = v
                    continue
                }
                if !allowUnknown {
                    throw EventRejection(.unknownAttribute, "\(path).\(name): not a field of schema \"\(schema.name)\"")
                }
            }
            guard let v = AttributeValue(inferringFrom: json) else {
                throw EventRejection(
                    .wrongType, "\(path).\(name): expected string, number, boolean or null, got \(json.typeName)")
            }
            out[name] = v
        }
        return out
    }

    static func json(_ attributes: [String: AttributeValue]) -> JSONValue {
        .object(attributes.mapValues(\.jsonValue))
    }
}
