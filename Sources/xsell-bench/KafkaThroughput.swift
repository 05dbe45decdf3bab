import Foundation
import KafkaClient
import Synchronization

/// Measures raw client throughput against `bootstrapServers`.
///
/// Produces `messageCount` unkeyed messages of `messageSize` bytes to `topic` (which must exist)
/// fire-and-forget and flushes; then reads every partition of `topic` from the beginning with
/// manual assignment (no group join) until `messageCount` messages arrived. Throws if a delivery
/// fails or nothing arrives for 10 seconds. Returns messages per second for each phase.
func measureKafkaThroughput(
    bootstrapServers: String, topic: String, messageCount: Int, messageSize: Int
) async throws -> (producedPerSecond: Double, consumedPerSecond: Double) {
    let base = KafkaConfiguration(bootstrapServers: bootstrapServers)
    let producer = try KafkaProducer(configuration: base.merging([
        "linger.ms": "5",
        "queue.buffering.max.messages": "1000000",
        "queue.buffering.max.kbytes": "1048576",
    ]), logger: .bench())
    let failures = Atomic(0)
    let payload = [UInt8](repeating: UInt8(ascii: "x"), count: messageSize)
    let clock = ContinuousClock()

    let produceStart = clock.now
    var sent = 0
    while sent < messageCount {
        do {
            try producer.send(OutgoingMessage(topic: topic, key: nil, value: payload)) { result in
                if case .failure = result { failures.add(1, ordering: .relaxed) }
            }
            sent += 1
        } catch let error as KafkaError where error.code == .queueFull {
            try await producer.flush(timeout: .seconds(60))  // backpressure: wait for the queue to drain
        }
    }
    try await producer.close(timeout: .seconds(120))
    let produceTime = clock.now - produceStart
    let failed = failures.load(ordering: .relaxed)
    guard failed == 0 else {
        throw KafkaError(code: .messageTimedOut, message: "\(failed) of \(messageCount) deliveries failed")
    }

    let partitions = try await KafkaAdmin(configuration: base, logger: .bench()).listTopics()[topic] ?? 0
    let consumer = try KafkaConsumer(configuration: base.merging([
        "group.id": "xsell-bench-\(UUID().uuidString)",
        "enable.auto.commit": "false",
        "fetch.wait.max.ms": "10",
    ]), logger: .bench())
    try await consumer.assign((0..<partitions).map { TopicPartitionOffset(topic: topic, partition: Int32($0), offset: .beginning) })
    // Timed from the first message on, so connection set-up and offset lookup are not counted.
    var consumeStart: ContinuousClock.Instant?
    var received = 0
    var firstBatch = 0
    while received < messageCount {
        let batch = try await consumer.poll(maxMessages: 10_000, timeout: .seconds(10))
        guard !batch.isEmpty else {
            throw KafkaError(code: .timedOut, message: "consumed \(received) of \(messageCount), then nothing for 10 s")
        }
        if consumeStart == nil { (consumeStart, firstBatch) = (clock.now, batch.count) }
        received += batch.count
    }
    let consumeTime = clock.now - consumeStart!
    try await consumer.close()
    return (Double(messageCount) / produceTime.benchSeconds, Double(messageCount - firstBatch) / consumeTime.benchSeconds)
}

