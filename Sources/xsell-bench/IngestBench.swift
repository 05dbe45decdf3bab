import ArgumentParser
import ConfigLoading
import EventLog
import Foundation
import KafkaClient
import Logging
import Runtime
import XSellCore

/// `xsell-bench ingest`: ingest throughput (Kafka → decode → append + fsync → commit) as a
/// ratio to a raw librdkafka consumer reading the same messages on the same broker in the same run.
struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Ingest throughput as a ratio to the raw consume rate, on each broker (needs a fresh tansu).")

    @OptionGroup var brokers: BrokerOptions
    @Option(help: "Interaction events per run (the mock cluster keeps only ~5 MB per partition: stay below that).")
    var events: Int = 40_000
    @Option(help: "Partitions of the event topics.") var partitions: Int = 6
    @Option(help: "Configuration file (for the customer schema).") var config: String = "config/cross-sell.yaml"

    func run() async throws {
        let schema = try ConfigLoader.load(path: config).schema
        let values = (0..<events).map { BenchEvents.interactionJSON($0) }
        let size = values.reduce(0) { $0 + $1.count } / max(values.count, 1)
        print("| broker | events | size | raw consume/s | ingest/s | ratio | raw steady/s | ingest steady/s | steady ratio | ingest batches |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for broker in try brokers.brokers() {
            let topic = XSellTopic.interaction.rawValue
            for name in [topic, XSellTopic.deadLetter.rawValue] {
                try await brokers.createTopic(name, partitions: partitions, on: broker)
            }
            let base = KafkaConfiguration(bootstrapServers: broker.bootstrap)
            try await requireEmpty(topic, base: base)
            try await produce(values, topic: topic, base: base)
            let assignment = (0..<partitions).map { TopicPartitionOffset(topic: topic, partition: Int32($0), offset: .beginning) }
            let raw1 = try await rawConsumeRate(assignment, count: events, base: base)
            let ingest = try await ingestRate(assignment, count: events, base: base, schema: schema)
            let raw2 = try await rawConsumeRate(assignment, count: events, base: base)
            let raw = raw1.total > raw2.total ? raw1 : raw2
            print("| \(broker.name) | \(events) | \(size) B | \(Int(raw.total)) | \(Int(ingest.total)) | "
                + String(format: "%.2f", ingest.total / raw.total) + " | \(Int(raw.steady)) | \(Int(ingest.steady)) | "
                + String(format: "%.2f", ingest.steady / raw.steady) + " | \(ingest.steps) |")
        }
    }

    /// Refuses a topic that already holds messages (a reused tansu): the counts would be off.
    private func requireEmpty(_ topic: String, base: KafkaConfiguration) async throws {
        let probe = try KafkaConsumer(configuration: base.merging(["group.id": "xsell-bench-probe"]), logger: .bench())
        for partition in 0..<partitions {
            let high = try await probe.highWatermark(TopicPartition(topic: topic, partition: Int32(partition)))
            guard high == 0 else {
                throw ValidationError("\(topic)[\(partition)] is not empty (\(high) messages): use a fresh broker")
            }
        }
        try await probe.close()
    }

    private func produce(_ values: [[UInt8]], topic: String, base: KafkaConfiguration) async throws {
        let producer = try KafkaProducer(configuration: base.merging([
            "linger.ms": "5", "queue.buffering.max.messages": "1000000", "queue.buffering.max.kbytes": "1048576",
        ]), logger: .bench())
        for (index, value) in values.enumerated() {
            let key = Array("customer-\(index % 5_000)".utf8)
            while true {
                do {
                    try producer.send(OutgoingMessage(topic: topic, key: key, value: value)) { _ in }
                    break
                } catch let error as KafkaError where error.code == .queueFull {
                    try await producer.flush(timeout: .seconds(60))
                }
            }
        }
        try await producer.close(timeout: .seconds(120))
    }

    /// Messages per second of a plain consumer reading `assignment` until `count` arrived.
    private func rawConsumeRate(_ assignment: [TopicPartitionOffset], count: Int, base: KafkaConfiguration) async throws -> Rate {
        let consumer = try KafkaConsumer(configuration: base.merging([
            "group.id": "xsell-bench-raw-\(UUID().uuidString)", "enable.auto.commit": "false",
        ]), logger: .bench())
        try await consumer.assign(assignment)
        var rate = Rate(count: count, start: .now)
        var received = 0
        while received < count {
            let batch = try await consumer.poll(maxMessages: 10_000, timeout: .seconds(10))
            guard !batch.isEmpty else { throw ValidationError("raw consumer: \(received) of \(count), then nothing for 10 s") }
            received += batch.count
            rate.progress(received)
        }
        try await consumer.close()
        return rate
    }

    /// Events per second of ``Ingestor`` from the same positions into a fresh log, until all
    /// `count` are durable. Partitions are assigned (not subscribed) so the one-time group join
    /// is not part of the measurement; the commit after every batch is.
    private func ingestRate(
        _ assignment: [TopicPartitionOffset], count: Int, base: KafkaConfiguration, schema: CustomerSchema
    ) async throws -> Rate {
        let directory = NSTemporaryDirectory() + "xsell-bench-ingest-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try EventLogWriter.open(directory: directory)
        let consumer = try KafkaConsumer(configuration: base.merging(["group.id": "xsell-bench-ingest-\(UUID().uuidString)"]), logger: .bench())
        try await consumer.assign(assignment)
        let producer = try KafkaProducer(configuration: base, logger: .bench())
        let logger = Logger.bench("xsell-bench.ingest")
        let ingestor = Ingestor(consumer: consumer, producer: producer, log: log, schema: schema, logger: logger)
        var rate = Rate(count: count, start: .now)
        let task = Task { try await ingestor.run() }
        for await end in log.endPositions() where end > 0 {
            rate.progress(Int(end))
            if end >= UInt64(count) { break }
        }
        task.cancel()
        _ = await task.result
        try await consumer.close()
        try await producer.close()
        try log.close()
        return rate
    }
}

