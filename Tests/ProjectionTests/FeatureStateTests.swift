import Learning
import Projection
import Testing
import XSellCore

@Suite("Feature state")
struct FeatureStateTests {
    @Test("profile events merge as partial upserts; null clears; later event time wins")
    func profileMerge() {
        let state = Fixture.fold([
            Fixture.profile("p1", "c1", at: 0, ["tier": .string("gold"), "balance": .decimal(100)]),
            Fixture.profile("p2", "c1", at: 2, ["balance": .decimal(250), "young": .boolean(true)]),
            // Late: older than p2's balance, newer than p1's tier.
            Fixture.profile("p3", "c1", at: 1, ["balance": .decimal(-1), "tier": .null]),
            Fixture.profile("p4", "c1", at: 3, ["young": .null]),
            Fixture.profile("p5", "c1", at: 3, ["young": .boolean(false)]),  // same time: later record wins
        ])
        let c = state.customer("c1")
        #expect(c?.attributes == ["balance": .decimal(250), "young": .boolean(false)])
        #expect(state.customer("nobody") == nil)
    }

    @Test("a conversion of an offer with a holding sets the schema boolean")
    func holdingsViaConversion() {
        let state = Fixture.fold([
            Fixture.profile("p1", "c1", at: 0, ["hasCreditCard": .boolean(false)]),
            Fixture.interaction("i1", "c1", at: 1, offer: "savings", .conversion),
            Fixture.interaction("i2", "c1", at: 2, .click),
        ])
        #expect(state.customer("c1")?.attributes["hasCreditCard"] == .boolean(false))
        let converted = Fixture.fold([
            Fixture.profile("p1", "c1", at: 0, ["hasCreditCard": .boolean(false)]),
            Fixture.interaction("i1", "c1", at: 1, .conversion),
        ])
        #expect(converted.customer("c1")?.attributes["hasCreditCard"] == .boolean(true))
        // A profile published later but describing an earlier moment does not undo it.
        let late = Fixture.fold([
            Fixture.interaction("i1", "c1", at: 1, .conversion),
            Fixture.profile("p1", "c1", at: 0, ["hasCreditCard": .boolean(false)]),
        ])
        #expect(late.customer("c1")?.attributes["hasCreditCard"] == .boolean(true))
    }

    @Test("contacts come from treatment decisions only, in event-time order")
    func contactsFromTreatedDecisions() {
        let state = Fixture.fold([
            Fixture.decision("d2", "c1", at: 2, offers: ["card", "savings"]),
            Fixture.decision("d1", "c1", at: 1, arm: .control, offers: ["card", "savings"]),
            Fixture.decision("d0", "c1", at: 0.5, offers: ["savings"], channel: "branch"),
        ])
        let contacts = state.customer("c1")?.contacts ?? []
        #expect(contacts.map(\.eventId) == ["d0", "d2", "d2"])
        #expect(contacts.map(\.offerId) == ["savings", "card", "savings"])
        #expect(contacts.allSatisfy { $0.kind == .decision })
        #expect(state.customer("c1")?.hasContacts(fromEvent: "d1") == false)
    }

    @Test("on explicit-impression channels only impression interactions are contacts")
    func explicitImpressions() {
        let state = Fixture.fold([
            Fixture.decision("d1", "c1", at: 1, channel: "branch"),
            Fixture.interaction("i1", "c1", at: 1.1, .impression, channel: "branch"),
            Fixture.interaction("i2", "c1", at: 1.2, .impression, channel: "email"),
        ], config: Fixture.config(explicitChannel: true))
        let contacts = state.customer("c1")?.contacts ?? []
        #expect(contacts.map(\.eventId) == ["i1"])
        #expect(contacts.first?.kind == .impression)
        #expect(state.customer("c1")?.outcomes.map(\.eventId) == ["i1", "i2"])
    }

    @Test("a replayed duplicate event changes nothing")
    func deduplication() {
        let events = [
            Fixture.decision("d1", "c1", at: 1),
            Fixture.interaction("i1", "c1", at: 2, .conversion),
        ]
        let once = Fixture.fold(events)
        let twice = Fixture.fold(events + events + [events[0]])
        #expect(once.customer("c1") == twice.customer("c1"))
        #expect(twice.customer("c1")?.contacts.count == 1)
        #expect(twice.customer("c1")?.outcomes.count == 1)
        var a = once, b = twice
        a.apply(Fixture.profile("tick", "c9", at: 40, [:]), position: 100)
        b.apply(Fixture.profile("tick", "c9", at: 40, [:]), position: 100)
        #expect(a.experimentReport() == b.experimentReport())
        #expect(a.experimentReport().first?.counts.treated == 1)
    }

    @Test("contact and outcome history is bounded by the horizon behind the log clock")
    func boundedHistory() {
        let state = Fixture.fold([
            Fixture.decision("d1", "c1", at: 0),
            Fixture.interaction("i1", "c1", at: 1, .click),
            Fixture.decision("d2", "c1", at: 100),
            Fixture.profile("tick", "c2", at: 200, [:]),
        ])
        // horizon = max(90, 90 + 30) = 120 days behind the start of day 200
        #expect(state.customer("c1")?.contacts.map(\.eventId) == ["d2"])
        #expect(state.customer("c1")?.outcomes.isEmpty == true)
        // Too old to matter on arrival: ignored (and cannot be de-duplicated any more).
        var s = state
        s.apply(Fixture.decision("d0", "c1", at: 10), position: 10)
        #expect(s.customer("c1")?.contacts.map(\.eventId) == ["d2"])
    }
}
