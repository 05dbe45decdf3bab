import DecisionFlow
import Projection
import Testing
import XSellCore

@Suite struct ContactPolicyTests {
    static let hour = Fixture.hour
    static let day = Fixture.day

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var rule: ContactPolicyRule
        var contacts: [Contact] = []
        var outcomes: [OutcomeRecord] = []
        var policyChannel: String?
        var blocksOfferA: Bool
        var testDescription: String { label }
    }

    static func contact(_ offer: String, ago: Int64, channel: String = "email") -> Contact {
        Fixture.contact(offer, ago: ago, channel: channel)
    }

    static func outcome(_ outcome: Outcome, offer: String = "a", ago: Int64, channel: String = "email") -> OutcomeRecord {
        OutcomeRecord(eventId: "o-\(ago)", offerId: offer, channel: channel, outcome: outcome, at: Fixture.now.adding(milliseconds: -ago))
    }

    /// Milliseconds from `rfc3339` to `Fixture.now` (2024-05-15T12:00:00Z, a Wednesday).
    static func ago(_ rfc3339: String) -> Int64 {
        Fixture.now.millisecondsSinceEpoch - Timestamp(rfc3339: rfc3339)!.millisecondsSinceEpoch
    }

    static let perDay = ContactPolicyRule.frequencyCap(FrequencyCap(scope: .offer, maxPerDay: 2))
    static let perWeek = ContactPolicyRule.frequencyCap(FrequencyCap(scope: .offer, maxPerWeek: 1))
    static let perMonth = ContactPolicyRule.frequencyCap(FrequencyCap(scope: .offer, maxPerMonth: 1))
    static let daily = ContactPolicyRule.customerTotalCap(CustomerTotalCap(maxTotal: 1, periodType: .daily))
    static let weekly = ContactPolicyRule.customerTotalCap(CustomerTotalCap(maxTotal: 1, periodType: .weekly))
    static let monthly = ContactPolicyRule.customerTotalCap(CustomerTotalCap(maxTotal: 1, periodType: .monthly))
    static let cooldown = ContactPolicyRule.cooldown(Cooldown(hours: 48, scope: .offer))
    static let notInterested = ContactPolicyRule.outcomeBased(OutcomeBased(outcomes: [.notInterested, .optOut], suppressForDays: 14))
    static let exclusion = ContactPolicyRule.mutualExclusion(MutualExclusion(offers: ["a", "b"], withinDays: 30))

    static let cases: [Case] = [
        // frequency_cap: rolling 24 h / 7 × 24 h / 30 × 24 h, blocked once the count reaches the max
        Case(label: "perDay: 2 within 24h", rule: perDay, contacts: [contact("a", ago: hour), contact("a", ago: day - 1)], blocksOfferA: true),
        Case(label: "perDay: 2nd exactly 24h ago", rule: perDay, contacts: [contact("a", ago: hour), contact("a", ago: day)], blocksOfferA: false),
        Case(label: "perDay: other offer", rule: perDay, contacts: [contact("b", ago: hour), contact("b", ago: 2 * hour)], blocksOfferA: false),
        Case(label: "perWeek: just inside", rule: perWeek, contacts: [contact("a", ago: 7 * day - 1)], blocksOfferA: true),
        Case(label: "perWeek: just outside", rule: perWeek, contacts: [contact("a", ago: 7 * day)], blocksOfferA: false),
        Case(label: "perMonth: just inside", rule: perMonth, contacts: [contact("a", ago: 30 * day - 1)], blocksOfferA: true),
        Case(label: "perMonth: just outside", rule: perMonth, contacts: [contact("a", ago: 30 * day)], blocksOfferA: false),
        Case(label: "global scope counts other offers",
             rule: .frequencyCap(FrequencyCap(scope: .global, maxPerDay: 1)), contacts: [contact("b", ago: hour)], blocksOfferA: true),
        Case(label: "channel scope counts this channel",
             rule: .frequencyCap(FrequencyCap(scope: .channel, maxPerDay: 1)), contacts: [contact("b", ago: hour)], blocksOfferA: true),
        Case(label: "channel scope ignores other channels",
             rule: .frequencyCap(FrequencyCap(scope: .channel, maxPerDay: 1)),
             contacts: [contact("a", ago: hour, channel: "in_app")], blocksOfferA: false),
        Case(label: "cap restricted to another offer",
             rule: .frequencyCap(FrequencyCap(scope: .offer, offer: "b", maxPerDay: 1)), contacts: [contact("a", ago: hour)], blocksOfferA: false),
        // customer_total_cap: calendar periods in UTC
        Case(label: "daily: at 00:00 today", rule: daily, contacts: [contact("b", ago: ago("2024-05-15T00:00:00Z"))], blocksOfferA: true),
        Case(label: "daily: 1 ms before today", rule: daily, contacts: [contact("b", ago: ago("2024-05-15T00:00:00Z") + 1)], blocksOfferA: false),
        Case(label: "weekly: Monday 00:00", rule: weekly, contacts: [contact("b", ago: ago("2024-05-13T00:00:00Z"))], blocksOfferA: true),
        Case(label: "weekly: Sunday 23:59:59.999", rule: weekly, contacts: [contact("b", ago: ago("2024-05-13T00:00:00Z") + 1)], blocksOfferA: false),
        Case(label: "monthly: the 1st 00:00", rule: monthly, contacts: [contact("b", ago: ago("2024-05-01T00:00:00Z"))], blocksOfferA: true),
        Case(label: "monthly: 1 ms before the 1st", rule: monthly, contacts: [contact("b", ago: ago("2024-05-01T00:00:00Z") + 1)], blocksOfferA: false),
        // cooldown: rolling hours
        Case(label: "cooldown: just inside", rule: cooldown, contacts: [contact("a", ago: 48 * hour - 1)], blocksOfferA: true),
        Case(label: "cooldown: just outside", rule: cooldown, contacts: [contact("a", ago: 48 * hour)], blocksOfferA: false),
        Case(label: "cooldown: offer scope ignores others", rule: cooldown, contacts: [contact("b", ago: hour)], blocksOfferA: false),
        Case(label: "cooldown: global scope", rule: .cooldown(Cooldown(hours: 2, scope: .global)),
             contacts: [contact("b", ago: hour)], blocksOfferA: true),
        // outcome_based: rolling days
        Case(label: "outcome: just inside", rule: notInterested, outcomes: [outcome(.notInterested, ago: 14 * day - 1)], blocksOfferA: true),
        Case(label: "outcome: just outside", rule: notInterested, outcomes: [outcome(.notInterested, ago: 14 * day)], blocksOfferA: false),
        Case(label: "outcome: other outcome", rule: notInterested, outcomes: [outcome(.click, ago: hour)], blocksOfferA: false),
        Case(label: "outcome: other offer, offer scope", rule: notInterested,
             outcomes: [outcome(.optOut, offer: "b", ago: hour)], blocksOfferA: false),
        Case(label: "outcome: other offer, global scope",
             rule: .outcomeBased(OutcomeBased(outcomes: [.optOut], suppressForDays: 14, scope: .global)),
             outcomes: [outcome(.optOut, offer: "b", ago: hour)], blocksOfferA: true),
        // mutual_exclusion: rolling days, the other offers only
        Case(label: "exclusion: just inside", rule: exclusion, contacts: [contact("b", ago: 30 * day - 1)], blocksOfferA: true),
        Case(label: "exclusion: just outside", rule: exclusion, contacts: [contact("b", ago: 30 * day)], blocksOfferA: false),
        Case(label: "exclusion: own contact", rule: exclusion, contacts: [contact("a", ago: hour)], blocksOfferA: false),
        Case(label: "exclusion: offer outside the set",
             rule: .mutualExclusion(MutualExclusion(offers: ["b", "c"], withinDays: 30)), contacts: [contact("b", ago: hour)], blocksOfferA: false),
        // a policy restricted to a channel applies to requests on that channel only
        Case(label: "policy on another channel", rule: perWeek, contacts: [contact("a", ago: hour)], policyChannel: "in_app", blocksOfferA: false),
        Case(label: "policy on this channel", rule: perWeek, contacts: [contact("a", ago: hour)], policyChannel: "email", blocksOfferA: true),
    ]

    @Test(arguments: cases)
    func policyBoundary(_ c: Case) {
        let stage = ContactPolicyStage(policies: [ContactPolicy(name: "p", channel: c.policyChannel, rule: c.rule)])
        let customer = Fixture.enriched(contacts: c.contacts, outcomes: c.outcomes)
        let block = stage.block(offerId: "a", channel: "email", customer: customer, now: Fixture.now)
        #expect((block != nil) == c.blocksOfferA)
        #expect(block.map(\.policy) ?? "p" == "p")
    }

    /// Old contacts and outcomes, outside every window, for every offer, channel and outcome:
    /// enough to make the histories long enough to be indexed.
    static let padding: (contacts: [Contact], outcomes: [OutcomeRecord]) = {
        let old = 200 * day
        let n = Timeline<Contact>.indexThreshold
        let contacts = (0..<n).map { i in
            Fixture.contact(["a", "b", "c"][i % 3], ago: old + Int64(i) * hour, channel: ["email", "in_app"][i % 2], event: "old-\(i)")
        }
        let outcomes = (0..<n).map { i in
            outcome(Outcome.allCases[i % Outcome.allCases.count], offer: ["a", "b"][i % 2], ago: old + Int64(i) * hour,
                    channel: ["email", "in_app"][i / 2 % 2])
        }
        return (contacts, outcomes)
    }()

    /// Every case gives the same verdict and reason when the history is long (looked up in its
    /// index) as when it is short (scanned).
    @Test(arguments: cases)
    func longHistoryGivesTheSameVerdict(_ c: Case) {
        let stage = ContactPolicyStage(policies: [ContactPolicy(name: "p", channel: c.policyChannel, rule: c.rule)])
        let short = Fixture.enriched(contacts: c.contacts, outcomes: c.outcomes)
        let long = Fixture.enriched(contacts: Self.padding.contacts + c.contacts, outcomes: Self.padding.outcomes + c.outcomes)
        #expect(long.history.stored.count >= Timeline<Contact>.indexThreshold)
        #expect(long.outcomes.count >= Timeline<OutcomeRecord>.indexThreshold)
        #expect(stage.block(offerId: "a", channel: "email", customer: long, now: Fixture.now)
            == stage.block(offerId: "a", channel: "email", customer: short, now: Fixture.now))
    }

    @Test func reasonNamesTheCount() {
        let stage = ContactPolicyStage(policies: [ContactPolicy(name: "Daily cap", rule: Self.perDay)])
        let customer = Fixture.enriched(contacts: [Self.contact("a", ago: Self.hour), Self.contact("a", ago: 2 * Self.hour)])
        #expect(stage.block(offerId: "a", channel: "email", customer: customer, now: Fixture.now)
            == PolicyBlock(policy: "Daily cap", reason: "2 contacts (offer) in the last 24h reach maxPerDay 2"))
    }

    @Test(arguments: [
        (CalendarPeriod.day, "2024-05-15T12:00:00Z", "2024-05-15T00:00:00Z"),
        (.day, "1969-12-31T23:00:00Z", "1969-12-31T00:00:00Z"),
        (.isoWeek, "2024-05-15T12:00:00Z", "2024-05-13T00:00:00Z"),
        (.isoWeek, "2024-05-13T00:00:00Z", "2024-05-13T00:00:00Z"),
        (.isoWeek, "2024-05-19T23:59:59.999Z", "2024-05-13T00:00:00Z"),
        (.isoWeek, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"),
        (.isoWeek, "1970-01-01T00:00:00Z", "1969-12-29T00:00:00Z"),
        (.month, "2024-05-15T12:00:00Z", "2024-05-01T00:00:00Z"),
        (.month, "2024-02-29T23:59:59.999Z", "2024-02-01T00:00:00Z"),
        (.month, "2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z"),
    ])
    func calendarPeriodStart(period: CalendarPeriod, at: String, expected: String) {
        #expect(period.start(containing: Timestamp(rfc3339: at)!) == Timestamp(rfc3339: expected)!)
    }
}