/// A throughput over the whole run (start-up included) and after the first batch arrived
/// (steady state: connection, offset lookup and first fetch wait excluded).
struct Rate {
    let count: Int
    let start: ContinuousClock.Instant
    private var first: (at: ContinuousClock.Instant, done: Int)?
    private var last = ContinuousClock.now
    /// How many progress steps (polled batches, appends) there were.
    private(set) var steps = 0

    init(count: Int, start: ContinuousClock.Instant) {
        self.count = count
        self.start = start
    }

    /// Records that `done` items are finished now.
    mutating func progress(_ done: Int) {
        last = .now
        steps += 1
        if first == nil { first = (last, done) }
    }

    var total: Double { Double(count) / (last - start).benchSeconds }
    var steady: Double {
        guard let first, first.done < count else { return .nan }
        return Double(count - first.done) / (last - first.at).benchSeconds
    }
}

/// Synthetic events of about 200 bytes of JSON.
enum BenchEvents {
    static func interactionJSON(_ index: Int) -> [UInt8] {
        let id = String(format: "bench-%08d", index)
        let customer = String(format: "customer-%06d", index % 5_000)
        return Array("""
            {"eventId":"\(id)","occurredAt":"2024-06-01T10:00:00.123Z","customerId":"\(customer)",\
            "offerId":"high-yield-savings","recommendationId":"rec-\(id)","channel":"in_app",\
            "outcome":"conversion","conversionValue":125.5}
            """.utf8)
    }

    /// The log record ingest appends for event `index`.
    static func logRecord(_ index: Int) throws -> LogRecordInput {
        let event = try EventCodec.decode(topic: XSellTopic.interaction.rawValue, value: interactionJSON(index), schema: nil)
        return LogRecordInput(
            topic: XSellTopic.interaction.rawValue, partition: Int32(index % 6), offset: Int64(index / 6),
            eventId: event.eventId, payload: event.binaryEncoded())
    }
}

