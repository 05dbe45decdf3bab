import Foundation
import Services
import Testing
import XSellCore

/// `xsell backtest` on a hand-built log.
@Suite struct ReportBacktestTests {
    @Test func backtestCountsMatchesAndEstimatesIncrementalConversions() throws {
        let data = ReportFixtures.dataDirectory("backtest")
        defer { try? FileManager.default.removeItem(atPath: data) }
        // In event-time order: a conversion logged before its decision would already have set
        // the holding that the decision's view sees (the state is as of the log position).
        let events = ReportFixtures.handComputedExperiment().enumerated()
            .sorted { ($0.element.occurredAt, $0.offset) < ($1.element.occurredAt, $1.offset) }.map(\.element)
        try ReportFixtures.writeLog(events, dataDirectory: data)
        let config = try ReportFixtures.config()
        let report = try BacktestEvaluation.run(policies: [("tutorial", config)], directory: data + "/log")
        #expect(report.decisions == 20 && report.treatedDecisions == 10 && report.convertedDecisions == 4)
        let policy = try #require(report.policies.first)
        // Savings is the only eligible offer: the policy picks it for everyone, in both arms.
        #expect(policy.showedConverted == 4)
        #expect(abs((policy.incrementalConversions ?? 0) - 3) < 1e-9)
        let row = try #require(Reports.backtest(report).json["policies"]?.arrayValue?.first)
        let expected: [(String, Double)] = [
            ("matchedTreated", 10), ("matchedTreatedConversions", 4), ("matchedControl", 10),
            ("matchedControlConversions", 1), ("upliftPerContact", 0.3), ("incrementalConversions", 3),
        ]
        for (key, value) in expected {
            #expect(row[key]?.doubleValue.map { abs($0 - value) < 1e-9 } == true, "\(key)")
        }
        #expect(Reports.backtest(report).text.contains("4/4 (100.00%)"))
    }
}
