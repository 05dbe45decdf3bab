/// A recommendation request (`recommendation.requested.v1`, guide §5).
public struct RecommendationRequest: Sendable, Hashable {
    /// Correlates the reply.
    public var requestId: String
    /// The customer.
    public var customerId: String
    /// The channel asking.
    public var channel: String
    /// The flow to run.
    public var decisionFlowKey: String
    /// Maximum number of decisions; `nil` means the rank node's `maxCandidates`.
    public var limit: Int?
    /// Whether to include the explanation; `nil` means no.
    public var explain: Bool?
    /// Request-time attributes (`request.X`), overriding the customer's own.
    public var attributes: [String: AttributeValue]?
    /// The topic to reply on; `nil` means `recommendation.returned.v1`.
    public var replyTo: String?

    /// Creates a request.
    public init(
        requestId: String, customerId: String, channel: String, decisionFlowKey: String, limit: Int? = nil,
        explain: Bool? = nil, attributes: [String: AttributeValue]? = nil, replyTo: String? = nil
    ) {
        self.requestId = requestId
        self.customerId = customerId
        self.channel = channel
        self.decisionFlowKey = decisionFlowKey
        self.limit = limit
        self.explain = explain
        self.attributes = attributes
        self.replyTo = replyTo
    }

    /// `replyTo`, or the default reply topic.
    public var replyTopic: String { replyTo ?? XSellTopic.returned.rawValue }
}

/// The segment of a (customer, offer) pair by its CATE (guide §6).
public enum UpliftSegment: String, Sendable, Codable, Hashable, CaseIterable {
    /// τ above the persuadable threshold.
    case persuadable
    /// τ near zero.
    case sureThing = "sure_thing"
    /// τ negative, low base rate.
    case lostCause = "lost_cause"
    /// τ negative, high base rate.
    case sleepingDog = "sleeping_dog"
    /// Too little data.
    case uncertain
}

/// The uplift part of an explanation.
public struct UpliftExplanation: Sendable, Hashable {
    /// The CATE τ(x).
    public var tau: Double
    /// μ_T(x), if estimated.
    public var muTreated: Double?
    /// μ_C(x), if estimated.
    public var muControl: Double?
    /// The segment.
    public var segment: UpliftSegment
    /// The factor U = 2·σ(τ/0.05).
    public var factor: Double
    /// Learner status, e.g. `ok`, `insufficient_data`.
    public var status: String

    /// Creates an uplift explanation.
    public init(tau: Double, muTreated: Double?, muControl: Double?, segment: UpliftSegment, factor: Double, status: String) {
        self.tau = tau
        self.muTreated = muTreated
        self.muControl = muControl
        self.segment = segment
        self.factor = factor
        self.status = status
    }
}

/// `explanation.rankingScores` of one decision.
public struct RankingScores: Sendable, Hashable {
    /// P.
    public var propensity: Double
    /// R.
    public var relevance: Double
    /// I.
    public var impact: Double
    /// E.
    public var emphasis: Double
    /// U and its inputs.
    public var uplift: UpliftExplanation
    /// The weights applied.
    public var weights: FormulaWeights
    /// Product of failed match-rule decays.
    public var fitMultiplier: Double
    /// The final score.
    public var score: Double

    /// Creates ranking scores.
    public init(
        propensity: Double, relevance: Double, impact: Double, emphasis: Double, uplift: UpliftExplanation,
        weights: FormulaWeights, fitMultiplier: Double, score: Double
    ) {
        self.propensity = propensity
        self.relevance = relevance
        self.impact = impact
        self.emphasis = emphasis
        self.uplift = uplift
        self.weights = weights
        self.fitMultiplier = fitMultiplier
        self.score = score
    }
}

/// One returned offer.
public struct ResponseDecision: Sendable, Hashable {
    /// The offer id.
    public var offerId: String
    /// The offer's display name.
    public var offerName: String
    /// The score.
    public var score: Double
    /// 1-based rank.
    public var rank: Int
    /// The offer's priority.
    public var priority: Int
    /// Personalization payload (empty object by default).
    public var personalization: [String: JSONValue]
    /// `explanation.rankingScores`, present when `explain` was requested.
    public var rankingScores: RankingScores?

    /// Creates a decision.
    public init(
        offerId: String, offerName: String, score: Double, rank: Int, priority: Int,
        personalization: [String: JSONValue] = [:], rankingScores: RankingScores? = nil
    ) {
        self.offerId = offerId
        self.offerName = offerName
        self.score = score
        self.rank = rank
        self.priority = priority
        self.personalization = personalization
        self.rankingScores = rankingScores
    }
}

/// Funnel counts of a response.
public struct ResponseMeta: Sendable, Hashable {
    /// Active offers in scope.
    public var totalCandidates: Int
    /// After eligibility rules.
    public var afterQualification: Int
    /// After removing held products.
    public var afterSuppression: Int
    /// After contact policies.
    public var afterContactPolicy: Int
    /// Whether a learner was unavailable and scoring fell back to priority.
    public var degradedScoring: Bool

    /// Creates meta counts.
    public init(totalCandidates: Int, afterQualification: Int, afterSuppression: Int, afterContactPolicy: Int, degradedScoring: Bool) {
        self.totalCandidates = totalCandidates
        self.afterQualification = afterQualification
        self.afterSuppression = afterSuppression
        self.afterContactPolicy = afterContactPolicy
        self.degradedScoring = degradedScoring
    }
}

