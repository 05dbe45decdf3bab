/// The Kafka topics of guide §2.
public enum XSellTopic: String, Sendable, Hashable, CaseIterable {
    /// Customer profile upserts (compacted).
    case profile = "customer.profile.v1"
    /// Decisions made by xsell or upstream services.
    case decision = "decision.made.v1"
    /// Channel interactions and outcomes.
    case interaction = "interaction.recorded.v1"
    /// Recommendation requests.
    case requested = "recommendation.requested.v1"
    /// Recommendation replies (default `replyTo`).
    case returned = "recommendation.returned.v1"
    /// Messages that could not be processed.
    case deadLetter = "xsell.deadletter.v1"
}

/// A partial upsert of a customer's schema attributes (`customer.profile.v1`).
public struct ProfileEvent: Sendable, Hashable {
    /// Unique id used for de-duplication.
    public var eventId: String
    /// The customer.
    public var customerId: String
    /// When the change happened.
    public var occurredAt: Timestamp
    /// The attributes set by this event; `.null` clears one.
    public var attributes: [String: AttributeValue]

    /// Creates a profile event.
    public init(eventId: String, customerId: String, occurredAt: Timestamp, attributes: [String: AttributeValue]) {
        self.eventId = eventId
        self.customerId = customerId
        self.occurredAt = occurredAt
        self.attributes = attributes
    }
}

/// The experiment arm of a decision.
public enum ExperimentArm: String, Sendable, Hashable, CaseIterable {
    /// Offers were returned.
    case treatment
    /// The customer is in the holdout.
    case control
}

/// One offer decided in a ``DecisionEvent``.
public struct DecisionEntry: Sendable, Hashable {
    /// The offer.
    public var offerId: String
    /// 1-based rank.
    public var rank: Int
    /// The final score, if the producer computed one.
    public var score: Double?
    /// The probability with which the logging policy showed this offer to this customer, if the
    /// producer knows it (used by off-policy backtests). The xsell worker ranks deterministically
    /// and holds out a random share, so it logs the treatment share for a treated decision's
    /// offers (the control share for a `priority_fallback` control decision's).
    public var propensity: Double?
    /// The CATE τ(x) used, if any.
    public var tau: Double?

    /// Creates a decision entry.
    public init(offerId: String, rank: Int, score: Double? = nil, propensity: Double? = nil, tau: Double? = nil) {
        self.offerId = offerId
        self.rank = rank
        self.score = score
        self.propensity = propensity
        self.tau = tau
    }
}

/// A decision (`decision.made.v1`): which offers were eligible and which were returned.
public struct DecisionEvent: Sendable, Hashable {
    /// Unique id used for de-duplication.
    public var eventId: String
    /// When the decision was made.
    public var occurredAt: Timestamp
    /// The customer.
    public var customerId: String
    /// The recommendation this decision answered.
    public var recommendationId: String
    /// The interaction id shared with the response.
    public var interactionId: String
    /// The flow's key.
    public var decisionFlowKey: String
    /// The flow's version.
    public var decisionFlowVersion: Int
    /// The channel.
    public var channel: String
    /// Treatment or control.
    public var arm: ExperimentArm
    /// The eligible candidate offers (after qualification, suppression and contact policy).
    public var candidates: [String]
    /// The offers returned (empty for a `no_offers` control decision).
    public var decisions: [DecisionEntry]
    /// The feature snapshot used, if the producer recorded it.
    public var features: [String: AttributeValue]?
    /// The `requestId` of the request this decision answered, when it came from a request.
    public var requestId: String?
    /// The fingerprint of the configuration that made the decision, when the producer recorded it.
    public var configFingerprint: String?

    /// Creates a decision event.
    public init(
        eventId: String, occurredAt: Timestamp, customerId: String, recommendationId: String,
        interactionId: String, decisionFlowKey: String, decisionFlowVersion: Int, channel: String,
        arm: ExperimentArm, candidates: [String], decisions: [DecisionEntry], features: [String: AttributeValue]? = nil,
        requestId: String? = nil, configFingerprint: String? = nil
    ) {
        self.eventId = eventId
        self.occurredAt = occurredAt
        self.customerId = customerId
        self.recommendationId = recommendationId
        self.interactionId = interactionId
        self.decisionFlowKey = decisionFlowKey
        self.decisionFlowVersion = decisionFlowVersion
        self.channel = channel
        self.arm = arm
        self.candidates = candidates
        self.decisions = decisions
        self.features = features
        self.requestId = requestId
        self.configFingerprint = configFingerprint
    }
}

/// The outcome of an interaction.
public enum Outcome: String, Sendable, Hashable, CaseIterable {
    /// The offer was shown.
    case impression
    /// The customer clicked.
    case click
    /// The customer took up the product.
    case conversion
    /// The customer said no.
    case notInterested = "not_interested"
    /// The customer opted out of contact.
    case optOut = "opt_out"
    /// The customer postponed.
    case `defer`
    /// The customer dismissed the offer.
    case dismiss
    /// The customer shared the offer.
    case share
    /// The customer saved the offer.
    case save
    /// The customer complained.
    case complaint

    /// click, conversion, share, save.
    public var isPositive: Bool {
        switch self {
        case .click, .conversion, .share, .save: true
        default: false
        }
    }

    /// not_interested, opt_out, dismiss, complaint.
    public var isNegative: Bool {
        switch self {
        case .notInterested, .optOut, .dismiss, .complaint: true
        default: false
        }
    }
}

/// An interaction recorded by a channel (`interaction.recorded.v1`).
public struct InteractionEvent: Sendable, Hashable {
    /// Unique id used for de-duplication.
    public var eventId: String
    /// When it happened.
    public var occurredAt: Timestamp
    /// The customer.
    public var customerId: String
    /// The offer.
    public var offerId: String
    /// The recommendation it responds to; `nil` for organic take-up.
    public var recommendationId: String?
    /// The channel.
    public var channel: String
    /// What happened.
    public var outcome: Outcome
    /// The value of a conversion, if known.
    public var conversionValue: Double?

    /// Creates an interaction event.
    public init(
        eventId: String, occurredAt: Timestamp, customerId: String, offerId: String,
        recommendationId: String? = nil, channel: String, outcome: Outcome, conversionValue: Double? = nil
    ) {
        self.eventId = eventId
        self.occurredAt = occurredAt
        self.customerId = customerId
        self.offerId = offerId
        self.recommendationId = recommendationId
        self.channel = channel
        self.outcome = outcome
        self.conversionValue = conversionValue
    }
}

/// Any event the projection folds.
public enum DomainEvent: Sendable, Hashable {
    /// A profile upsert.
    case profile(ProfileEvent)
    /// A decision.
    case decision(DecisionEvent)
    /// An interaction.
    case interaction(InteractionEvent)

    /// The customer the event belongs to (the Kafka key).
    public var customerId: String {
        switch self {
        case .profile(let e): e.customerId
        case .decision(let e): e.customerId
        case .interaction(let e): e.customerId
        }
    }

    /// The event's unique id.
    public var eventId: String {
        switch self {
        case .profile(let e): e.eventId
        case .decision(let e): e.eventId
        case .interaction(let e): e.eventId
        }
    }

    /// When the event happened (event time).
    public var occurredAt: Timestamp {
        switch self {
        case .profile(let e): e.occurredAt
        case .decision(let e): e.occurredAt
        case .interaction(let e): e.occurredAt
        }
    }

    /// The topic this kind of event is published on.
    public var topic: XSellTopic {
        switch self {
        case .profile: .profile
        case .decision: .decision
        case .interaction: .interaction
        }
    }
}
