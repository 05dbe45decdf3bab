import DecisionFlow
import Projection
import Testing
import XSellCore
import XSellTestSupport

/// ``ContactHistory`` answers what a scan of the whole history answers, while looking only at
/// the windows' contents.
@Suite struct ContactHistoryTests {
    /// A random history in event-time order (with ties), and pending contacts some of which
    /// came back through the log.
    static func history(seed: UInt64, stored count: Int, pending: Int) -> (ContactHistory, [Contact]) {
        var random = SplitMix64(seed: seed)
        var stored: [Contact] = []
        // Steps of 0 to 45 minutes (ties happen), ending about a day before now.
        var at = Fixture.now.adding(milliseconds: -(Int64(count) * 1_350_000 + Timestamp.millisecondsPerDay))
        for i in 0..<count {
            at = at.adding(milliseconds: Int64(random.next() % 4) * 900_000)
            stored.append(Contact(
                eventId: "s-\(i / 2)", offerId: ["a", "b", "c"][Int(random.next() % 3)],
                channel: ["email", "in_app"][Int(random.next() % 2)], at: at,
                kind: random.next() % 5 == 0 ? .impression : .decision))
        }
        var fresh: [Contact] = []
        for i in 0..<pending {
            fresh.append(Contact(
                eventId: "p-\(i)", offerId: "a", channel: "in_app",
                at: Fixture.now.adding(milliseconds: -Int64(random.next() % 7_200_000)), kind: .decision))
        }
        let echoed = stored.suffix(3)  // folded copies of pending contacts: counted once
        let all = (stored + fresh).sorted { $0.at < $1.at }
        return (ContactHistory(stored: stored, pending: fresh + echoed), all)
    }

    @Test(arguments: [(1, 0, 0), (2, 1, 0), (3, 0, 2), (4, 50, 3), (5, 400, 5), (6, 2_000, 1)] as [(UInt64, Int, Int)])
    func lookupsMatchAFullScan(seed: UInt64, stored: Int, pending: Int) {
        let (history, all) = Self.history(seed: seed, stored: stored, pending: pending)
        #expect(history.all.count == all.count)
        #expect(Set(history.all.map(\.eventId)) == Set(all.map(\.eventId)))
        #expect(history.all.map(\.at) == all.map(\.at), "oldest first")
        #expect(history.latest?.at == all.last?.at)
        for window in [CountingWindow.hours(1), .days(1), .days(7), .days(30), .days(90), .calendar(.month), .calendar(.isoWeek)] {
            let bound = window.lowerBound(at: Fixture.now)
            let inWindow = all.filter { bound.admits($0.at) }
            #expect(history.count(admittedBy: bound) == inWindow.count, "\(window)")
            let onA: (Contact) -> Bool = { $0.offerId == "a" }
            for limit in [1, 2, 5, Int.max] {
                #expect(history.count(admittedBy: bound, limit: limit, where: onA) == min(limit, inWindow.count(where: onA)))
            }
            let latestEmail = history.latest(admittedBy: bound) { $0.channel == "email" }
            #expect(latestEmail?.at == inWindow.last { $0.channel == "email" }?.at, "\(window)")
        }
    }

    /// The rolling metrics of a long history equal those of the same history cut to its
    /// windows (what lies beyond 30 days changes nothing but the 90-day conversions).
    @Test func metricsIgnoreWhatIsOutsideTheWindows() {
        let (long, _) = Self.history(seed: 9, stored: 3_000, pending: 2)
        let month = CountingWindow.days(30).lowerBound(at: Fixture.now)
        let recent = ContactHistory(stored: long.stored.filter { month.admits($0.at) }, pending: long.pending)
        let channels: Set<String> = ["in_app"]
        let metrics = RollingMetrics(history: long, outcomes: [], now: Fixture.now, implicitImpressionChannels: channels)
        #expect(metrics == RollingMetrics(history: recent, outcomes: [], now: Fixture.now, implicitImpressionChannels: channels))
        #expect(metrics.contacts30d == recent.all.count && metrics.contacts30d < long.all.count)
        let impressions = recent.all.count { $0.kind == .impression || $0.channel == "in_app" }
        #expect(metrics.impressions30d == impressions)
    }
}