/// `xsell-bench append`: records per second appended to the event log with one fsync per batch.
struct AppendBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append", abstract: "Event log append throughput, fsync per batch, for several batch sizes.")

    @Option(help: "Batch sizes (comma separated).") var batches: String = "1,100,1000"
    @Option(help: "Records per batch size (at most 2,000 batches each).") var records: Int = 100_000
    @Option(help: "Directory for the temporary logs (its file system is what is measured).")
    var directory: String = NSTemporaryDirectory()

    func run() async throws {
        let sizes = batches.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let inputs = try (0..<records).map(BenchEvents.logRecord)
        let frame = inputs.reduce(0) { $0 + 33 + $1.topic.utf8.count + $1.eventId.utf8.count + $1.payload.count } / inputs.count
        print("| batch size | records | record size | batches/s (fsyncs/s) | records/s | MB/s |")
        print("|---|---|---|---|---|---|")
        for size in sizes where size > 0 {
            let count = min(records, size * 2_000)
            let path = directory + "/xsell-bench-append-\(UUID().uuidString.prefix(8))"
            defer { try? FileManager.default.removeItem(atPath: path) }
            let log = try EventLogWriter.open(directory: path)
            let start = ContinuousClock.now
            var index = 0
            while index < count {
                let end = min(index + size, count)
                try log.append(Array(inputs[index..<end]))
                index = end
            }
            let seconds = (ContinuousClock.now - start).benchSeconds
            try log.close()
            let perSecond = Double(count) / seconds
            let batchesPerSecond = Double((count + size - 1) / size) / seconds
            print("| \(size) | \(count) | \(frame) B | \(Int(batchesPerSecond)) | \(Int(perSecond)) | "
                + String(format: "%.2f", perSecond * Double(frame) / 1e6) + " |")
        }
    }
}

/// `xsell-bench replay`: reading the log and decoding every payload, on one core.
struct ReplayBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Event log read + binary decode throughput on one core (target >= 500k/s).")

    @Option(help: "Records in the log.") var records: Int = 1_000_000
    @Option(help: "Directory for the temporary log.") var directory: String = NSTemporaryDirectory()
    @Option(help: "Timed passes over the log (the best is reported).") var passes: Int = 3

    func run() async throws {
        let path = directory + "/xsell-bench-replay-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = try EventLogWriter.open(directory: path)
        var index = 0
        while index < records {
            let end = min(index + 10_000, records)
            try log.append(try (index..<end).map(BenchEvents.logRecord))
            index = end
        }
        try log.close()
        let bytes = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".log") }
            .reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: path + "/" + $1)[.size] as? Int) ?? 0) }
        print("| phase | records | log size | records/s | MB/s |")
        print("|---|---|---|---|---|")
        for decode in [false, true] {
            var best = Double.infinity
            for _ in 0..<max(1, passes) {
                let (seconds, checksum) = try pass(path, decode: decode)
                guard checksum == records else { throw ValidationError("read \(checksum) of \(records) records") }
                best = min(best, seconds)
            }
            let perSecond = Double(records) / best
            print("| \(decode ? "read + decode" : "read (CRC checked)") | \(records) | \(bytes / 1_000_000) MB | \(Int(perSecond)) | "
                + String(format: "%.0f", Double(bytes) / best / 1e6) + " |")
        }
    }

    /// One pass over the log with a fresh reader (the files are in the page cache after the first).
    private func pass(_ path: String, decode: Bool) throws -> (seconds: Double, records: Int) {
        let reader = EventLogReader(directory: path)
        let start = ContinuousClock.now
        var position: UInt64 = 0
        var seen = 0
        while true {
            let batch = try reader.read(from: position, limit: 10_000)
            guard let last = batch.last else { break }
            if decode {
                for record in batch {
                    let event = try DomainEvent(binary: record.payload)
                    if event.eventId.isEmpty { throw ValidationError("empty event id at \(record.position)") }
                }
            }
            seen += batch.count
            position = last.position + 1
        }
        return ((ContinuousClock.now - start).benchSeconds, seen)
    }
}
