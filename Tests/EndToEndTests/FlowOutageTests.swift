import EventLog
import Foundation
import KafkaClient
import Projection
import Synchronization
import Testing
import XSellClient
import XSellCore
import XSellTestSupport

/// Issue 9 item 3: a broker outage under load does not stop the node. The mock cluster's
/// only broker is cut (connections dropped, new ones refused) while requests and events keep
/// coming; once it is back, every request sent before, during and after the cut is answered,
/// every event is in the log, and the node is still running.
@Suite("decision flow through a broker outage", .serialized, .timeLimit(.minutes(3)))
struct FlowOutageTests {
    static let requests = 60
    static let events = 120
    static let outage: Duration = .seconds(6)

    @Test("a 6 s broker cut at 10 requests/s + 20 events/s: all answered, all ingested, node running")
    func brokerOutage() async throws {
        let harness = try await FlowHarness.start(.mock, config: try FlowFixtures.tutorialConfig())
        do {
            try await brokerOutage(harness)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
    }

    private func brokerOutage(_ harness: FlowHarness) async throws {
        let broker = try #require(harness.embedded)
        let customers = (0..<10).map { _ in FlowFixtures.treatedCustomer("outage") }
        for customer in customers {
            try await harness.publish(.profile, key: customer, value: try FlowFixtures.cust42Profile(as: customer))
        }
        try await harness.until("profiles") { state in customers.allSatisfy { state.customer($0) != nil } }
        _ = try await harness.response(FlowFixtures.request(customers[0]))

        let clock = ContinuousClock()
        let start = clock.now
        let outcomes = Outcomes()
        // Requests at 10/s, each awaiting its reply for up to 60 s (the client retries nothing:
        // the producer holds what it cannot send until the broker is back).
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<Self.requests {
                    try? await Task.sleep(until: start + .milliseconds(100 * index))  // pacing, not synchronisation
                    let request = FlowFixtures.request(customers[index % customers.count])
                    group.addTask {
                        let outcome: String
                        do {
                            switch try await harness.client.recommend(request, timeout: .seconds(60)) {
                            case .response: outcome = "response"
                            case .error(_, let code, let message): outcome = "error \(code): \(message)"
                            }
                        } catch {
                            outcome = "failed: \(error)"
                        }
                        outcomes.value.withLock { $0[request.requestId] = outcome }
                    }
                }
            }
        }
        let eventIds = (0..<Self.events).map { "outage-event-\($0)-\(UUID().uuidString.prefix(8))" }
        let publisher = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, id) in eventIds.enumerated() {
                    try? await Task.sleep(until: start + .milliseconds(50 * index))
                    let customer = customers[index % customers.count]
                    let event = DomainEvent.interaction(InteractionEvent(
                        eventId: id, occurredAt: WallClock.now(), customerId: customer, offerId: FlowFixtures.savings,
                        recommendationId: nil, channel: "email", outcome: .dismiss, conversionValue: nil))
                    group.addTask { try await harness.publish(event) }
                }
                try await group.waitForAll()
            }
        }
        try await Task.sleep(until: start + .seconds(1))
        // The next offset commits fail as they do while the coordinator is away (NOT_COORDINATOR);
        // ingest commits every 200 ms under this load, so it meets them before and after the cut.
        try broker.pushRequestErrors(apiKey: 8, errors: Array(repeating: KafkaError.Code(rawValue: 16), count: 5))
        try broker.setBrokerDown(1)
        try await Task.sleep(until: start + .seconds(1) + Self.outage)
        try broker.setBrokerUp(1)

        await load.value
        try await publisher.value
        let results = outcomes.value.withLock { $0 }
        let failures = results.filter { $0.value != "response" }
        #expect(results.count == Self.requests)
        #expect(failures.isEmpty, "\(failures.count) of \(Self.requests) not answered: \(failures.values.prefix(3))")
        try await harness.untilTrue("every event in the log") {
            let logged = Set(try harness.loggedEvents().map(\.record.eventId))
            return eventIds.allSatisfy(logged.contains)
        }
        #expect(harness.nodeEnding == nil, "the node stopped: \(harness.nodeEnding ?? "")")
        // And it answers a fresh request after the outage.
        _ = try await harness.response(FlowFixtures.request(customers[1]))
    }
}

/// Each request's outcome by request id.
final class Outcomes: Sendable {
    let value = Mutex<[String: String]>([:])
}
