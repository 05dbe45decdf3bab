import ArgumentParser
import ConfigLoading
import DecisionFlow
import Foundation
import Projection
import XSellCore

/// `xsell-bench decide-history`: the cost of one decision as the customer's contact history
/// grows, against the smallest history in the same run.
struct DecideHistoryBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decide-history",
        abstract: "µs per decision for contact histories of 10 to 100,000 contacts, spread over the horizon or all recent.")

    @Option(help: "Contact history sizes, comma separated.") var sizes = "10,1000,10000,100000"
    @Option(help: "Decisions measured per size.") var iterations = 20_000

    /// The tutorial offers with every kind of contact policy and a metric rule, so each
    /// decision asks every kind of history question.
    static let yaml = FlowCatalogue.yaml(offers: 4).replacingOccurrences(
        of: "  - { type: customer_total_cap, maxTotal: 50, periodType: monthly }",
        with: """
              - { type: customer_total_cap, maxTotal: 1000000, periodType: monthly }
              - { type: frequency_cap, scope: global, maxPerDay: 1000000 }
              - { type: cooldown, hours: 1, scope: offer }
              - { type: outcome_based, outcomes: [not_interested], suppressForDays: 30 }
              - { type: mutual_exclusion, offers: [offer-0, offer-1], withinDays: 14 }
            """)

    func run() throws {
        let config = try ConfigLoader.load(yaml: Self.yaml)
        guard config.contactPolicies.count == 6 else {
            throw ValidationError("the generated catalogue changed: expected its 2 contact policies plus the 4 this bench adds")
        }
        let counts = sizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.allSatisfy({ $0 > 0 }) else { throw ValidationError("--sizes: positive integers, comma separated") }
        print("| history shape | contacts | µs/decision | × the \(counts[0])-contact history | returned |")
        print("|---|---|---|---|---|")
        for shape in HistoryShape.allCases {
            var base: Double?
            for count in counts {
                let (microseconds, returned) = try measure(config, contacts: count, shape: shape)
                base = base ?? microseconds
                print("| \(shape.rawValue) | \(count) | \(fixed(microseconds, 2)) | \(fixed(microseconds / base!, 2)) | \(returned) |")
            }
        }
    }

    enum HistoryShape: String, CaseIterable {
        /// Spread evenly over the 90-day horizon: the windows hold their share.
        case spread = "spread over 90 days"
        /// All in the last 20 days (a customer hammered by one channel): the 30-day window holds all.
        case recent = "all in the last 20 days"
    }

    private func measure(_ config: XSellConfig, contacts: Int, shape: HistoryShape) throws -> (Double, Int) {
        let now = Timestamp(millisecondsSinceEpoch: 1_717_200_000_000)
        let span = (shape == .spread ? 89 : 20) * Timestamp.millisecondsPerDay
        var state = ProjectionState(config: config)
        state.apply(.profile(FlowCatalogue.cust42(at: now.adding(milliseconds: -span - 1))), position: 0)
        for i in 0..<contacts {
            state.apply(.decision(DecisionEvent(
                eventId: "d-\(i)", occurredAt: now.adding(milliseconds: -span + span * Int64(i) / Int64(contacts)),
                customerId: "cust_42", recommendationId: "r-\(i)", interactionId: "i-\(i)", decisionFlowKey: "cross-sell",
                decisionFlowVersion: 2, channel: "email", arm: .treatment, candidates: ["offer-\(i % 4)"],
                decisions: [DecisionEntry(offerId: "offer-\(2 + i % 2)", rank: 1)], features: nil)), position: UInt64(i + 1))
        }
        state.settle()
        let engine = DecisionEngine(config: config)
        let request = RecommendationRequest(requestId: "r", customerId: "cust_42", channel: "in_app", decisionFlowKey: "cross-sell")
        let ids = DecisionIdentifiers(recommendationId: "r", interactionId: "i", decisionEventId: "e")
        let view = state.view(customerId: "cust_42")
        // A pending contact (decided, not folded yet), as the worker passes for a hot customer.
        let pending = [Contact(eventId: "pending", offerId: "offer-1", channel: "in_app", at: now.adding(milliseconds: -1_000), kind: .decision)]
        guard case .decided(let sample, _, _) = engine.decide(request: request, view: view, now: now, ids: ids, pendingContacts: pending)
        else { throw ValidationError("the sample request was rejected") }
        let clock = ContinuousClock()
        var returned = 0
        for _ in 0..<max(10, iterations / 10) { _ = engine.decide(request: request, view: view, now: now, ids: ids, pendingContacts: pending) }
        let t0 = clock.now
        for _ in 0..<iterations {
            if case .decided(let response, _, _) = engine.decide(request: request, view: view, now: now, ids: ids, pendingContacts: pending) {
                returned &+= response.count
            }
        }
        let elapsed = clock.now - t0
        precondition(returned == sample.count * iterations)
        return (elapsed.benchSeconds * 1e6 / Double(iterations), sample.count)
    }
}
