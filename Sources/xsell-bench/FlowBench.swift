import ArgumentParser
import ConfigLoading
import DecisionFlow
import Foundation
import KafkaClient
import Logging
import Projection
import Synchronization
import XSellCore

/// `xsell-bench decide`: the pure decision flow in-process, µs per decision.
struct DecideBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decide",
        abstract: "DecisionEngine.decide on a ProjectionView: the tutorial's 4 offers and a generated catalogue.")

    @Option(help: "The tutorial configuration.") var config = "config/cross-sell.yaml"
    @Option(help: "Decisions measured on the tutorial configuration.") var iterations = 200_000
    @Option(help: "Offers in the generated catalogue.") var offers = 1_000
    @Option(help: "Decisions measured on the generated catalogue.") var catalogueIterations = 2_000

    func run() async throws {
        print("| configuration | offers | rules | decisions | µs/decision | decisions/s | µs/decision incl. view | returned | qualified |")
        print("|---|---|---|---|---|---|---|---|---|")
        try measure("tutorial", ConfigLoader.load(path: config), iterations: iterations)
        try measure("generated", ConfigLoader.load(yaml: FlowCatalogue.yaml(offers: offers)), iterations: catalogueIterations)
    }

    private func measure(_ label: String, _ config: XSellConfig, iterations: Int) throws {
        var state = ProjectionState(config: config)
        let start = Timestamp(millisecondsSinceEpoch: 1_717_200_000_000)
        state.apply(.profile(FlowCatalogue.cust42(at: start)), position: 0)
        // Some history so contact policies and metrics have something to count.
        for day in 0..<6 {
            state.apply(.decision(DecisionEvent(
                eventId: "d-\(day)", occurredAt: start.adding(days: day), customerId: "cust_42",
                recommendationId: "r-\(day)", interactionId: "i-\(day)", decisionFlowKey: "cross-sell",
                decisionFlowVersion: 2, channel: "email", arm: .treatment, candidates: ["offer-\(day)"],
                decisions: [DecisionEntry(offerId: config.offers[day % config.offers.count].id, rank: 1)],
                features: nil)), position: UInt64(day + 1))
        }
        state.settle()
        let engine = DecisionEngine(config: config)
        let request = RecommendationRequest(
            requestId: "r", customerId: "cust_42", channel: "in_app", decisionFlowKey: "cross-sell")
        let ids = DecisionIdentifiers(recommendationId: "r", interactionId: "i", decisionEventId: "e")
        let now = start.adding(days: 7)
        let view = state.view(customerId: "cust_42")
        guard case .decided(let sample, _, _) = engine.decide(request: request, view: view, now: now, ids: ids, pendingContacts: [])
        else { throw ValidationError("\(label): the sample request was rejected") }

        func run(_ count: Int, freshView: Bool) -> Double {
            var returned = 0
            let clock = ContinuousClock()
            let t0 = clock.now
            for _ in 0..<count {
                let v = freshView ? state.view(customerId: "cust_42") : view
                if case .decided(let r, _, _) = engine.decide(request: request, view: v, now: now, ids: ids, pendingContacts: []) {
                    returned &+= r.count
                }
            }
            let elapsed = clock.now - t0
            precondition(returned == sample.count * count)
            return elapsed.benchSeconds * 1e6 / Double(count)
        }
        _ = run(max(100, iterations / 20), freshView: false)  // warm-up
        let perDecision = run(iterations, freshView: false)
        let withView = run(iterations, freshView: true)
        print("| \(label) | \(config.activeOffers.count) | \(config.qualificationRules.count) | \(iterations) | "
            + "\(fixed(perDecision, 2)) | \(Int(1e6 / perDecision)) | \(fixed(withView, 2)) | \(sample.count) | "
            + "\(sample.meta.afterQualification) |")
    }
}

/// A generated catalogue on the tutorial's schema, channels and flow.
enum FlowCatalogue {
    static func cust42(at time: Timestamp) -> ProfileEvent {
        ProfileEvent(eventId: "p-42", customerId: "cust_42", occurredAt: time, attributes: [
            "customer_id": .string("cust_42"), "tenureMonths": .integer(36), "tier": .string("premium"),
            "hasChecking": .boolean(true), "hasSavings": .boolean(false), "hasCreditCard": .boolean(false),
            "hasMortgage": .boolean(true), "hasBrokerage": .boolean(false), "avgMonthlyBalance": .decimal(12000),
        ])
    }

    /// cust_42's profile for customer `id` (own event id and key).
    static func cust42(as id: String, at time: Timestamp) -> ProfileEvent {
        var profile = cust42(at: time)
        profile.eventId = "p-\(id)"
        profile.customerId = id
        profile.attributes["customer_id"] = .string(id)
        return profile
    }

