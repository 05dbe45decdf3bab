import ArgumentParser
import ConfigLoading
import EventLog
import Foundation
import KafkaClient
import Learning
import Logging
import Projection
import Runtime
import Synchronization
import XSellClient
import XSellCore

/// `xsell-bench live`: a node (ingest + projection + worker, in-process, as `xsell run`) on the
/// embedded broker, fed a synthetic bank stream at a fixed event rate while it answers requests
/// at a fixed rate; an echo service on the same broker answers the same request rate at the same
/// time (the baseline: what the broker, the client and the machine cost a request).
///
/// The stream is `xsell-bench fold`'s, time-compressed: its 90 days of event time start at the
/// run's wall-clock start, so the fold commits, learns and prunes at the rate a bank's live
/// stream makes it (ingest's future-skew limit is raised for it; the node's own decisions,
/// stamped with the wall clock, are then older than the stream's clock and folded as late
/// events, within the horizon). The run prints how many labelled exposures reached the
/// learners, so a stream that was not learned from shows.
///
/// **Fold lag** is sampled every 5 ms on a dedicated thread: at each sample, the log's end (what
/// ingest has appended) and the projection's applied position; a sample's lag is the time until
/// a later sample shows the projection past that end.
struct LiveBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live", abstract: "A live node at a fixed event rate and request rate: fold lag, request p99 vs echo.")

    @Option(help: "The decisioning configuration.") var config = "config/cross-sell.yaml"
    @Option(help: "Directory of topic specs.") var topics = "topics"
    @Option(help: "Events published per second.") var eventRate = 50_000
    @Option(help: "Requests per second (xsell and echo each).") var requestRate = 500
    @Option(help: "Seconds of events and requests.") var seconds = 10
    @Option(help: "Customers in the stream (the requests cycle through the first 1,000).") var customers = 50_000

    func run() async throws {
        let config = try ConfigLoader.load(path: config)
        let broker = try EmbeddedBroker(brokerCount: 1)
        try TopicSetup.create(try TopicSpec.loadAll(directory: topics), broker: broker)
        let run = UUID().uuidString.prefix(8).lowercased()
        let echoRequests = "bench-echo-requests-\(run)", echoReplies = "bench-echo-replies-\(run)"
        for topic in [echoRequests, echoReplies] { try broker.createTopic(topic, partitions: 6) }
        let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: ["log_level": "3"])

        var settings = NodeSettings(
            kafka: kafka, config: config, dataDirectory: NSTemporaryDirectory() + "xsell-bench-live-\(run)", roles: .all)
        // The compressed stream runs up to 90 days ahead of the wall clock; ingest would
        // dead-letter it as future-dated (`maxClockSkew`, 1 day by default).
        settings.ingest.maxClockSkew = .seconds(100 * 86_400)
        defer { try? FileManager.default.removeItem(atPath: settings.dataDirectory) }
        let (node, nodeTask) = try await startBenchNode(settings)
        let projection = try requireBench(node.projection, "projection")
        let client = try RecommendationClient(kafka: kafka, logger: .bench())
        try await client.start()
        let echo = try await EchoService(kafka: kafka, requests: echoRequests, replies: echoReplies)
        let echoTask = Task { try await echo.run() }
        let echoClient = try await EchoClient(kafka: kafka, requests: echoRequests, replies: echoReplies)

        var stream = BankStream(events: eventRate * seconds, customers: customers, offers: config.offers.map(\.id))
        stream.start = WallClock.now().millisecondsSinceEpoch
        stream.idPrefix = "live-\(run)-"
        var outgoing: [OutgoingMessage] = []
        try stream.emit(.time) { event in
            let topic: XSellTopic = switch event {
            case .profile: .profile
            case .decision: .decision
            case .interaction: .interaction
            }
            outgoing.append(OutgoingMessage(topic: topic.rawValue, key: Array(event.customerId.utf8), value: EventCodec.encode(event)))
        }
        let messages = outgoing
        let ids = (0..<min(1_000, customers)).map(stream.customerId)

        @Sendable func request(_ i: Int) -> RecommendationRequest {
            RecommendationRequest(
                requestId: "live-\(run)-\(i)-\(UUID().uuidString.prefix(8))", customerId: ids[i % ids.count],
                channel: "in_app", decisionFlowKey: "cross-sell")
        }
        let xsellSend: @Sendable (Int) async throws -> Void = { i in
            guard case .response = try await client.recommend(request(i), timeout: .seconds(30)) else { throw ValidationError("error reply") }
        }
        let echoSend: @Sendable (Int) async throws -> Void = { i in try await echoClient.roundTrip(request(i)) }
        for send in [xsellSend, echoSend] { try await send(0) }  // group joins and connections

        let sampler = FoldLagSampler(log: EventLogReader(directory: settings.logDirectory), projection: projection)
        sampler.start()
        let clock = ContinuousClock()
        let started = clock.now
        let requestCount = requestRate * seconds
        async let published = Self.publish(messages, rate: eventRate, kafka: kafka)
        async let xsell = LatencySample.measure(rate: requestRate, count: requestCount, xsellSend)
        async let baseline = LatencySample.measure(rate: requestRate, count: requestCount, echoSend)
        let (publishSeconds, x, e) = try await (published, xsell, baseline)
        let end = try EventLogReader(directory: settings.logDirectory).endPosition()
        while projection.applied < end { try await projection.waitUntilApplied(projection.applied + 1) }
        let caughtUp = (clock.now - started).benchSeconds
        let lags = sampler.stop()
        // The learners settle (re-learn what late events changed) when the fold is idle; no
        // event marks it, so this polls.
        while !projection.withState({ $0.isSettled }) { try await Task.sleep(for: .milliseconds(10)) }
        let settled = (clock.now - started).benchSeconds
        let learned = projection.withState { $0.experimentReport() }.reduce(0) { $0 + $1.counts.treated + $1.counts.control }
        print("labelled exposures committed to the learners: \(learned)")

        print("| events | published/s (target) | requests/s each | fold lag p50 | fold lag p99 | fold lag max | all folded / learners settled after | xsell p50 / p99 | echo p50 / p99 | p99 xsell/echo | failed (xsell/echo) |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        print("| \(messages.count) | \(Int(Double(messages.count) / publishSeconds)) (\(eventRate)) | \(requestRate) | "
            + "\(fixed(percentileMilliseconds(lags, 0.5), 1)) ms | \(fixed(percentileMilliseconds(lags, 0.99), 1)) ms | "
            + "\(fixed(percentileMilliseconds(lags, 1), 1)) ms | \(fixed(caughtUp, 1)) s / \(fixed(settled, 1)) s (events for \(fixed(publishSeconds, 1)) s) | "
            + "\(fixed(x.percentile(0.5), 1)) / \(fixed(x.percentile(0.99), 1)) ms | \(fixed(e.percentile(0.5), 1)) / \(fixed(e.percentile(0.99), 1)) ms | "
            + "\(fixed(x.percentile(0.99) / e.percentile(0.99), 2)) | \(x.failures)/\(e.failures) |")
        try await stopNodeAndEcho(client: client, echoClient: echoClient, tasks: [nodeTask, echoTask])
    }

    /// Publishes `messages` at `rate` per second (in 10 ms slots) and waits for every delivery.
    private static func publish(_ messages: [OutgoingMessage], rate: Int, kafka: KafkaConfiguration) async throws -> Double {
        let producer = try KafkaProducer(configuration: kafka.merging(["linger.ms": "5", "queue.buffering.max.messages": "1000000"]), logger: .bench())
        let clock = ContinuousClock()
        let start = clock.now
        let perSlot = max(1, rate / 100)
        var next = 0
        var slot = 0
        while next < messages.count {
            try await clock.sleep(until: start + .milliseconds(10 * slot))
            for message in messages[next..<min(messages.count, next + perSlot)] { try producer.send(message) { _ in } }
            next += perSlot
            slot += 1
        }
        try await producer.flush(timeout: .seconds(60))
        let seconds = (clock.now - start).benchSeconds
        try await producer.close()
        return seconds
    }
}

