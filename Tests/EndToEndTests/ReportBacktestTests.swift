import Analytics
import Foundation
import Learning
import Testing
import XSellCore

/// `xsell backtest` on hand-built logs.
@Suite struct ReportBacktestTests {
    /// 10 treated decisions of which 4 convert and 10 control of which 1 converts, no logged
    /// propensities: the observed arm shares (½, ½) stand in. The tutorial picks savings (the
    /// only eligible offer) everywhere: IPS conversions Σy/p / n = (4/0.5)/20 = 0.4, incremental
    /// (4/0.5 − 1/0.5)/20 = 0.3, revenue 0.3·revenueValue; SNIPS the same (k̄ = 1, Σw = 20 per side).
    @Test func offPolicyEstimatesMatchHandComputedValues() throws {
        let data = ReportFixtures.dataDirectory("backtest")
        defer { try? FileManager.default.removeItem(atPath: data) }
        // In event-time order: a conversion logged before its decision would already have set
        // the holding that the decision's view sees (the state is as of the log position).
        let events = ReportFixtures.handComputedExperiment().enumerated()
            .sorted { ($0.element.occurredAt, $0.offset) < ($1.element.occurredAt, $1.offset) }.map(\.element)
        try ReportFixtures.writeLog(events, dataDirectory: data)
        let config = try ReportFixtures.config()
        let report = try BacktestEvaluation.run(policies: [("tutorial", config)], directory: data + "/log")
        #expect(report.evaluated == 20 && report.treated == 10 && report.control == 10 && report.unlabelled == 0)
        #expect(report.conversions == 5 && report.attributedConversions == 5)
        let e = try #require(report.policies.first).evaluation
        #expect(e.shownMatches == 10 && e.controlMatches == 10 && e.unmatchedTreatedPicks == 0)
        #expect(abs(e.effectiveSampleSize - 10) < 1e-9)
        let revenue = try #require(config.offer(id: "high-yield-savings")).revenueValue
        for estimator in [OffPolicyEstimator.ips, .snips] {
            #expect(abs(e[estimator, .conversions].value - 400) < 1e-9, "\(estimator)")
            #expect(abs(e[estimator, .incrementalConversions].value - 300) < 1e-9, "\(estimator)")
            #expect(abs(e[estimator, .incrementalRevenue].value - 300 * revenue) < 1e-6, "\(estimator)")
        }
        let dr = e[.doublyRobust, .incrementalConversions]
        #expect(dr.interval.lower < dr.value && dr.value < dr.interval.upper)
        #expect(report.warnings.isEmpty)
        let document = Reports.backtest(report)
        let json = try #require(document.json["policies"]?.arrayValue?.first?["estimates"]?["ips"]?["incrementalConversions"])
        #expect(json["value"]?.doubleValue.map { abs($0 - 300) < 1e-9 } == true)
        #expect(document.csv?.rows.count == 9)
    }

    /// The bug: one conversion after several decisions that showed the offer to the same
    /// customer labels only the latest one (ADR 0003), not all of them.
    @Test func oneConversionLabelsOneDecision() throws {
        let data = ReportFixtures.dataDirectory("backtest-one")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let offer = "high-yield-savings"
        var events = [ReportFixtures.profile("p-u", customer: "u", at: 0, ReportFixtures.savingsOnly)]
        for (i, day) in [1.0, 3, 5, 7, 9].enumerated() {
            guard case .decision(var d) = ReportFixtures.decision("dec-u\(i)", customer: "u", offer: offer, treated: true, at: day)
            else { continue }
            d.decisions[0].propensity = 0.8
            events.append(.decision(d))
        }
        events.append(ReportFixtures.conversion("conv-u", customer: "u", offer: offer, at: 10))
        events.append(ReportFixtures.profile("tick", customer: "clock", at: 60, [:]))
        try ReportFixtures.writeLog(events, dataDirectory: data)
        let report = try BacktestEvaluation.run(policies: [("tutorial", try ReportFixtures.config())], directory: data + "/log")
        #expect(report.evaluated == 5 && report.attributedConversions == 1)
        // Σ y/p over the 5 decisions = 1/0.8: 250 per 1,000 decisions (crediting all five would give 1,250).
        #expect(abs(try #require(report.policies.first).evaluation[.ips, .conversions].value - 250) < 1e-9)
    }

    /// A candidate that picks an offer the logged policy never showed is warned about, and
    /// `--from/--until` restrict the decisions evaluated; the candidate − baseline difference is
    /// reported. The log shows savings only; the candidate (savings off) would show another offer.
    @Test func overlapWarningWindowAndBaselineDifference() throws {
        let data = ReportFixtures.dataDirectory("backtest-overlap")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let events = ReportFixtures.handComputedExperiment().enumerated()
            .sorted { ($0.element.occurredAt, $0.offset) < ($1.element.occurredAt, $1.offset) }.map(\.element)
        try ReportFixtures.writeLog(events, dataDirectory: data)
        let tutorial = try ReportFixtures.config()
        var candidate = tutorial
        candidate.offers = candidate.offers.map { o in
            var o = o
            if o.id == "high-yield-savings" { o.status = .paused }
            if o.id == "rewards-credit-card" { o.holding = nil }
            return o
        }
        candidate.qualificationRules.removeAll { $0.name == "Card — no card yet" }
        let report = try BacktestEvaluation.run(
            policies: [("candidate", candidate), ("tutorial", tutorial)], directory: data + "/log")
        #expect(report.warnings.contains { $0.hasPrefix("candidate: the logged policy showed rewards-credit-card at 0 of the 10") })
        let c = try #require(report.policies.first).evaluation
        #expect(c.shownMatches == 0 && c.unmatchedTreatedPicks == 10)
        let difference = try #require(report.difference?[.ips]?[.conversions])
        #expect(abs(difference.value - (0 - 400)) < 1e-9)
        let none = try BacktestEvaluation.run(
            policies: [("tutorial", tutorial)], directory: data + "/log",
            window: BacktestEvaluation.Window(from: ReportFixtures.day(2)))
        #expect(none.evaluated == 0 && none.loggedDecisions == 20)
    }

    /// The command line: `--json` prints the report, `--csv FILE` writes one row per policy,
    /// estimator and metric.
    @Test func commandWritesJSONAndCSV() throws {
        let data = ReportFixtures.dataDirectory("backtest-cli")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let events = ReportFixtures.handComputedExperiment().enumerated()
            .sorted { ($0.element.occurredAt, $0.offset) < ($1.element.occurredAt, $1.offset) }.map(\.element)
        try ReportFixtures.writeLog(events, dataDirectory: data)
        let csv = data + "/backtest.csv"
        let output = try ReportFixtures.runXSell([
            "backtest", "--json", "--csv", csv, "--data-dir", data, "--config", ReportFixtures.configPath,
        ])
        let report = try JSONValue.parse(Array(output.utf8))
        #expect(report["evaluated"]?.doubleValue == 20)
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "policy,estimator,metric,value,standardError,lower,upper")
        #expect(lines.count == 10)
        #expect(lines.contains { $0.hasPrefix("\(ReportFixtures.configPath),ips,incrementalConversions,300.0") })
    }
}