    /// `offers` active offers with 2–3 rules each (eligibility on attributes and metrics, match
    /// rules with decay), per-channel relevance, two contact policies, the tutorial flow.
    static func yaml(offers: Int) -> String {
        let holdings = ["hasSavings", "hasCreditCard", "hasMortgage", "hasBrokerage"]
        var lines = ["""
            schema:
              fields:
                - { name: customer_id, type: varchar, unique: true }
                - { name: tenureMonths, type: integer }
                - { name: tier, type: varchar }
                - { name: hasChecking, type: boolean }
                - { name: hasSavings, type: boolean }
                - { name: hasCreditCard, type: boolean }
                - { name: hasMortgage, type: boolean }
                - { name: hasBrokerage, type: boolean }
                - { name: avgMonthlyBalance, type: decimal }
            channels:
              - { name: email }
              - { name: in_app }
              - { name: branch }
            offers:
            """]
        for i in 0..<offers {
            lines.append("  - { id: offer-\(i), name: Offer \(i), status: active, category: cat-\(i % 10), "
                + "priority: \((i * 37) % 101), businessValue: \((i * 53) % 101), revenueValue: \(10 + i % 490), "
                + "holding: \(holdings[i % holdings.count]), channels: { email: 0.\(1 + i % 9), in_app: 0.\(9 - i % 9), branch: 1 } }")
        }
        lines.append("qualificationRules:")
        for i in 0..<offers {
            let rule = "  - { name: r\(i)-%@, type: %@, offer: offer-\(i), stage: %@, config: %@ }"
            lines.append(String(format: rule, "tenure", "attribute_condition", "eligibility",
                "{ attribute: customer.tenureMonths, operator: gte, value: \(i % 48) }"))
            switch i % 3 {
            case 0:
                lines.append(String(format: rule, "tier", "attribute_condition", "eligibility",
                    "{ attribute: customer.tier, operator: in, value: [premium, private] }"))
            case 1:
                lines.append(String(format: rule, "contacts", "metric_condition", "eligibility",
                    "{ metric: contacts_30d, operator: lt, value: 10 }"))
            default:
                lines.append(String(format: rule, "balance", "attribute_condition", "eligibility",
                    "{ attribute: customer.avgMonthlyBalance, operator: gte, value: \(i * 37 % 20_000) }"))
            }
            if i % 4 == 0 {
                lines.append(String(format: rule, "checking", "attribute_condition", "match, decay: 0.8",
                    "{ attribute: customer.hasChecking, operator: eq, value: true }"))
            }
        }
        lines.append("""
            contactPolicies:
              - { type: frequency_cap, scope: offer, maxPerWeek: 2 }
              - { type: customer_total_cap, maxTotal: 50, periodType: monthly }
            flows:
              - key: cross-sell
                name: Cross-Sell
                version: 2
                experiment: { enabled: true, holdoutPercent: 10, controlGroupAction: no_offers }
                nodes:
                  - { type: inventory }
                  - { type: enrich }
                  - { type: qualify }
                  - { type: contact_policy }
                  - type: score
                    method: formula
                    formula: { propensityWeight: 0.4, relevanceWeight: 0.15, impactWeight: 0.35, emphasisWeight: 0.1, upliftWeight: 0.5 }
                  - { type: rank, method: topN, maxCandidates: 5 }
                  - { type: response }
            """)
        return lines.joined(separator: "\n")
    }
}

func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

/// Latency samples of one run at one rate.
struct LatencySample {
    var latencies: [Duration]
    var failures: Int
    var wall: Duration

    func percentile(_ p: Double) -> Double { percentileMilliseconds(latencies, p) }

    /// Sends `count` requests at `rate` per second (open loop: each at its slot, not after the
    /// previous reply) through `send`, which returns when the reply has arrived.
    static func measure(
        rate: Int, count: Int, _ send: @escaping @Sendable (Int) async throws -> Void
    ) async -> LatencySample {
        let clock = ContinuousClock()
        let start = clock.now
        let interval = Duration.seconds(1) / rate
        let results = await withTaskGroup(of: Duration?.self) { group in
            for i in 0..<count {
                try? await clock.sleep(until: start + interval * i)
                group.addTask {
                    let t0 = clock.now
                    do { try await send(i) } catch { return nil }
                    return clock.now - t0
                }
            }
            return await group.reduce(into: [Duration?]()) { $0.append($1) }
        }
        return LatencySample(latencies: results.compactMap { $0 }, failures: results.count { $0 == nil }, wall: clock.now - start)
    }
}