/// Samples, every 5 ms on its own thread, the log's end and the projection's applied position;
/// `stop` returns each sample's fold lag (time until a later sample shows the projection past
/// that sample's log end; samples with nothing unfolded count as 0).
final class FoldLagSampler: Sendable {
    private struct Sample {
        var at: ContinuousClock.Instant
        var end: UInt64
        var applied: UInt64
    }

    private let log: EventLogReader
    private let projection: ProjectionRunner
    private let samples = Mutex<[Sample]>([])
    private let stopping = Atomic<Bool>(false)

    init(log: EventLogReader, projection: ProjectionRunner) {
        self.log = log
        self.projection = projection
    }

    func start() {
        let thread = Thread { [self] in
            while !stopping.load(ordering: .relaxed) {
                if let end = try? log.endPosition() {
                    let sample = Sample(at: .now, end: end, applied: projection.applied)
                    samples.withLock { $0.append(sample) }
                }
                Thread.sleep(forTimeInterval: 0.005)
            }
        }
        thread.start()
    }

    func stop() -> [Duration] {
        stopping.store(true, ordering: .relaxed)
        let all = samples.withLock { $0 }
        var lags: [Duration] = []
        var j = 0
        for (i, s) in all.enumerated() {
            if s.applied >= s.end {
                lags.append(.zero)
                continue
            }
            j = max(j, i)
            while j < all.count && all[j].applied < s.end { j += 1 }
            if j < all.count { lags.append(all[j].at - s.at) }
        }
        return lags
    }
}
