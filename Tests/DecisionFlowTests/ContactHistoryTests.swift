import DecisionFlow
import Projection
import Testing
import XSellCore
import XSellTestSupport

/// ``ContactHistory`` answers what a scan of the whole history answers, for histories short
/// enough to be scanned and long enough to be looked up in their index.
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
        return (ContactHistory(stored: Timeline(stored), pending: fresh + echoed), all)
    }

    @Test(arguments: [(1, 0, 0), (2, 1, 0), (3, 0, 2), (4, 31, 3), (5, 400, 5), (6, 2_000, 1)] as [(UInt64, Int, Int)])
    func lookupsMatchAFullScan(seed: UInt64, stored: Int, pending: Int) {
        let (history, all) = Self.history(seed: seed, stored: stored, pending: pending)
        #expect(history.all.count == all.count)
        #expect(Set(history.all.map(\.eventId)) == Set(all.map(\.eventId)))
        #expect(history.all.map(\.at) == all.map(\.at), "oldest first")
        #expect(history.latest?.at == all.last?.at)
        let queries: [(String, [ContactKey]?, (Contact) -> Bool)] = [
            ("all", nil, { _ in true }),
            ("offer a", [.offer("a")], { $0.offerId == "a" }),
            ("offers b, c", [.offer("b"), .offer("c")], { $0.offerId != "a" }),
            ("channel email", [.channel("email", .decision), .channel("email", .impression)], { $0.channel == "email" }),
            ("impressions", [.kind(.impression)], { $0.kind == .impression }),
        ]
        for window in [CountingWindow.hours(1), .days(1), .days(7), .days(30), .days(90), .calendar(.month), .calendar(.isoWeek)] {
            let bound = window.lowerBound(at: Fixture.now)
            let inWindow = all.filter { bound.admits($0.at) }
            for (label, keys, match) in queries {
                let found = inWindow.filter(match)
                #expect(history.count(admittedBy: bound, keys: keys) == found.count, "\(window) \(label)")
                let latest = history.latest(admittedBy: bound, keys: keys)
                #expect(latest?.at == found.last?.at, "\(window) \(label)")
                #expect(latest.map(match) ?? true, "\(window) \(label)")
            }
        }
    }

    /// The rolling metrics of a long history equal those of the same history cut to its
    /// windows (what lies beyond 30 days changes nothing but the 90-day conversions).
    @Test func metricsIgnoreWhatIsOutsideTheWindows() {
        let (long, _) = Self.history(seed: 9, stored: 3_000, pending: 2)
        let month = CountingWindow.days(30).lowerBound(at: Fixture.now)
        let recent = ContactHistory(stored: Timeline(long.stored.filter { month.admits($0.at) }), pending: long.pending)
        let channels: Set<String> = ["in_app"]
        let metrics = RollingMetrics(history: long, outcomes: [], now: Fixture.now, implicitImpressionChannels: channels)
        #expect(metrics == RollingMetrics(history: recent, outcomes: [], now: Fixture.now, implicitImpressionChannels: channels))
        #expect(metrics.contacts30d == recent.all.count && metrics.contacts30d < long.all.count)
        let impressions = recent.all.count { $0.kind == .impression || $0.channel == "in_app" }
        #expect(metrics.impressions30d == impressions)
    }

    /// The 90-day conversions of a long outcome history (indexed) and of a short one (scanned)
    /// are what a scan counts.
    @Test(arguments: [10, 300] as [Int])
    func conversionsCountAsAScanDoes(outcomes count: Int) {
        var random = SplitMix64(seed: UInt64(count))
        let outcomes = (0..<count).map { i in
            OutcomeRecord(
                eventId: "o-\(i)", offerId: "a", channel: "email", outcome: random.next() % 3 == 0 ? .conversion : .dismiss,
                at: Fixture.now.adding(milliseconds: -Int64(random.next() % 150) * Timestamp.millisecondsPerDay))
        }
        let quarter = CountingWindow.days(90).lowerBound(at: Fixture.now)
        let metrics = RollingMetrics(history: ContactHistory(stored: []), outcomes: Timeline(outcomes), now: Fixture.now, implicitImpressionChannels: [])
        #expect(metrics.conversions90d == outcomes.count { $0.outcome == .conversion && quarter.admits($0.at) })
        #expect(metrics.conversions90d > 0)
    }
}
