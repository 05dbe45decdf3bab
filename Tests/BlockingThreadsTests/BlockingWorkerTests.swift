import BlockingThreads
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Synchronization
import Testing

@Suite struct BlockingWorkerTests {
    @Test func runsJobsInOrderOnOneDedicatedThread() async throws {
        let worker = BlockingWorker(name: "test-worker")
        let order = Mutex<[Int]>([])
        for i in 0..<20 { worker.submit { order.withLock { $0.append(i) } } }
        let first = try await worker.run { pthread_self() }
        let second = try await worker.run { pthread_self() }
        #expect(order.withLock { $0 } == Array(0..<20))
        #expect(first == second)
        worker.stop()
    }

    @Test func runReturnsWhatTheBodyThrows() async throws {
        struct Boom: Error {}
        let worker = BlockingWorker(name: "test-throws")
        await #expect(throws: Boom.self) { try await worker.run { throw Boom() } }
        worker.stop()
    }

    @Test func aStoppedWorkerRefusesJobsButRunsTheQueuedOnes() async throws {
        let worker = BlockingWorker(name: "test-stop")
        let ran = Mutex(0)
        let refused = Mutex(false)
        let gate = DispatchSemaphore(value: 0)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            worker.submit { gate.wait() }  // holds the thread until the worker is stopped
            for _ in 0..<3 { worker.submit { ran.withLock { $0 += 1 } } }
            worker.submit { continuation.resume() }
            worker.stop()
            refused.withLock { $0 = !worker.submit {} }
            gate.signal()
        }
        #expect(ran.withLock { $0 } == 3)
        #expect(refused.withLock { $0 })
        await #expect(throws: BlockingWorker.Stopped.self) { try await worker.run { 1 } }
    }

    /// The thread holds only the queue, so dropping the last reference ends it after its jobs.
    @Test func droppingTheLastReferenceStillRunsQueuedJobs() async throws {
        let ran = Mutex(false)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let worker = BlockingWorker(name: "test-drop")
            worker.submit {
                ran.withLock { $0 = true }
                continuation.resume()
            }
        }
        #expect(ran.withLock { $0 })
    }
}
