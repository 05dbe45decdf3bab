import EventLog
import Foundation
import Logging
import Projection
import Runtime
import Testing
import XSellCore
import XSellTestSupport

/// Issue 10 item 3: a projection that cannot go on fails whoever waits for it, and the node
/// stops with the error instead of hanging; a cancelled wait returns at once.
@Suite("a failing projection", .timeLimit(.minutes(3)))
struct ProjectionFailureTests {
    static let garbage: [UInt8] = [0xff, 0x13, 0x37, 0x00, 0x42]

    static func profile(_ customerId: String, at millis: Int64) throws -> [UInt8] {
        DomainEvent.profile(ProfileEvent(
            eventId: "pf-\(customerId)", customerId: customerId, occurredAt: Timestamp(millisecondsSinceEpoch: millis),
            attributes: ["tenureMonths": .integer(30)])).binaryEncoded()
    }

    static func record(offset: Int64, eventId: String, payload: [UInt8]) -> LogRecordInput {
        LogRecordInput(topic: XSellTopic.profile.rawValue, partition: 0, offset: offset, eventId: eventId, payload: payload)
    }

    static func runner(_ directory: String) throws -> ProjectionRunner {
        var logger = Logger(label: "xsell.projection-failure-test")
        logger.logLevel = .critical
        return ProjectionRunner(
            config: try FlowFixtures.tutorialConfig(), reader: EventLogReader(directory: directory + "/log"),
            snapshotDirectory: directory + "/snapshots", logger: logger)
    }

    @Test("a record the fold cannot decode fails restore and every wait, naming the record")
    func undecodableRecordFailsWaiters() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/xsell-pfail-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try EventLogWriter.open(directory: directory + "/log")
        try log.append([
            Self.record(offset: 0, eventId: "pf-a", payload: try Self.profile("a", at: 1_750_000_000_000)),
            Self.record(offset: 1, eventId: "bad-1", payload: Self.garbage),
        ])
        try log.close()
        let runner = try Self.runner(directory)
        let restored = await #expect(throws: ProjectionStopped.self) { try await runner.restore() }
        #expect(restored?.position == 1)
        #expect(restored?.description.contains("cannot decode the log record at position 1 (customer.profile.v1[0]@1, event bad-1)") == true, "\(String(describing: restored))")
        let waited = await #expect(throws: ProjectionStopped.self) { try await runner.waitUntilApplied(5) }
        #expect(waited?.position == 1)
        #expect(runner.applied == 1, "the good record before it was folded")
    }

    @Test("a cancelled wait ends at once with CancellationError")
    func cancelledWaitEnds() async throws {
        let directory = FileManager.default.temporaryDirectory.path + "/xsell-pfail-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/log", withIntermediateDirectories: true)
        let runner = try Self.runner(directory)
        try await runner.restore()
        let waiting = Task { try await runner.waitUntilApplied(1_000) }
        waiting.cancel()
        let outcome = await waiting.result
        #expect(throws: CancellationError.self) { try outcome.get() }
    }

    /// A serve-only node (the test writes its log): after a record it cannot decode is appended
    /// mid-run, a request whose decision waits for the fold to catch up must not hang the node.
    /// On the mock cluster only: on the shared tansu, `decision.made.v1` holds other tests'
    /// decisions, and a serve-only node's handover waits for an ingest group that never runs here.
    @Test("a corrupt record appended mid-run stops the node with the error, a request in flight or not")
    func corruptRecordStopsTheNode() async throws {
        let harness = try await FlowHarness.start(.mock, config: try FlowFixtures.tutorialConfig(), roles: .serve)
        let log = try EventLogWriter.open(directory: harness.settings.logDirectory)
        defer { try? log.close() }
        let customer = "pf-\(UUID().uuidString.prefix(8).lowercased())"
        do {
            try log.append([Self.record(offset: 0, eventId: "pf-\(customer)", payload: try Self.profile(customer, at: WallClock.now().millisecondsSinceEpoch))])
            try await harness.until("the profile is folded") { $0.customer(customer) != nil }
            _ = try await harness.response(FlowFixtures.request(customer))  // the worker is serving

            try log.append([Self.record(offset: 1, eventId: "bad-\(customer)", payload: Self.garbage)])
            let inFlight = Task { try? await harness.recommend(FlowFixtures.request(customer)) }
            let ending = try await harness.awaitNodeEnding(timeout: .seconds(30))
            #expect(ending.hasPrefix("threw"), "\(ending)")
            #expect(ending.contains("cannot decode the log record at position 1"), "\(ending)")
            inFlight.cancel()
        } catch {
            Issue.record(error)
        }
        await harness.stop()
    }
}
