import Projection
import Testing
import XSellCore
import XSellTestSupport

/// ``Timeline`` answers what a scan of all its entries answers, short (scanned) or long
/// (indexed), whatever order the entries were inserted in and after pruning.
@Suite struct TimelineTests {
    static let start = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)
    static let offers = ["a", "b", "c"]
    static let channels = ["email", "in_app"]

    static func contacts(seed: UInt64, count: Int) -> [Contact] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { i in
            Contact(
                eventId: "e-\(i)", offerId: offers[Int(random.next() % 3)],
                channel: channels[Int(random.next() % 2)],
                at: start.adding(milliseconds: Int64(random.next() % 40) * 3_600_000),  // ties happen
                kind: random.next() % 4 == 0 ? .impression : .decision)
        }
    }

    static let keys: [ContactKey] = offers.map(ContactKey.offer) + [.kind(.decision), .kind(.impression)]
        + channels.flatMap { [ContactKey.channel($0, .decision), .channel($0, .impression)] }

    /// Every lookup against the reference: the entries sorted, filtered and scanned.
    static func expectMatchesScan(_ timeline: Timeline<Contact>, _ reference: [Contact], _ label: String) {
        let sorted = reference.sorted(by: Contact.ordered(_:before:))
        #expect(Array(timeline) == sorted, "\(label): timeline order")
        for hours in [0, 1, 7, 20, 39, 41] {
            for inclusive in [false, true] {
                let bound = InstantBound(instant: start.adding(milliseconds: Int64(hours) * 3_600_000), inclusive: inclusive)
                let inside = sorted.filter { bound.admits($0.at) }
                #expect(timeline.count(admittedBy: bound) == inside.count, "\(label) \(hours)h")
                #expect(timeline.latest(admittedBy: bound) == inside.last, "\(label) \(hours)h")
                for key in keys {
                    let found = inside.filter { $0.indexKeys.contains(key) }
                    #expect(timeline.count(admittedBy: bound, key: key) == found.count, "\(label) \(hours)h \(key)")
                    #expect(timeline.latest(admittedBy: bound, key: key) == found.last, "\(label) \(hours)h \(key)")
                }
                let pair: [ContactKey] = [.offer("a"), .offer("c")]
                let either = inside.filter { $0.offerId == "a" || $0.offerId == "c" }
                #expect(timeline.count(admittedBy: bound, keys: pair) == either.count, "\(label) \(hours)h a|c")
                #expect(timeline.latest(admittedBy: bound, keys: pair) == either.last, "\(label) \(hours)h a|c")
            }
        }
    }

    @Test(arguments: [(1, 0), (2, 1), (3, Timeline<Contact>.indexThreshold - 1), (4, Timeline<Contact>.indexThreshold), (5, 300)] as [(UInt64, Int)])
    func lookupsMatchAScan(seed: UInt64, count: Int) {
        let contacts = Self.contacts(seed: seed, count: count)
        var inserted = Timeline<Contact>()
        for contact in contacts { inserted.insert(contact) }  // arrival order: crosses the threshold
        Self.expectMatchesScan(inserted, contacts, "inserted")
        Self.expectMatchesScan(Timeline(contacts), contacts, "built")
        #expect(inserted == Timeline(contacts.reversed()))
    }

    /// Pruning drops what is before the instant, and a long timeline pruned short (or not)
    /// still answers as a scan does; inserting after pruning keeps the index in step.
    @Test(arguments: [1, 20, 35, 39] as [Int])
    func pruningKeepsLookupsExact(hours: Int) {
        let contacts = Self.contacts(seed: 7, count: 200)
        var timeline = Timeline(contacts)
        let cut = Self.start.adding(milliseconds: Int64(hours) * 3_600_000)
        timeline.removeAll(before: cut)
        var kept = contacts.filter { $0.at >= cut }
        Self.expectMatchesScan(timeline, kept, "pruned at \(hours)h")
        let late = Contact(eventId: "late", offerId: "b", channel: "email", at: Self.start.adding(milliseconds: 39 * 3_600_000), kind: .decision)
        timeline.insert(late)
        kept.append(late)
        Self.expectMatchesScan(timeline, kept, "pruned at \(hours)h, then inserted")
    }
}
