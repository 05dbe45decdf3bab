import Projection
@testable import Runtime
import Testing
import XSellCore

/// Read-your-writes overlay of the scoring worker: a pending contact leaves once the
/// projection holds its event. Issue 9 item 6: the check looks only at the folded contacts
/// since the oldest pending one, so a customer's long history does not make it quadratic.
@Suite struct PendingContactsTests {
    private func contact(_ id: String, at ms: Int64) -> Contact {
        Contact(eventId: id, offerId: "o", channel: "in_app", at: Timestamp(millisecondsSinceEpoch: ms), kind: .decision)
    }

    @Test func foldedContactsLeaveAndOthersStay() {
        let base: Int64 = 1_700_000_000_000
        let pending = PendingContacts()
        pending.add([contact("p1", at: base + 10), contact("p2", at: base + 20)], for: "c", at: Timestamp(millisecondsSinceEpoch: base + 20))
        pending.add([contact("p3", at: base + 30)], for: "c", at: Timestamp(millisecondsSinceEpoch: base + 30))
        var state = CustomerState(customerId: "c")
        // A long history before the pending contacts, then p2 folded (p1 and p3 not yet).
        state.contacts = Timeline((0..<20_000).map { contact("old-\($0)", at: base - 20_000 + Int64($0)) }
            + [contact("p2", at: base + 20)])
        #expect(pending.contacts(of: "c", notIn: state).map(\.eventId) == ["p1", "p3"])
        state.contacts.insert(contact("p1", at: base + 10))
        state.contacts.insert(contact("p3", at: base + 30))
        #expect(pending.contacts(of: "c", notIn: state).isEmpty)
        #expect(pending.contacts(of: "c", notIn: nil).isEmpty, "folded entries were dropped")
    }

    @Test(arguments: [0, 1, 5, 9, 10])
    func eventIdsSinceUseTheTimeOrder(since: Int) {
        let contacts = Timeline((0..<10).map { contact("e\($0)", at: Int64($0) * 10) })
        let ids = PendingContacts.eventIds(in: contacts, since: Timestamp(millisecondsSinceEpoch: Int64(since) * 10))
        #expect(ids == Set((since..<10).map { "e\($0)" }))
    }
}
