import KafkaClient
import Logging
import Synchronization
import XSellCore

/// Holds back the requests of a newly assigned request partition until this replica's
/// projection has folded every `decision.made.v1` that was in Kafka when the partition was
/// assigned, so contact caps, holdings and read-your-writes hold across a rebalance or a crash:
/// the decisions the previous owner made are counted before the next one is made, and a
/// request the previous owner already answered is found in the log (idempotent requests).
///
/// Requests of partition *p* are about customers whose decisions are in `decision.made.v1`
/// partition *p* (every topic is keyed by `customerId` and has the same partition count,
/// guide §1). The handover of *p*:
/// 1. reads the high watermark *h* of `decision.made.v1`[*p*] (what is in Kafka now);
/// 2. waits until this replica's ingest group has committed an offset ≥ *h* there (ingest
///    commits only what is durable in the log, dead-lettered or skipped as a duplicate);
/// 3. waits until the projection has folded the log to its end.
///
/// Meanwhile the partition is paused and the messages already fetched are held in order; once
/// ready they are released ahead of anything fetched later. A partition that is revoked drops
/// its held messages (their offsets were not stored: the next owner reads them again).
///
/// Only `admit` (the worker's poll loop) pauses and resumes partitions: a handover that
/// finishes marks its partition for resuming, and the next `admit` resumes it. So a pause can
/// never land after the resume of the same partition and leave a ready partition paused for
/// good (it did, once, when a handover finished between `admit`'s lock and its pause call).
final class RequestHandover: Sendable {
    private enum Phase {
        case waiting(generation: Int, held: [KafkaMessage], task: Task<Void, Never>)
        case ready
    }

    private struct State {
        var phases: [Int32: Phase] = [:]
        var released: [KafkaMessage] = []
        /// Partitions whose handover finished since the last `admit`: it resumes them (always:
        /// librdkafka may keep a partition paused across a revoke and a new assignment).
        var toResume: Set<Int32> = []
        var generation = 0
    }

    private let consumer: any GroupMessageSource
    private let ingestProgress: any PartitionProgressSource
    private let projection: ProjectionRunner
    private let logger: Logger
    private let state = Mutex(State())

    /// A handover for the request partitions of `consumer` (the worker's group member).
    /// `ingestProgress` is a consumer whose `group.id` is this replica's ingest group; it only
    /// asks for watermarks and committed offsets and never joins the group.
    init(consumer: any GroupMessageSource, ingestProgress: any PartitionProgressSource, projection: ProjectionRunner, logger: Logger) {
        self.consumer = consumer
        self.ingestProgress = ingestProgress
        self.projection = projection
        self.logger = logger
    }

    /// Brings the handovers in line with the consumer's current assignment, holds the messages
    /// of partitions still handing over, and returns what may be answered now: the held
    /// messages of partitions that became ready, then those of `polled` on ready partitions.
    func admit(_ polled: [KafkaMessage]) -> [KafkaMessage] {
        let assigned = Set(consumer.assignment.filter { $0.topic == XSellTopic.requested.rawValue }.map(\.partition))
        var toPause: Set<Int32> = []
        var toResume: Set<Int32> = []
        var revoked: [Int32] = []
        var added: [Int32] = []
        let admitted = state.withLock { state -> [KafkaMessage] in
            for (partition, phase) in state.phases where !assigned.contains(partition) {
                if case .waiting(_, _, let task) = phase { task.cancel() }
                state.phases[partition] = nil
                revoked.append(partition)
            }
            toResume = state.toResume.filter { if case .ready? = state.phases[$0] { true } else { false } }
            state.toResume = []
            for partition in assigned where state.phases[partition] == nil {
                added.append(partition)
                state.generation += 1
                let generation = state.generation
                let task = Task { await self.handOver(partition, generation: generation) }
                state.phases[partition] = .waiting(generation: generation, held: [], task: task)
            }
            var out = state.released
            state.released = []
            for message in polled {
                switch state.phases[message.partition] {
                case .ready:
                    out.append(message)
                case .waiting(let generation, var held, let task):
                    held.append(message)
                    state.phases[message.partition] = .waiting(generation: generation, held: held, task: task)
                    toPause.insert(message.partition)
                case nil:
                    break  // no longer assigned: the next owner reads it again
                }
            }
            return out
        }
        if !revoked.isEmpty || !added.isEmpty {
            logger.info("request partitions: \(assigned.sorted()) (revoked \(revoked.sorted()), assigned \(added.sorted()))")
        }
        if !toPause.isEmpty { pauseOrResume(toPause, pause: true) }
        if !toResume.isEmpty { pauseOrResume(toResume, pause: false) }
        return admitted
    }

    /// Cancels the handovers in progress (the worker is stopping).
    func stop() {
        state.withLock { state in
            for case .waiting(_, _, let task) in state.phases.values { task.cancel() }
            state.phases = [:]
        }
    }

    /// Waits for the conditions of the type's documentation, retrying Kafka errors, then
    /// marks the partition ready (the next `admit` resumes it).
    private func handOver(_ partition: Int32, generation: Int) async {
        let decisions = TopicPartition(topic: XSellTopic.decision.rawValue, partition: partition)
        let clock = ContinuousClock()
        let started = clock.now
        var lastNotice = started
        while !Task.isCancelled {
            do {
                let high = try await ingestProgress.highWatermark(decisions)
                while !Task.isCancelled {
                    let committed = high == 0 ? 0 : try await ingestProgress.committedOffsets([decisions])[decisions] ?? 0
                    if committed >= high { break }
                    if clock.now - lastNotice >= .seconds(5) {
                        lastNotice = clock.now
                        logger.notice(
                            "request partition \(partition) waits for this replica's ingest group to commit \(decisions)@\(high) (at \(committed)); is `xsell ingest` running with the same --instance-id?")
                    }
                    try await Task.sleep(for: .milliseconds(20))  // another process's commit: nothing to await
                }
                try await projection.catchUp()
                break
            } catch is CancellationError {
                return
            } catch {
                logger.warning("handover of request partition \(partition): \(error); retrying")
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        guard !Task.isCancelled else { return }
        let ready = state.withLock { state -> Bool in
            guard case .waiting(generation, let held, _)? = state.phases[partition] else { return false }
            state.phases[partition] = .ready
            state.released.append(contentsOf: held)
            state.toResume.insert(partition)
            return true
        }
        guard ready else { return }
        logger.info("request partition \(partition) handed over in \(clock.now - started)")
    }

    private func pauseOrResume(_ partitions: Set<Int32>, pause: Bool) {
        let list = partitions.sorted().map { TopicPartition(topic: XSellTopic.requested.rawValue, partition: $0) }
        do {
            if pause { try consumer.pause(list) } else { try consumer.resume(list) }
        } catch {
            // Revoked meanwhile (the next assignment starts unpaused) or closing.
            logger.debug("\(pause ? "pause" : "resume") \(list): \(error)")
        }
    }
}
