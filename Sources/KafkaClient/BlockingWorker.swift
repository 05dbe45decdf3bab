import Dispatch
import Foundation
import Synchronization

/// A dedicated OS thread that runs blocking jobs one at a time.
///
/// Blocking librdkafka calls (`rd_kafka_consumer_poll` with a timeout, `rd_kafka_flush`,
/// synchronous commits, `rd_kafka_destroy`) run here so they never occupy a thread of Swift's
/// cooperative pool. The thread lives until ``stop()``; jobs queued before it still run.
final class BlockingWorker: Sendable {
    private struct Queue {
        var jobs: [@Sendable () -> Void] = []
        var accepting = true
    }

    private let name: String
    private let queue = Mutex(Queue())
    private let wakeup = DispatchSemaphore(value: 0)

    /// Starts the thread. It holds a reference to the worker until it ends after ``stop()``.
    init(name: String) {
        self.name = name
        let thread = Thread { [self] in runLoop() }
        thread.name = name
        thread.start()
    }

    /// Queues `job`; returns `false` (and drops it) once the worker is stopping.
    @discardableResult
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        let accepted = queue.withLock { queue in
            guard queue.accepting else { return false }
            queue.jobs.append(job)
            return true
        }
        if accepted { wakeup.signal() }
        return accepted
    }

    /// Runs `body` on the worker thread and returns its result to the awaiting task.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = submit { continuation.resume(with: Result { try body() }) }
            if !accepted { continuation.resume(throwing: KafkaError.closed(name)) }
        }
    }

    /// Stops accepting jobs; the thread ends after running the ones already queued.
    func stop() {
        let wasAccepting = queue.withLock { queue in
            defer { queue.accepting = false }
            return queue.accepting
        }
        if wasAccepting { wakeup.signal() }
    }

    private func runLoop() {
        while true {
            wakeup.wait()  // one signal per queued job, plus one for stop()
            let (job, finished) = queue.withLock { queue -> ((@Sendable () -> Void)?, Bool) in
                queue.jobs.isEmpty ? (nil, !queue.accepting) : (queue.jobs.removeFirst(), false)
            }
            if let job { job() } else if finished { return }
        }
    }
}
