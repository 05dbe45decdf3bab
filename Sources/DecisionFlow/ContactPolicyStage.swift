import Projection
import XSellCore

/// Why a contact policy blocks an offer.
public struct PolicyBlock: Sendable, Hashable {
    /// The policy's name.
    public var policy: String
    /// Human-readable reason, e.g. `2 contacts (offer) in the last 24h reach maxPerDay 2`.
    public var reason: String

    /// Creates a block.
    public init(policy: String, reason: String) {
        self.policy = policy
        self.reason = reason
    }
}

/// The contact_policy stage: drops offers a policy blocks, judged on the contact history and
/// outcomes before this decision (see ``CountingWindow`` for the period semantics).
///
/// A cap blocks an offer when the contacts already counted reach its maximum, so one more would
/// exceed it; a `frequency_cap` stops counting at its maximum (its reason names that many).
/// Each offer is judged against the history alone: a decision that returns several offers
/// counts as several contacts from the next decision on.
public struct ContactPolicyStage: Sendable {
    /// The policies, in configuration order.
    public let policies: [ContactPolicy]

    /// Creates the stage.
    public init(policies: [ContactPolicy]) {
        self.policies = policies
    }

    /// The first policy that blocks `offerId` on `channel` for `customer` at `now`, or `nil`.
    public func block(offerId: String, channel: String, customer: EnrichedCustomer, now: Timestamp) -> PolicyBlock? {
        for policy in policies where policy.channel.map({ $0 == channel }) ?? true {
            if let reason = reason(policy.rule, offerId: offerId, channel: channel, customer: customer, now: now) {
                return PolicyBlock(policy: policy.name, reason: reason)
            }
        }
        return nil
    }

    private func reason(
        _ rule: ContactPolicyRule, offerId: String, channel: String, customer: EnrichedCustomer, now: Timestamp
    ) -> String? {
        let history = customer.history
        switch rule {
        case .frequencyCap(let cap):
            if let only = cap.offer, only != offerId { return nil }
            let keys = cap.scope.contactKeys(offerId: offerId, channel: channel)
            func exceeded(_ max: Int?, days: Int, field: String, window: String) -> String? {
                guard let max else { return nil }
                let bound = CountingWindow.days(days).lowerBound(at: now)
                let count = min(max, history.count(admittedBy: bound, keys: keys))
                guard count >= max else { return nil }
                return "\(count) contacts (\(cap.scope.rawValue)) in the last \(window) reach \(field) \(max)"
            }
            return exceeded(cap.maxPerDay, days: 1, field: "maxPerDay", window: "24h")
                ?? exceeded(cap.maxPerWeek, days: 7, field: "maxPerWeek", window: "7 days")
                ?? exceeded(cap.maxPerMonth, days: 30, field: "maxPerMonth", window: "30 days")
        case .customerTotalCap(let cap):
            let bound = CountingWindow.calendar(CalendarPeriod(cap.periodType)).lowerBound(at: now)
            let count = history.count(admittedBy: bound)
            guard count >= cap.maxTotal else { return nil }
            return "\(count) contacts since \(bound.instant) reach maxTotal \(cap.maxTotal) (\(cap.periodType.rawValue))"
        case .cooldown(let cooldown):
            if let only = cooldown.offer, only != offerId { return nil }
            let bound = CountingWindow.hours(cooldown.hours).lowerBound(at: now)
            let keys = cooldown.scope.contactKeys(offerId: offerId, channel: channel)
            guard let last = history.latest(admittedBy: bound, keys: keys) else { return nil }
            return "contact (\(cooldown.scope.rawValue)) at \(last.at) is within the \(JSONValue.number(cooldown.hours))h cooldown"
        case .outcomeBased(let policy):
            let bound = CountingWindow.days(policy.suppressForDays).lowerBound(at: now)
            let keys = policy.outcomes.map { policy.scope.outcomeKey($0, offerId: offerId, channel: channel) }
            guard let hit = customer.outcomes.latest(admittedBy: bound, keys: keys) else { return nil }
            return "\(hit.outcome.rawValue) on \(hit.offerId) at \(hit.at) suppresses for \(policy.suppressForDays) days"
        case .mutualExclusion(let exclusion):
            guard exclusion.offers.contains(offerId) else { return nil }
            let bound = CountingWindow.days(exclusion.withinDays).lowerBound(at: now)
            let others = exclusion.offers.filter { $0 != offerId }.map(ContactKey.offer)
            guard let other = history.latest(admittedBy: bound, keys: others) else { return nil }
            return "excluded by contact for \(other.offerId) at \(other.at) (within \(exclusion.withinDays) days)"
        }
    }
}

extension PolicyScope {
    /// The keys of the contacts that count towards a policy with this scope judging `offerId`
    /// on `channel` (no contact is under two of them); `nil`: every contact counts.
    func contactKeys(offerId: String, channel: String) -> [ContactKey]? {
        switch self {
        case .global: nil
        case .offer: [.offer(offerId)]
        case .channel: [.channel(channel, .decision), .channel(channel, .impression)]
        }
    }

    /// The key of the `outcome`s that count for `offerId` requested on `channel`.
    func outcomeKey(_ outcome: Outcome, offerId: String, channel: String) -> OutcomeKey {
        switch self {
        case .global: .outcome(outcome)
        case .offer: .offer(outcome, offerId)
        case .channel: .channel(outcome, channel)
        }
    }
}
