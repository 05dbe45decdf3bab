import Dispatch
import Foundation
import Synchronization

/// A dedicated OS thread that runs blocking jobs one at a time, in the order submitted.
///
/// Blocking calls (`rd_kafka_consumer_poll` with a timeout, `rd_kafka_flush`, synchronous
/// commits, `fsync`, log recovery, snapshot loads) run here so they never occupy a thread of
/// Swift's cooperative pool (DESIGN property 4). The thread ends after ``stop()`` or when the
/// last reference to the worker goes; jobs queued before either still run.
public final class BlockingWorker: Sendable {
    /// Thrown by ``run(_:)`` once the worker is stopping.
    public struct Stopped: Error, Sendable, CustomStringConvertible {
        /// The worker's name.
        public var name: String
        public var description: String { "blocking worker \(name) is stopped" }
    }

    private let core: Core

    /// The thread's name.
    public var name: String { core.name }

    /// Starts a thread named `name`.
    public init(name: String) {
        core = Core(name: name)
        let thread = Thread { [core] in core.runLoop() }
        thread.name = name
        thread.start()
    }

    deinit { core.stop() }

    /// Queues `job`; returns `false` (and drops it) once the worker is stopping.
    @discardableResult
    public func submit(_ job: @escaping @Sendable () -> Void) -> Bool { core.submit(job) }

    /// Runs `body` on the worker thread and returns its result to the awaiting task.
    /// - Throws: what `body` throws, or ``Stopped`` once the worker is stopping.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = core.submit { continuation.resume(with: Result { try body() }) }
            if !accepted { continuation.resume(throwing: Stopped(name: core.name)) }
        }
    }

    /// Stops accepting jobs; the thread ends after running the ones already queued.
    public func stop() { core.stop() }

    /// The queue, shared by the handle and the thread (which keeps it alive until it ends).
    private final class Core: Sendable {
        private struct Queue {
            var jobs: [@Sendable () -> Void] = []
            var accepting = true
        }

        let name: String
        private let queue = Mutex(Queue())
        private let wakeup = DispatchSemaphore(value: 0)

        init(name: String) { self.name = name }

        func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
            let accepted = queue.withLock { queue in
                guard queue.accepting else { return false }
                queue.jobs.append(job)
                return true
            }
            if accepted { wakeup.signal() }
            return accepted
        }

        func stop() {
            let wasAccepting = queue.withLock { queue in
                defer { queue.accepting = false }
                return queue.accepting
            }
            if wasAccepting { wakeup.signal() }
        }

        func runLoop() {
            while true {
                wakeup.wait()  // one signal per queued job, plus one for stop()
                let (job, finished) = queue.withLock { queue -> ((@Sendable () -> Void)?, Bool) in
                    queue.jobs.isEmpty ? (nil, !queue.accepting) : (queue.jobs.removeFirst(), false)
                }
                if let job { job() } else if finished { return }
            }
        }
    }
}
