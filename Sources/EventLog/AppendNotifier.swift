import Synchronization

/// Publishes the writer's durable end position to same-process readers without polling.
final class AppendNotifier: Sendable {
    private struct Listeners {
        var nextId = 0
        var streams: [Int: AsyncStream<UInt64>.Continuation] = [:]
        var finished = false
    }

    private let end: Atomic<UInt64>
    private let listeners = Mutex(Listeners())

    init(end: UInt64) { self.end = Atomic(end) }

    /// The position after the last durable record.
    var current: UInt64 { end.load(ordering: .acquiring) }

    var isFinished: Bool { listeners.withLock { $0.finished } }

    /// Records a new durable end and wakes every stream.
    func publish(_ value: UInt64) {
        listeners.withLock { state in
            end.store(value, ordering: .releasing)
            for continuation in state.streams.values { continuation.yield(value) }
        }
    }

    /// A stream of end positions: the current one first, then one per publish (the newest
    /// if the consumer falls behind). It finishes when the writer closes.
    func stream() -> AsyncStream<UInt64> {
        let (stream, continuation) = AsyncStream.makeStream(of: UInt64.self, bufferingPolicy: .bufferingNewest(1))
        listeners.withLock { state in
            continuation.yield(end.load(ordering: .acquiring))
            guard !state.finished else {
                continuation.finish()
                return
            }
            let id = state.nextId
            state.nextId += 1
            state.streams[id] = continuation
            continuation.onTermination = { [weak self] _ in
                _ = self?.listeners.withLock { $0.streams.removeValue(forKey: id) }
            }
        }
        return stream
    }

    /// Ends every stream (the writer closed).
    func finish() {
        let streams = listeners.withLock { state in
            state.finished = true
            defer { state.streams = [:] }
            return Array(state.streams.values)
        }
        for continuation in streams { continuation.finish() }
    }
}
