import XSellCore

/// What a contact is looked up by: its offer, its kind, or its channel and kind.
public enum ContactKey: Hashable, Sendable {
    /// Contacts for an offer.
    case offer(String)
    /// Contacts of a kind.
    case kind(Contact.Kind)
    /// Contacts of a kind on a channel.
    case channel(String, Contact.Kind)
}

extension Contact: TimelineEntry {
    public var indexKeys: [ContactKey] { [.offer(offerId), .kind(kind), .channel(channel, kind)] }

    public func isFound(under key: ContactKey) -> Bool {
        switch key {
        case .offer(let offer): offerId == offer
        case .kind(let kind): self.kind == kind
        case .channel(let name, let kind): channel == name && self.kind == kind
        }
    }

    /// By time, then event id, then offer.
    public static func ordered(_ a: Contact, before b: Contact) -> Bool {
        (a.at, a.eventId, a.offerId) < (b.at, b.eventId, b.offerId)
    }
}

/// What an outcome is looked up by: what happened, alone or with its offer or its channel.
public enum OutcomeKey: Hashable, Sendable {
    /// Outcomes of a kind.
    case outcome(Outcome)
    /// Outcomes of a kind for an offer.
    case offer(Outcome, String)
    /// Outcomes of a kind on a channel.
    case channel(Outcome, String)
}

extension OutcomeRecord: TimelineEntry {
    public var indexKeys: [OutcomeKey] { [.outcome(outcome), .offer(outcome, offerId), .channel(outcome, channel)] }

    public func isFound(under key: OutcomeKey) -> Bool {
        switch key {
        case .outcome(let kind): outcome == kind
        case .offer(let kind, let offer): outcome == kind && offerId == offer
        case .channel(let kind, let name): outcome == kind && channel == name
        }
    }

    /// By time, then event id.
    public static func ordered(_ a: OutcomeRecord, before b: OutcomeRecord) -> Bool {
        (a.at, a.eventId) < (b.at, b.eventId)
    }
}