/// An offer that did not make it, with why.
public struct DroppedOffer: Sendable, Hashable {
    /// The offer.
    public var offerId: String
    /// The stage that dropped it: `qualify`, `suppression`, `contact_policy`, `rank`, `experiment`.
    public var stage: String
    /// The rule or policy name, if one was responsible.
    public var rule: String?
    /// Human-readable reason.
    public var reason: String

    /// Creates a dropped entry.
    public init(offerId: String, stage: String, rule: String? = nil, reason: String) {
        self.offerId = offerId
        self.stage = stage
        self.rule = rule
        self.reason = reason
    }
}

/// A successful reply (guide §5).
public struct RecommendationResponse: Sendable, Hashable {
    /// The request this answers.
    public var requestId: String
    /// The interaction id.
    public var interactionId: String
    /// The recommendation id (also on the decision event).
    public var recommendationId: String
    /// The customer.
    public var customerId: String
    /// The flow key.
    public var decisionFlowKey: String
    /// The flow version.
    public var decisionFlowVersion: Int
    /// The channel.
    public var channel: String
    /// Whether the customer is in the holdout.
    public var controlGroup: Bool
    /// The offers, best first.
    public var decisions: [ResponseDecision]
    /// Funnel counts.
    public var meta: ResponseMeta
    /// `explanation.dropped`, present when `explain` was requested.
    public var dropped: [DroppedOffer]?

    /// `decisions.count`.
    public var count: Int { decisions.count }

    /// Creates a response.
    public init(
        requestId: String, interactionId: String, recommendationId: String, customerId: String,
        decisionFlowKey: String, decisionFlowVersion: Int, channel: String, controlGroup: Bool,
        decisions: [ResponseDecision], meta: ResponseMeta, dropped: [DroppedOffer]? = nil
    ) {
        self.requestId = requestId
        self.interactionId = interactionId
        self.recommendationId = recommendationId
        self.customerId = customerId
        self.decisionFlowKey = decisionFlowKey
        self.decisionFlowVersion = decisionFlowVersion
        self.channel = channel
        self.controlGroup = controlGroup
        self.decisions = decisions
        self.meta = meta
        self.dropped = dropped
    }
}

/// The error code of a failed request, e.g. `BAD_REQUEST`.
public struct ReplyErrorCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The code text.
    public var rawValue: String
    /// Creates a code.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The request was malformed.
    public static let badRequest = ReplyErrorCode(rawValue: "BAD_REQUEST")
    /// The flow (or another referenced entity) does not exist.
    public static let notFound = ReplyErrorCode(rawValue: "NOT_FOUND")
    /// The service cannot answer now.
    public static let unavailable = ReplyErrorCode(rawValue: "UNAVAILABLE")
    /// An unexpected failure.
    public static let internalError = ReplyErrorCode(rawValue: "INTERNAL")
    /// The request waited longer than the worker's time to live and was not decided.
    public static let expired = ReplyErrorCode(rawValue: "EXPIRED")
    /// The code text.
    public var description: String { rawValue }
}

/// A reply on the reply topic: a response, or an error.
public enum RecommendationReply: Sendable, Hashable {
    /// The recommendation.
    case response(RecommendationResponse)
    /// `{requestId, error{code, message}}`.
    case error(requestId: String, code: ReplyErrorCode, message: String)

    /// The request this answers.
    public var requestId: String {
        switch self {
        case .response(let r): r.requestId
        case .error(let id, _, _): id
        }
    }
}

/// A message that went to `xsell.deadletter.v1`.
public struct DeadLetterRecord: Sendable, Hashable {
    /// The topic it was consumed from.
    public var sourceTopic: String
    /// Its partition.
    public var partition: Int32
    /// Its offset.
    public var offset: Int64
    /// Its key as text (`nil` if absent).
    public var key: String?
    /// The rejection code (an ``RejectionCode`` raw value or a reply error code).
    public var errorCode: String
    /// The precise reason.
    public var errorMessage: String
    /// The original value, base64.
    public var payloadBase64: String
    /// When it was dead-lettered.
    public var at: Timestamp

    /// Creates a record.
    public init(
        sourceTopic: String, partition: Int32, offset: Int64, key: String?, errorCode: String,
        errorMessage: String, payloadBase64: String, at: Timestamp
    ) {
        self.sourceTopic = sourceTopic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.payloadBase64 = payloadBase64
        self.at = at
    }

    /// Creates a record for `rejection` of `payload`.
    public init(
        sourceTopic: String, partition: Int32, offset: Int64, key: String?, rejection: EventRejection,
        payload: [UInt8], at: Timestamp
    ) {
        self.init(
            sourceTopic: sourceTopic, partition: partition, offset: offset, key: key,
            errorCode: rejection.code.rawValue, errorMessage: rejection.message, payload: payload, at: at)
    }

    /// Creates a record of `payload` refused with `errorCode` for `errorMessage` (the payload is
    /// stored as RFC 4648 base64).
    public init(
        sourceTopic: String, partition: Int32, offset: Int64, key: String?, errorCode: String,
        errorMessage: String, payload: [UInt8], at: Timestamp
    ) {
        self.init(
            sourceTopic: sourceTopic, partition: partition, offset: offset, key: key, errorCode: errorCode,
            errorMessage: errorMessage, payloadBase64: Base64.encode(payload), at: at)
    }
}
