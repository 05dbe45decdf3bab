import Projection
import XSellCore

/// The ids of one decision, chosen by the caller so that ``DecisionEngine/decide(request:view:now:ids:pendingContacts:)``
/// stays pure (the live worker generates fresh ones; replay and backtest reuse the logged ones).
public struct DecisionIdentifiers: Sendable, Hashable {
    /// The response's and the event's `recommendationId`.
    public var recommendationId: String
    /// The response's and the event's `interactionId`.
    public var interactionId: String
    /// The `eventId` of the `decision.made.v1` event (and of the contacts it records).
    public var decisionEventId: String

    /// Creates identifiers.
    public init(recommendationId: String, interactionId: String, decisionEventId: String) {
        self.recommendationId = recommendationId
        self.interactionId = interactionId
        self.decisionEventId = decisionEventId
    }
}

/// Why a request was refused: the `error` of the reply (guide §5).
public struct ReplyError: Error, Sendable, Hashable {
    /// `BAD_REQUEST`, `NOT_FOUND`, ….
    public var code: ReplyErrorCode
    /// What was wrong, precisely.
    public var message: String

    /// Creates an error.
    public init(code: ReplyErrorCode, message: String) {
        self.code = code
        self.message = message
    }
}

/// The result of deciding one request.
public enum DecisionOutcome: Sendable, Hashable {
    /// The reply to send, the `decision.made.v1` event to publish, and the contacts the decision
    /// makes (the offers returned to a treatment-arm customer; empty for control), which the
    /// caller passes as `pendingContacts` to later decisions until the event is folded back.
    case decided(response: RecommendationResponse, event: DecisionEvent, contacts: [Contact])
    /// The request cannot be decided.
    case rejected(ReplyError)

    /// The reply to publish for the request `requestId`.
    public func reply(requestId: String) -> RecommendationReply {
        switch self {
        case .decided(let response, _, _): .response(response)
        case .rejected(let error): .error(requestId: requestId, code: error.code, message: error.message)
        }
    }
}
