import KafkaClient
import Synchronization

/// A group member's source in memory: hands out the batches a test queues, one per poll, and
/// records the offsets stored (in order) and whether the member committed and left.
final class ScriptedSource: GroupMessageSource {
    private struct State {
        var batches: [[KafkaMessage]] = []
        var waiting: CheckedContinuation<Void, Never>?
        var stored: [KafkaMessage] = []
        var commits = 0
        var left = false
        var paused: Set<TopicPartition> = []
    }

    private let state = Mutex(State())
    let assignment: Set<TopicPartition>
    /// Every offset stored, as it is stored.
    let storedOffsets: AsyncStream<KafkaMessage>
    private let storedContinuation: AsyncStream<KafkaMessage>.Continuation

    /// A member assigned `assignment` from the start.
    init(assignment: Set<TopicPartition>) {
        self.assignment = assignment
        (storedOffsets, storedContinuation) = AsyncStream.makeStream()
    }

    /// Queues a batch for a later poll.
    func enqueue(_ batch: [KafkaMessage]) {
        let waiting = state.withLock { state in
            state.batches.append(batch)
            defer { state.waiting = nil }
            return state.waiting
        }
        waiting?.resume()
    }

    /// The next queued batch, or after `timeout` without one, none (like a consumer's poll).
    func poll(maxMessages: Int, timeout: Duration) async throws -> [KafkaMessage] {
        if let batch = takeBatch() { return batch }
        // Wake on the next enqueue, or give up at the poll timeout like librdkafka does.
        let timer = Task {
            try? await Task.sleep(for: timeout)  // the poll's own timeout, not test synchronisation
            let waiting = state.withLock { state in
                defer { state.waiting = nil }
                return state.waiting
            }
            waiting?.resume()
        }
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if !state.batches.isEmpty { return true }
                state.waiting = continuation
                return false
            }
            if ready { continuation.resume() }
        }
        timer.cancel()
        return takeBatch() ?? []  // like librdkafka's poll, not cancellable: the caller checks
    }

    private func takeBatch() -> [KafkaMessage]? {
        state.withLock { state in state.batches.isEmpty ? nil : state.batches.removeFirst() }
    }

    func storeOffset(for message: KafkaMessage) throws {
        state.withLock { $0.stored.append(message) }
        storedContinuation.yield(message)
    }

    func commit(timeout: Duration) async throws { state.withLock { $0.commits += 1 } }

    func leaveGroup(timeout: Duration) async throws { state.withLock { $0.left = true } }

    func pause(_ partitions: [TopicPartition]) throws { state.withLock { $0.paused.formUnion(partitions) } }

    func resume(_ partitions: [TopicPartition]) throws { state.withLock { $0.paused.subtract(partitions) } }

    /// The offsets stored so far, in order.
    var stored: [KafkaMessage] { state.withLock { $0.stored } }

    /// Whether the member committed and left the group.
    var committedAndLeft: Bool { state.withLock { $0.commits > 0 && $0.left } }
}

/// Another group's progress with nothing to wait for: every partition is empty.
struct EmptyPartitions: PartitionProgressSource {
    func highWatermark(_ partition: TopicPartition, timeout: Duration) async throws -> Int64 { 0 }
    func committedOffsets(_ partitions: [TopicPartition], timeout: Duration) async throws -> [TopicPartition: Int64] { [:] }
}

/// A sink in memory: acknowledges every send at once, except sends for which `held` is true,
/// which wait until ``release()``. Publishes every acknowledged message.
final class GatedSink: MessageSink {
    private struct State {
        var released = false
        var holding: [CheckedContinuation<Void, Never>] = []
        var offset: Int64 = 0
    }

    private let state = Mutex(State())
    private let held: @Sendable (OutgoingMessage) -> Bool
    /// Every message acknowledged, as it is acknowledged.
    let acknowledged: AsyncStream<OutgoingMessage>
    private let acknowledgedContinuation: AsyncStream<OutgoingMessage>.Continuation
    /// How many sends are waiting for ``release()``, each time one starts waiting.
    let heldCounts: AsyncStream<Int>
    private let heldContinuation: AsyncStream<Int>.Continuation

    init(holding held: @escaping @Sendable (OutgoingMessage) -> Bool) {
        self.held = held
        (acknowledged, acknowledgedContinuation) = AsyncStream.makeStream()
        (heldCounts, heldContinuation) = AsyncStream.makeStream()
    }

    func send(_ message: OutgoingMessage) async throws -> DeliveryReport {
        if held(message) {
            await withCheckedContinuation { continuation in
                let (released, count) = state.withLock { state -> (Bool, Int) in
                    if !state.released { state.holding.append(continuation) }
                    return (state.released, state.holding.count)
                }
                if released { continuation.resume() } else { heldContinuation.yield(count) }
            }
        }
        let offset = state.withLock { state in
            defer { state.offset += 1 }
            return state.offset
        }
        acknowledgedContinuation.yield(message)
        return DeliveryReport(topic: message.topic, partition: 0, offset: offset)
    }

    /// Lets the held sends (and any later ones) through.
    func release() {
        let holding = state.withLock { state in
            state.released = true
            defer { state.holding = [] }
            return state.holding
        }
        for continuation in holding { continuation.resume() }
    }
}
