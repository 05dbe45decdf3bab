import Foundation
import Testing
import XSellTestSupport

@testable import KafkaClient

/// The lease/close state machine of a librdkafka handle, step by step, and a producer closed
/// while sends are inside `rd_kafka_produceva`.
@Suite("handle lifecycle")
struct HandleLifecycleTests {
    enum Step: Sendable {
        case acquire(expect: Bool)
        /// The closer resumed by this release, if any.
        case release(expect: Int?)
        case close(Int, expect: HandleLifecycle<Int>.CloseAction)
        case closed
    }

    struct Case: Sendable, CustomStringConvertible {
        let description: String
        let steps: [Step]
        let closing: Bool
        let closed: Bool
    }

    static let cases: [Case] = [
        Case(description: "open: leases come and go", steps: [
            .acquire(expect: true), .acquire(expect: true), .release(expect: nil), .release(expect: nil),
        ], closing: false, closed: false),
        Case(description: "close with no lease out owns the close at once", steps: [
            .close(1, expect: .resume(true)), .acquire(expect: false), .closed,
        ], closing: true, closed: true),
        Case(description: "close waits for the leases out; the last release resumes it", steps: [
            .acquire(expect: true), .acquire(expect: true), .close(1, expect: .wait), .acquire(expect: false),
            .release(expect: nil), .release(expect: 1), .closed,
        ], closing: true, closed: true),
        Case(description: "a second close while draining does not own it", steps: [
            .acquire(expect: true), .close(1, expect: .wait), .close(2, expect: .resume(false)), .release(expect: 1),
        ], closing: true, closed: false),
        Case(description: "a close after closed does not own it", steps: [
            .close(1, expect: .resume(true)), .closed, .close(2, expect: .resume(false)), .acquire(expect: false),
        ], closing: true, closed: true),
    ]

    @Test("transitions", arguments: cases)
    func transitions(_ c: Case) {
        var machine = HandleLifecycle<Int>()
        for (index, step) in c.steps.enumerated() {
            switch step {
            case .acquire(let expect): #expect(machine.acquire() == expect, "step \(index)")
            case .release(let expect): #expect(machine.release() == expect, "step \(index)")
            case .close(let closer, let expect):
                let action = machine.close(closer)
                switch (action, expect) {
                case (.wait, .wait): break
                case (.resume(let owner), .resume(let expected)): #expect(owner == expected, "step \(index)")
                default: Issue.record("step \(index): \(action), expected \(expect)")
                }
            case .closed: machine.closed()
            }
        }
        #expect(machine.isClosing == c.closing)
        #expect(machine.isClosed == c.closed)
    }

    @Test("close during concurrent sends: every enqueued send gets its report, later ones fail as closed")
    func closeDuringSends() async throws {
        let broker = try TestBroker(.mock)
        let topic = try await broker.createTopic("lifecycle", partitions: 3)
        let producer = try broker.producer()
        let outcomes = try await withThrowingTaskGroup(of: String.self, returning: [String].self) { group in
            for n in 0..<400 {
                group.addTask {
                    do {
                        _ = try await producer.send(OutgoingMessage(topic: topic, key: nil, value: Array("m\(n)".utf8)))
                        return "delivered"
                    } catch let error as KafkaError where error.code == .destroyed {
                        return "closed"
                    }
                }
                if n == 200 { group.addTask { try await producer.close(); return "close" } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.count == 401)
        #expect(outcomes.filter { $0 == "close" }.count == 1)
        #expect(outcomes.filter { $0 == "delivered" }.count + outcomes.filter { $0 == "closed" }.count == 400)
        await #expect(throws: KafkaError.self) { try await producer.send(OutgoingMessage(topic: topic, key: nil, value: [1])) }
        let consumer = try broker.consumer(group: "lifecycle-\(UUID())", ["auto.offset.reset": "earliest"])
        try await consumer.subscribe(topics: [topic])
        var received = 0
        let delivered = outcomes.filter { $0 == "delivered" }.count
        let deadline = ContinuousClock.now + .seconds(30)
        while received < delivered, ContinuousClock.now < deadline {
            received += try await consumer.poll(maxMessages: 500, timeout: .milliseconds(200)).count
        }
        #expect(received == delivered)
        try await consumer.close()
    }
}
