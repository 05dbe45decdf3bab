import Analytics
import ConfigLoading
import DecisionFlow
import Foundation
import Projection
import Runtime
import Testing
import XSellCore
import XSellTestSupport

/// `xsell explain`: decisions made live by a running node (mock cluster) are re-derived from the
/// log with the configuration the node archived, and equal the logged ones.
@Suite("explain reproduces live decisions", .serialized, .timeLimit(.minutes(2)))
struct ExplainAuditTests {
    @Test func liveDecisionsAreReproducedByDecisionAndByRequest() async throws {
        let config = try FlowFixtures.tutorialConfig()
        let fingerprint = try #require(config.source?.fingerprint)
        let harness = try await FlowHarness.start(.mock, config: config)
        do {
            try await reproduce(harness, fingerprint: fingerprint)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    private func reproduce(_ harness: FlowHarness, fingerprint: String) async throws {
        let control = Self.controlCustomer()
        let customers = ["cust_42", FlowFixtures.treatedCustomer("audit"), control]
        for id in customers {
            try await harness.publish(.profile, key: id, value: try FlowFixtures.cust42Profile(as: id))
        }
        try await harness.until("profiles") { state in customers.allSatisfy { state.customer($0) != nil } }
        var requests: [String] = []
        for (i, id) in (customers + customers).enumerated() {
            let request = FlowFixtures.request(id, explain: i % 2 == 0, limit: i == 1 ? 1 : nil)
            _ = try await harness.response(request)
            requests.append(request.requestId)
        }
        try await harness.untilTrue("the decisions come back into the log") {
            try harness.loggedEvents().count { if case .decision = $0.event { true } else { false } } == requests.count
        }
        let decisions = try harness.loggedEvents().compactMap { entry -> DecisionEvent? in
            if case .decision(let d) = entry.event { d } else { nil }
        }
        #expect(decisions.allSatisfy { $0.configFingerprint == fingerprint })
        #expect(decisions.contains { $0.arm == .control } && decisions.contains { $0.arm == .treatment && !$0.decisions.isEmpty })
        #expect(FileManager.default.fileExists(atPath: ConfigArchive(dataDirectory: harness.settings.dataDirectory).path(fingerprint: fingerprint)))
        for d in decisions {
            let byDecision = try DecisionAudit.explain(.decision(d.eventId), dataDirectory: harness.settings.dataDirectory)
            #expect(byDecision.reproduced, "\(d.eventId): \(byDecision.differences)")
            #expect(byDecision.rederived.decisions.map(\.offerId) == d.decisions.map(\.offerId))
            #expect(byDecision.response.dropped != nil)
            let requestId = try #require(d.requestId)
            let byRequest = try DecisionAudit.explain(.request(requestId), dataDirectory: harness.settings.dataDirectory)
            #expect(byRequest.logged.eventId == d.eventId && byRequest.reproduced)
        }
    }

    /// A customer id the tutorial's 10 % holdout puts in control.
    static func controlCustomer() -> String {
        var i = 0
        while true {
            let id = "audit-control-\(i)"
            if HoldoutAssignment.bucket(flowKey: "cross-sell", customerId: id) < 1_000 { return id }
            i += 1
        }
    }
}

/// `xsell explain` on hand-built logs: a tampered decision is reported with its differences
/// (exit 1), a missing configuration is named (exit 2).
@Suite struct ExplainMismatchTests {
    @Test func tamperedScoreIsReportedAndMissingConfigurationIsNamed() throws {
        let data = ReportFixtures.dataDirectory("explain")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let config = try ReportFixtures.config()
        let source = try #require(config.source)
        let customer = FlowFixtures.treatedCustomer("t-audit")
        let profile = ReportFixtures.profile("p-a", customer: customer, at: 0, ReportFixtures.savingsOnly)
        // The decision the tutorial makes for this customer, then the same with a tampered score.
        var state = ProjectionState(config: config)
        state.apply(profile, position: 0)
        let request = RecommendationRequest(requestId: "req-a", customerId: customer, channel: "in_app", decisionFlowKey: "cross-sell")
        guard case .decided(_, let honest, _) = DecisionEngine(config: config).decide(
            request: request, view: state.view(customerId: customer), now: ReportFixtures.day(1),
            ids: DecisionIdentifiers(recommendationId: "rec-a", interactionId: "int-a", decisionEventId: "dec-a"),
            pendingContacts: [])
        else { Issue.record("not decided"); return }
        var tampered = honest
        tampered.eventId = "dec-b"
        tampered.requestId = "req-b"
        tampered.decisions[0].score = (tampered.decisions[0].score ?? 0) + 1e-9
        try ReportFixtures.writeLog([profile, .decision(honest), .decision(tampered)], dataDirectory: data)

        let missing = try ReportFixtures.runXSellStatus(["explain", "--decision", "dec-a", "--data-dir", data])
        #expect(missing.status == 2)
        #expect(missing.error.contains("is not kept in this data directory") && missing.error.contains(source.fingerprint))

        try ConfigArchive(dataDirectory: data).store(source)
        let ok = try ReportFixtures.runXSellStatus(["explain", "--decision", "dec-a", "--data-dir", data])
        #expect(ok.status == 0 && ok.output.contains("reproduced"))
        let bad = try ReportFixtures.runXSellStatus(["explain", "--request", "req-b", "--data-dir", data])
        #expect(bad.status == 1)
        #expect(bad.output.contains("NOT reproduced") && bad.output.contains("\(honest.decisions[0].offerId).score: logged"))
    }
}
