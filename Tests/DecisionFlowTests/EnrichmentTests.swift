import DecisionFlow
import Projection
import Testing
import XSellCore

@Suite struct EnrichmentTests {
    @Test func rollingMetricsAtTheirBoundaries() {
        let day = Fixture.day
        let customer = Fixture.enriched(
            contacts: [
                Fixture.contact("a", ago: 7 * day - 1), Fixture.contact("a", ago: 7 * day),
                Fixture.contact("b", ago: 30 * day - 1), Fixture.contact("b", ago: 30 * day),
                Fixture.contact("c", ago: day, channel: "in_app", kind: .impression),
            ],
            outcomes: [
                OutcomeRecord(eventId: "1", offerId: "a", channel: "email", outcome: .conversion, at: Fixture.now.adding(milliseconds: -(90 * day - 1))),
                OutcomeRecord(eventId: "2", offerId: "a", channel: "email", outcome: .conversion, at: Fixture.now.adding(days: -90)),
                OutcomeRecord(eventId: "3", offerId: "a", channel: "email", outcome: .click, at: Fixture.now),
            ])
        #expect(customer.metrics == RollingMetrics(
            contacts7d: 2, contacts30d: 4, impressions30d: 4, conversions90d: 1, daysSinceLastContact: 1))
    }

    @Test func decisionContactsAreImpressionsOnImplicitChannelsOnly() {
        let enricher = Enricher(schema: Fixture.schema, channels: [Channel(name: "email", impressionMode: .explicit)])
        let state = Fixture.customer(contacts: [
            Fixture.contact("a", ago: Fixture.hour), Fixture.contact("a", ago: 2 * Fixture.hour, kind: .impression),
        ])
        let customer = enricher.enrich(customer: state, request: Fixture.request(), pendingContacts: [], now: Fixture.now)
        #expect(customer.metrics.contacts30d == 2)
        #expect(customer.metrics.impressions30d == 1)
    }

    @Test func featuresAreSchemaFieldsWithoutTheKeyAndWithRequestOverrides() {
        let customer = Fixture.enriched(
            ["customer_id": .string("c-1"), "tier": .string("basic"), "tenureMonths": .integer(3), "legacy": .string("x")],
            requestAttributes: ["tier": .string("premium"), "placement": .string("home")])
        #expect(customer.features == ["tier": .string("premium"), "tenureMonths": .integer(3)])
    }

    @Test func unknownCustomerHasNothing() {
        let customer = Fixture.enricher.enrich(customer: nil, request: Fixture.request(), pendingContacts: [], now: Fixture.now)
        #expect(customer.profile.isEmpty && customer.history.isEmpty && customer.features.isEmpty)
        #expect(customer.metrics.daysSinceLastContact == nil)
    }

    @Test func pendingContactsCountAtOnceAndNeverTwice() {
        let folded = Fixture.contact("a", ago: 2 * Fixture.hour, event: "dec-1")
        let foldedTwin = Fixture.contact("b", ago: 2 * Fixture.hour, event: "dec-1")
        let fresh = Fixture.contact("a", ago: 1, event: "dec-2")
        // dec-1 came back through the log (both of its contacts); dec-2 has not yet.
        let history = ContactHistory(stored: [folded, foldedTwin], pending: [folded, foldedTwin, fresh])
        #expect(history.all == [folded, foldedTwin, fresh])
        let customer = Fixture.enriched(contacts: [folded, foldedTwin], pending: [folded, foldedTwin, fresh])
        #expect(customer.metrics.contacts7d == 3)
        #expect(ContactHistory(stored: [], pending: [fresh]).all == [fresh])
        #expect(ContactHistory(stored: [folded], pending: []).all == [folded])
    }
}
