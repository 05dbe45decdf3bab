import ArgumentParser
import ConfigLoading
import Foundation
import KafkaClient
import Logging
import Runtime
import XSellClient
import XSellCore

/// `xsell-bench freshness`: from publishing a profile event to its effect on the next decision.
///
/// A node (ingest + projection + worker) runs in-process on the embedded broker. For each of
/// `--samples` new customers the bench publishes a profile that qualifies them for offers, then
/// asks for a recommendation again and again until the reply's funnel shows the profile
/// (`afterQualification > 0`; an unknown customer fails every rule). The latency includes one
/// request/reply round trip, which the same run measures on its own as the baseline.
struct FreshnessBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "freshness", abstract: "Publish→effect latency of an event on the next decision.")

    @Option(help: "Customers to measure.") var samples: Int = 100
    @Option(help: "Configuration file.") var config: String = "config/cross-sell.yaml"
    @Option(help: "Topic specs.") var topics: String = "topics"

    func run() async throws {
        let broker = try EmbeddedBroker(brokerCount: 1)
        try TopicSetup.create(try TopicSpec.loadAll(directory: topics), broker: broker)
        let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers)
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "xsell-freshness-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let logger = Logger.bench(level: .error)
        let node = try await Node(
            settings: NodeSettings(
                kafka: kafka, config: try ConfigLoader.load(path: config), dataDirectory: dataDirectory, roles: .all),
            logger: logger)
        try await node.start()
        let running = Task { try await node.run() }
        let client = try RecommendationClient(kafka: kafka, logger: .bench())
        try await client.start()
        let producer = try KafkaProducer(configuration: kafka.lowLatencyProducer, logger: .bench())
        let clock = ContinuousClock()

        var roundTrips: [Duration] = []
        var freshness: [Duration] = []
        for i in -1..<samples {  // -1: a warm-up customer while the consumer groups settle
            if i == 0 { (roundTrips, freshness) = ([], []) }
            let customer = "fresh-\(i)-\(UUID().uuidString.prefix(6))"
            let published = clock.now
            _ = try await producer.send(Self.profile(for: customer))
            while true {
                let asked = clock.now
                let reply = try await client.recommend(Self.request(for: customer, number: i))
                roundTrips.append(clock.now - asked)
                if case .response(let response) = reply, response.meta.afterQualification > 0 {
                    freshness.append(clock.now - published)
                    break
                }
            }
        }
        running.cancel()
        try await client.close()
        try await producer.close()
        print("| measure | samples | p50 | p99 |")
        print("|---|---|---|---|")
        print("| publish → effect on the next decision | \(freshness.count) | \(fixed(percentileMilliseconds(freshness, 0.5), 2)) ms | \(fixed(percentileMilliseconds(freshness, 0.99), 2)) ms |")
        print("| one request → reply (baseline) | \(roundTrips.count) | \(fixed(percentileMilliseconds(roundTrips, 0.5), 2)) ms | \(fixed(percentileMilliseconds(roundTrips, 0.99), 2)) ms |")
    }

    private static func profile(for customer: String) -> OutgoingMessage {
        let event = DomainEvent.profile(ProfileEvent(
            eventId: "fresh-\(customer)", customerId: customer, occurredAt: WallClock.now(),
            attributes: [
                "tenureMonths": .integer(36), "tier": .string("premium"), "hasChecking": .boolean(true),
                "hasSavings": .boolean(false), "hasCreditCard": .boolean(false), "hasMortgage": .boolean(true),
                "hasBrokerage": .boolean(false), "avgMonthlyBalance": .decimal(12_000),
            ]))
        return OutgoingMessage(
            topic: XSellTopic.profile.rawValue, key: Array(customer.utf8), value: EventCodec.encode(event))
    }

    private static func request(for customer: String, number: Int) -> RecommendationRequest {
        RecommendationRequest(
            requestId: "fresh-\(number)-\(UUID().uuidString)", customerId: customer, channel: "in_app",
            decisionFlowKey: "cross-sell", limit: nil, explain: nil, attributes: nil, replyTo: nil)
    }
}

