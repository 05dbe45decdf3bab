import Runtime
import Testing

/// The readiness conditions, one row per case: what is unmet for given facts.
@Suite struct ReadinessRulesTests {
    typealias Facts = ReadinessRules.Facts

    static let caughtUp = Facts(
        recovered: true, ingestLag: ["t/0": 0, "t/1": 0], serveLag: ["r/0": 0], foldLag: 0)

    struct Row: Sendable, CustomStringConvertible {
        var description: String
        var facts: Facts
        var wasReady: Bool
        var unmet: [String]
    }

    static let rows: [Row] = [
        Row(description: "caught up", facts: caughtUp, wasReady: false, unmet: []),
        Row(
            description: "recovering", facts: Facts(recovered: false, ingestLag: caughtUp.ingestLag, serveLag: caughtUp.serveLag, foldLag: 0),
            wasReady: false, unmet: ["starting: recovery has not finished"]),
        Row(
            description: "ingest not in its group yet", facts: Facts(recovered: true, ingestLag: [:], serveLag: caughtUp.serveLag, foldLag: 0),
            wasReady: false, unmet: ["ingest: no partitions assigned yet (joining its consumer group)"]),
        Row(
            description: "ingest position unknown",
            facts: Facts(recovered: true, ingestLag: ["t/0": 0, "t/1": Int64?.none], serveLag: caughtUp.serveLag, foldLag: 0),
            wasReady: false, unmet: ["ingest: position not known yet on t/1"]),
        Row(
            description: "to become ready ingest must be at the end",
            facts: Facts(recovered: true, ingestLag: ["t/0": 3, "t/1": 0], serveLag: caughtUp.serveLag, foldLag: 0),
            wasReady: false, unmet: ["ingest: 3 messages behind on t/0 (ready at 0 or fewer)"]),
        Row(
            description: "a ready node stays ready under the bound",
            facts: Facts(recovered: true, ingestLag: ["t/0": 1_000, "t/1": 0], serveLag: caughtUp.serveLag, foldLag: 1_000),
            wasReady: true, unmet: []),
        Row(
            description: "and not over it",
            facts: Facts(recovered: true, ingestLag: ["t/0": 1_001, "t/1": 0], serveLag: caughtUp.serveLag, foldLag: 1_001),
            wasReady: true,
            unmet: [
                "ingest: 1001 messages behind on t/0 (ready at 1000 or fewer)",
                "projection: 1001 log records not folded yet (ready at 1000 or fewer)",
            ]),
        Row(
            description: "to become ready the fold must be at the log end",
            facts: Facts(recovered: true, ingestLag: caughtUp.ingestLag, serveLag: caughtUp.serveLag, foldLag: 2),
            wasReady: false, unmet: ["projection: 2 log records not folded yet"]),
        Row(
            description: "worker without partitions",
            facts: Facts(recovered: true, ingestLag: caughtUp.ingestLag, serveLag: [:], foldLag: 0),
            wasReady: true, unmet: ["scoring worker: no partitions assigned yet (joining its consumer group)"]),
        Row(
            description: "worker behind does not matter (requests expire on their own)",
            facts: Facts(recovered: true, ingestLag: caughtUp.ingestLag, serveLag: ["r/0": 50_000], foldLag: 0),
            wasReady: false, unmet: []),
        Row(
            description: "ingest-only node", facts: Facts(recovered: true, ingestLag: ["t/0": 0], serveLag: nil, foldLag: nil),
            wasReady: false, unmet: []),
    ]

    @Test(arguments: rows)
    func unmetConditions(row: Row) {
        let readiness = ReadinessRules(maxIngestLag: 1_000).evaluate(row.facts, wasReady: row.wasReady)
        #expect(readiness.unmet == row.unmet)
        #expect(readiness.isReady == row.unmet.isEmpty)
    }
}
