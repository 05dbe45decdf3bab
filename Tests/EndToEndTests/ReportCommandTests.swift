import Analytics
import EventLog
import Foundation
import Logging
import Projection
import Runtime
import Testing
import XSellCore

/// `xsell replay`, `experiment` and `uplift` on small hand-built logs.
@Suite struct ReportCommandTests {
    @Test func experimentReportMatchesHandComputedValues() throws {
        let data = ReportFixtures.dataDirectory("experiment")
        defer { try? FileManager.default.removeItem(atPath: data) }
        try ReportFixtures.writeLog(ReportFixtures.handComputedExperiment(), dataDirectory: data)
        let result = try LogReplay.rebuild(config: try ReportFixtures.config(), directory: data + "/log")
        let rows = try #require(Reports.experiment(result.state).json["experiments"]?.arrayValue)
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        #expect(row["flowKey"]?.stringValue == "cross-sell")
        #expect(row["offerId"]?.stringValue == "high-yield-savings")
        // 4/10 treated vs 1/10 control: pooled p = 0.25, SE = √(0.25·0.75·0.2), unpooled SE = √0.033.
        let expected: [(String, Double)] = [
            ("treated", 10), ("treatedConversions", 4), ("control", 10), ("controlConversions", 1),
            ("treatedRate", 0.4), ("controlRate", 0.1), ("absoluteUplift", 0.3), ("relativeUplift", 3.0),
            ("zScore", 1.5491933384829666), ("pValue", 0.12133525035848225),
            ("incrementalConversions", 3), ("incrementalRevenue", 120),
        ]
        for (key, value) in expected {
            let actual = try #require(row[key]?.doubleValue, "\(key) missing")
            #expect(abs(actual - value) < 1e-9, "\(key): \(actual) ≠ \(value)")
        }
        let ci = try #require(row["differenceInterval"]?.arrayValue?.compactMap { $0.doubleValue })
        #expect(abs(ci[0] - -0.056045139108661546) < 1e-9 && abs(ci[1] - 0.6560451391086615) < 1e-9)
        let revenue = try #require(row["incrementalRevenueInterval"]?.arrayValue?.compactMap { $0.doubleValue })
        #expect(abs(revenue[0] - -0.056045139108661546 * 400) < 1e-6 && abs(revenue[1] - 0.6560451391086615 * 400) < 1e-6)
        #expect(Reports.experiment(result.state).text.contains("40.00%"))
    }

    @Test func replayInFreshProcessesGivesTheLiveProjectionsDigest() async throws {
        let data = ReportFixtures.dataDirectory("replay")
        defer { try? FileManager.default.removeItem(atPath: data) }
        try ReportFixtures.writeLog(ReportFixtures.handComputedExperiment(), dataDirectory: data)
        let arguments = ["replay", "--json", "--data-dir", data, "--config", ReportFixtures.configPath]
        var digests: [String] = []
        for _ in 0..<2 {
            let report = try JSONValue.parse(Array(try ReportFixtures.runXSell(arguments).utf8))
            digests.append(try #require(report["stateDigest"]?.stringValue))
        }
        #expect(digests[0] == digests[1])

        let runner = ProjectionRunner(
            config: try ReportFixtures.config(), reader: EventLogReader(directory: data + "/log"),
            snapshotDirectory: data + "/snapshots", logger: Logger(label: "report-test") { _ in SwiftLogNoOpLogHandler() })
        try await runner.restore()
        #expect(runner.withState { FNV1a64.hex($0.stateDigest) } == digests[0])
    }

    @Test func replayUntilFoldsOnlyEventsThatHadHappened() throws {
        let data = ReportFixtures.dataDirectory("until")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let events = ReportFixtures.handComputedExperiment()
        try ReportFixtures.writeLog(events, dataDirectory: data)
        let until = ReportFixtures.day(3)
        let result = try LogReplay.rebuild(config: try ReportFixtures.config(), directory: data + "/log", until: until)
        #expect(result.records == UInt64(events.count))
        #expect(result.folded == UInt64(events.filter { $0.occurredAt <= until }.count))
        #expect(result.folded == 44)
        // Every attribution window is still open at day 3: nothing is committed yet.
        #expect(Reports.experiment(result.state).json["experiments"]?.arrayValue?.isEmpty == true)
        let json = Reports.replay(result).json
        #expect(json["clock"]?.stringValue == "2024-05-03T00:00:00.000Z")
        #expect(json["folded"]?.doubleValue == 44)
        let full = try LogReplay.rebuild(config: try ReportFixtures.config(), directory: data + "/log")
        #expect(Reports.replay(full).json["stateDigest"] != json["stateDigest"])
    }

    @Test func upliftReportsSampleSizesAndEstimatesForACustomer() throws {
        let data = ReportFixtures.dataDirectory("uplift")
        defer { try? FileManager.default.removeItem(atPath: data) }
        try ReportFixtures.writeLog(ReportFixtures.handComputedExperiment(), dataDirectory: data)
        let state = try LogReplay.rebuild(config: try ReportFixtures.config(), directory: data + "/log").state
        let attributes = try #require(state.customer("t0")?.attributes)
        let report = Reports.uplift(state, subjects: [("t0", attributes)])
        let offers = try #require(report.json["offers"]?.arrayValue)
        #expect(offers.compactMap { $0["offerId"]?.stringValue } == [
            "high-yield-savings", "mortgage-pre-approval", "rewards-credit-card", "wealth-management-account",
        ])
        let savings = offers[0]
        #expect(savings["treated"]?.doubleValue == 10 && savings["control"]?.doubleValue == 10)
        #expect(savings["treatedConversions"]?.doubleValue == 4 && savings["controlConversions"]?.doubleValue == 1)
        // Far below minTreated (200): τ is not used, the segment is uncertain.
        #expect(savings["status"]?.stringValue == "insufficient_data" && savings["segment"]?.stringValue == "uncertain")
        #expect(savings["tau"]?.doubleValue == 0)
        let estimates = try #require(savings["estimates"]?.arrayValue)
        #expect(estimates.count == 1 && estimates[0]["subject"]?.stringValue == "t0")
        #expect(report.text.contains("estimates for the given features"))
        let one = Reports.uplift(state, offerId: "rewards-credit-card").json["offers"]?.arrayValue
        #expect(one?.count == 1 && one?[0]["treated"]?.doubleValue == 0)
    }
}
