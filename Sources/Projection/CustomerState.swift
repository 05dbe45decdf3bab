import XSellCore

/// One offer shown to a customer: an offer returned to a treatment-arm customer, or an explicit
/// impression. Contact policies count these.
public struct Contact: Sendable, Equatable, Hashable {
    /// What made this a contact.
    public enum Kind: String, Sendable {
        /// The offer was returned by a treatment-arm decision.
        case decision
        /// An explicit `impression` interaction on a channel with `impressionMode: explicit`.
        case impression
    }

    /// The event that recorded the contact (the decision's or the interaction's `eventId`).
    public var eventId: String
    /// The offer shown.
    public var offerId: String
    /// The channel it was shown on.
    public var channel: String
    /// Event time of the contact.
    public var at: Timestamp
    /// Decision or explicit impression.
    public var kind: Kind

    /// Creates a contact.
    public init(eventId: String, offerId: String, channel: String, at: Timestamp, kind: Kind) {
        self.eventId = eventId
        self.offerId = offerId
        self.channel = channel
        self.at = at
        self.kind = kind
    }
}

/// One recorded outcome of an interaction, kept for contact policies and metrics.
public struct OutcomeRecord: Sendable, Equatable, Hashable {
    /// The interaction's `eventId`.
    public var eventId: String
    /// The offer the outcome is about.
    public var offerId: String
    /// The channel it was recorded on.
    public var channel: String
    /// What happened.
    public var outcome: Outcome
    /// Event time of the outcome.
    public var at: Timestamp

    /// Creates an outcome record.
    public init(eventId: String, offerId: String, channel: String, outcome: Outcome, at: Timestamp) {
        self.eventId = eventId
        self.offerId = offerId
        self.channel = channel
        self.outcome = outcome
        self.at = at
    }
}

/// The real-time feature state of one customer: the read model the decision flow enriches from.
public struct CustomerState: Sendable, Equatable {
    /// The customer's key.
    public var customerId: String
    /// Profile attributes merged from `customer.profile.v1`, with holdings set by conversions.
    public var attributes: [String: AttributeValue]
    /// Contacts in event-time order.
    public var contacts: Timeline<Contact>
    /// Outcomes in event-time order.
    public var outcomes: Timeline<OutcomeRecord>

    /// An empty state for a customer never seen before.
    public init(customerId: String) {
        self.customerId = customerId
        self.attributes = [:]
        self.contacts = Timeline()
        self.outcomes = Timeline()
    }

    /// Whether a contact with this event id is already part of the state (read-your-writes de-duplication).
    public func hasContacts(fromEvent eventId: String) -> Bool {
        contacts.contains { $0.eventId == eventId }
    }
}
