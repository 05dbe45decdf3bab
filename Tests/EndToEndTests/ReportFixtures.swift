import ConfigLoading
import EventLog
import Foundation
import Testing
import XSellCore

/// Logs for the analyst-command tests: events written straight into an event log directory,
/// plus the paths of the package, its configuration and the built `xsell` executable.
enum ReportFixtures {
    /// The package root.
    static var root: String { PackagePaths.root }

    /// `config/cross-sell.yaml`.
    static var configPath: String { root + "/config/cross-sell.yaml" }

    /// The tutorial configuration.
    static func config() throws -> XSellConfig { try ConfigLoader.load(path: configPath) }

    /// A fresh, empty data directory.
    static func dataDirectory(_ label: String) -> String {
        let path = FileManager.default.temporaryDirectory.path + "/xsell-\(label)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path + "/log", withIntermediateDirectories: true)
        return path
    }

    /// Writes `events` in order into the log under `dataDirectory`, as ingest would.
    static func writeLog(_ events: [DomainEvent], dataDirectory: String) throws {
        let writer = try EventLogWriter.open(directory: dataDirectory + "/log")
        var offsets: [XSellTopic: Int64] = [:]
        let records = events.map { event in
            let offset = offsets[event.topic, default: 0]
            offsets[event.topic] = offset + 1
            return LogRecordInput(
                topic: event.topic.rawValue, partition: 0, offset: offset, eventId: event.eventId,
                payload: event.binaryEncoded())
        }
        for chunk in stride(from: 0, to: records.count, by: 4_096) {
            _ = try writer.append(Array(records[chunk..<min(chunk + 4_096, records.count)]))
        }
        try writer.close()
    }

    /// 2024-05-01T00:00:00Z plus `days`.
    static func day(_ days: Double) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: 1_714_521_600_000 + Int64(days * 86_400_000))
    }

    /// A decision of the `cross-sell` flow on `in_app`: a treatment returning `offer`, or a
    /// control listing it as the only eligible candidate.
    static func decision(_ id: String, customer: String, offer: String, treated: Bool, at days: Double) -> DomainEvent {
        .decision(DecisionEvent(
            eventId: id, occurredAt: day(days), customerId: customer, recommendationId: "rec-" + id,
            interactionId: "int-" + id, decisionFlowKey: "cross-sell", decisionFlowVersion: 2, channel: "in_app",
            arm: treated ? .treatment : .control, candidates: [offer],
            decisions: treated ? [DecisionEntry(offerId: offer, rank: 1)] : []))
    }

    /// A conversion of `offer` by `customer`.
    static func conversion(_ id: String, customer: String, offer: String, at days: Double) -> DomainEvent {
        .interaction(InteractionEvent(
            eventId: id, occurredAt: day(days), customerId: customer, offerId: offer, channel: "in_app", outcome: .conversion))
    }

    /// A profile event.
    static func profile(_ id: String, customer: String, at days: Double, _ attributes: [String: AttributeValue]) -> DomainEvent {
        .profile(ProfileEvent(eventId: id, customerId: customer, occurredAt: day(days), attributes: attributes))
    }

    /// Attributes eligible for the savings offer only (the card is held, the mortgage needs 24
    /// months, wealth management a tier).
    static let savingsOnly: [String: AttributeValue] = [
        "tenureMonths": .integer(12), "hasChecking": .boolean(true), "hasSavings": .boolean(false),
        "hasCreditCard": .boolean(true),
    ]

    /// The experiment the hand-computed tests check: on `high-yield-savings`, 10 treated
    /// exposures of which 4 convert and 10 control exposures of which 1 converts (organic), all
    /// on day 1, then a profile on day 40 that moves the log clock past every attribution window.
    /// The conversions are logged before some of their decisions (arrival order ≠ event time).
    static func handComputedExperiment() -> [DomainEvent] {
        let offer = "high-yield-savings"
        var events: [DomainEvent] = []
        let attributes = savingsOnly
        for i in 0..<10 {
            events.append(profile("p-t\(i)", customer: "t\(i)", at: 0, attributes))
            events.append(profile("p-c\(i)", customer: "c\(i)", at: 0, attributes))
        }
        for i in 0..<4 { events.append(conversion("conv-t\(i)", customer: "t\(i)", offer: offer, at: 2)) }
        for i in 0..<10 {
            events.append(decision("dec-t\(i)", customer: "t\(i)", offer: offer, treated: true, at: 1))
            events.append(decision("dec-c\(i)", customer: "c\(i)", offer: offer, treated: false, at: 1))
        }
        events.append(conversion("conv-c0", customer: "c0", offer: offer, at: 5))
        events.append(profile("tick", customer: "clock", at: 40, [:]))
        return events
    }

    /// The `xsell` executable built with the tests.
    static func xsell() throws -> String { try PackagePaths.xsell() }

    /// Runs `xsell arguments…` to completion and returns its exit status, standard output and
    /// standard error.
    static func runXSellStatus(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try PackagePaths.runToCompletion(try xsell(), arguments)
    }

    /// Runs `xsell arguments…` to completion and returns its standard output.
    static func runXSell(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try xsell())
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "xsell \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        return String(decoding: data, as: UTF8.self)
    }
}
