import BlockingThreads
import EventLog
import Foundation
import Logging
import Projection
import ServiceLifecycle
import Synchronization
import XSellCore

/// Keeps the projection up to date with the event log: restores the latest valid snapshot,
/// folds the tail, follows new records, and writes snapshots periodically and at shutdown.
/// The fold itself is pure (`ProjectionState.apply`); this type only feeds it and guards it.
public final class ProjectionRunner: Service, Sendable {
    /// A caller of ``waitUntilApplied(_:)`` waiting for a position.
    private struct Waiter {
        var id: UInt64
        var position: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct Progress {
        var applied: UInt64 = 0
        var waiters: [Waiter] = []
        var lastWaiterId: UInt64 = 0
        /// Why the runner stopped folding, once it has (then every wait fails with it).
        var stopped: ProjectionStopped?
        /// Event time of the last record folded.
        var lastFoldedEventTime: Timestamp?
        /// When and at which position the snapshot was last written or restored.
        var snapshot: (at: ContinuousClock.Instant, position: UInt64)?
        /// Whether ``restore()`` has finished.
        var restored = false
    }

    /// How many examples one learning slice may learn, adapted so that a slice holds the
    /// state for about ``LearningSlice/target`` (see `learnSlice`).
    private struct LearningSlice {
        static let target = Duration.milliseconds(5)
        var budget = 16
        /// Examples committed and not learned yet, after the last slice.
        var unlearned = 0
    }

    private let state: Mutex<ProjectionState>
    private let progress = Mutex(Progress())
    private let learning = Mutex(LearningSlice())
    private static let batchSize = 4_096
    /// Records folded per hold of the state lock: a request's ``view(customerId:)`` waits for
    /// at most this many, not for a whole read batch.
    static let foldChunk = 128
    private let reader: EventLogReader
    private let snapshots: SnapshotStore
    private let snapshotEvery: UInt64
    private let disk = BlockingWorker(name: "xsell.projection.read")
    private let logger: Logger

    /// A runner over `reader`, with snapshots in `snapshotDirectory` every `snapshotEvery` records.
    public init(
        config: XSellConfig, reader: EventLogReader, snapshotDirectory: String, snapshotEvery: UInt64 = 100_000,
        logger: Logger
    ) {
        self.state = Mutex(ProjectionState(config: config))
        self.reader = reader
        self.snapshots = SnapshotStore(directory: snapshotDirectory)
        self.snapshotEvery = snapshotEvery
        self.logger = logger
    }

    /// Restores the latest valid snapshot (a bad or stale one is ignored) and folds the log to its end.
    public func restore() async throws {
        do {
            try await restoreAndCatchUp()
        } catch {
            stop(because: error)
            throw error
        }
    }

    private func restoreAndCatchUp() async throws {
        let fresh = state.withLock { $0 }
        let started = ContinuousClock.now
        // Finding the log's end and reading a snapshot are disk work: on the runner's disk thread.
        let restoredSnapshot = try await disk.run { [snapshots, reader, logger] in
            snapshots.load(matching: fresh, logEnd: try reader.endPosition(), logger: logger)
        }
        if let restored = restoredSnapshot {
            state.withLock { $0 = restored.state }
            progress.withLock {
                $0.applied = restored.position
                $0.snapshot = (.now, restored.position)
            }
            let seconds = Double((ContinuousClock.now - started).wholeMilliseconds) / 1000
            logger.info("projection restored from snapshot at position \(restored.position) in \(seconds) s")
        }
        while try await applyNextBatch() > 0 {}
        progress.withLock { $0.restored = true }
    }

    /// Follows the log until shut down, then writes a final snapshot. However it ends (shut
    /// down, cancelled, or failed on a record it cannot fold), waiters still waiting are
    /// resumed with ``ProjectionStopped`` rather than left waiting for positions it will never fold.
    public func run() async throws {
        do {
            try await follow()
            stop(because: nil)
        } catch {
            stop(because: error)
            throw error
        }
    }

    private func follow() async throws {
        var lastSnapshot = applied
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if try await applyNextBatch() == 0 {
                // Nothing new: learn what is left, a slice at a time (new records come first).
                if state.withLock({ learnSlice(&$0) }) > 0 { continue }
                do {
                    try await cancelWhenGracefulShutdown { [reader, applied] in
                        try await reader.waitForMore(from: applied)
                    }
                } catch is CancellationError where Task.isShuttingDownGracefully {
                    break
                }
            }
            if applied - lastSnapshot >= snapshotEvery {
                try await writeSnapshot()
                lastSnapshot = applied
            }
        }
        try await writeSnapshot()
        let (position, digest) = state.withLock { ($0.nextPosition, $0.stateDigest) }
        logger.notice("projection stopped at position \(position), state digest \(FNV1a64.hex(digest))")
    }

    /// FNV-1a 64 of the settled state, as `xsell replay` prints it: replicas that folded the
    /// same events report the same digest.
    public var stateDigest: UInt64 { state.withLock { $0.stateDigest } }

    /// The log position up to which the projection has folded.
    public var applied: UInt64 { progress.withLock { $0.applied } }

    /// What operators watch: how far the fold is, and how old the snapshot is.
    public struct Status: Sendable {
        /// The log position up to which the projection has folded.
        public var applied: UInt64
        /// Event time of the last record folded.
        public var lastFoldedEventTime: Timestamp?
        /// Time since the snapshot was last written or restored (nil: none yet).
        public var snapshotAge: Duration?
        /// Records folded since then (all of them when there is no snapshot yet).
        public var recordsSinceSnapshot: UInt64
        /// Whether the restore at start-up (snapshot, then the log to its end) has finished.
        public var restored: Bool
        /// Examples committed to the learners and not learned yet: how far learning is behind
        /// the fold (estimates come from models that have not seen them).
        public var unlearnedExamples: Int
    }

    /// The current ``Status``.
    public var status: Status {
        let unlearned = learning.withLock { $0.unlearned }
        return progress.withLock { p in
            Status(
                applied: p.applied, lastFoldedEventTime: p.lastFoldedEventTime,
                snapshotAge: p.snapshot.map { ContinuousClock.now - $0.at },
                recordsSinceSnapshot: p.applied - (p.snapshot?.position ?? 0), restored: p.restored,
                unlearnedExamples: unlearned)
        }
    }

    /// The log this runner folds.
    var log: EventLogReader { reader }

    /// A consistent view for one decision about `customerId`.
    public func view(customerId: String) -> ProjectionView {
        state.withLock { $0.view(customerId: customerId) }
    }

    /// Runs `body` on the current state (for reports).
    public func withState<T>(_ body: (borrowing ProjectionState) -> T) -> T {
        state.withLock { body($0) }
    }

    /// Returns once everything that is in the log now has been folded (read-your-writes of ingested events).
    public func catchUp() async throws {
        let target = try await disk.run { [reader] in try reader.endPosition() }
        try await waitUntilApplied(target)
    }

    /// Returns once the projection has folded every record before `position`.
    /// - Throws: `CancellationError` when the calling task is cancelled while it waits, and
    ///   ``ProjectionStopped`` when the runner has stopped (shut down or failed) short of it.
    public func waitUntilApplied(_ position: UInt64) async throws {
        let id = progress.withLock { p -> UInt64 in
            p.lastWaiterId += 1
            return p.lastWaiterId
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let now = progress.withLock { p -> Result<Void, any Error>? in
                    if p.applied >= position { return .success(()) }
                    if let stopped = p.stopped { return .failure(stopped) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    p.waiters.append(Waiter(id: id, position: position, continuation: continuation))
                    return nil
                }
                if let now { continuation.resume(with: now) }
            }
        } onCancel: {
            let waiter = progress.withLock { p in p.waiters.firstIndex { $0.id == id }.map { p.waiters.remove(at: $0) } }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Records why the runner stopped and fails every waiter with it.
    private func stop(because error: (any Error)?) {
        let stopped = error as? ProjectionStopped ?? ProjectionStopped(position: applied, cause: error.map { "\($0)" })
        let waiters = progress.withLock { p -> [Waiter] in
            p.stopped = stopped
            defer { p.waiters = [] }
            return p.waiters
        }
        for waiter in waiters { waiter.continuation.resume(throwing: stopped) }
    }

    /// Folds the next batch of records; returns how many were folded.
    private func applyNextBatch() async throws -> Int {
        let from = applied
        let records = try await disk.run { [reader] in try reader.read(from: from, limit: Self.batchSize) }
        guard !records.isEmpty else { return 0 }
        // Folds the records before one it cannot decode, then stops on that one.
        var events: [(DomainEvent, UInt64)] = []
        events.reserveCapacity(records.count)
        var undecodable: ProjectionStopped?
        for record in records {
            do {
                events.append((try DomainEvent(binary: record.payload), record.position))
            } catch {
                undecodable = .undecodable(record, error)
                break
            }
        }
        for start in stride(from: 0, to: events.count, by: Self.foldChunk) {
            let chunk = events[start..<Swift.min(start + Self.foldChunk, events.count)]
            state.withLock { state in
                for (event, position) in chunk { state.apply(event, position: position) }
            }
            published(chunk.last!)
        }
        if let undecodable { throw undecodable }
        return records.count
    }

    /// Publishes that everything up to `last` is folded and resumes the waiters it satisfies.
    private func published(_ last: (event: DomainEvent, position: UInt64)) {
        let resumed = progress.withLock { p -> [CheckedContinuation<Void, any Error>] in
            p.applied = last.position + 1
            p.lastFoldedEventTime = last.event.occurredAt
            let due = p.waiters.filter { $0.position <= p.applied }.map(\.continuation)
            p.waiters.removeAll { $0.position <= p.applied }
            return due
        }
        for continuation in resumed { continuation.resume() }
    }

    /// Learns one slice of what the learners have not learned yet (`ProjectionState.learn`),
    /// sized so that it holds the state about ``LearningSlice/target``: the fold and the request
    /// path never wait for learning longer than that. The runner learns only when it has
    /// nothing to fold (the fold comes first: features and holdings must be current), so
    /// learning takes the time the fold leaves (``Status/unlearnedExamples`` shows how far
    /// behind it is).
    /// - Returns: how many examples it learned.
    private func learnSlice(_ state: inout ProjectionState) -> Int {
        let budget = learning.withLock { $0.budget }
        let started = ContinuousClock.now
        let learned = state.learn(budget: budget)
        let took = ContinuousClock.now - started
        let unlearned = state.unlearnedExamples
        learning.withLock { slice in
            slice.unlearned = unlearned
            guard learned > 0 else { return }
            let perExample = took / learned
            let fit = perExample > .zero ? Int(LearningSlice.target / perExample) : 4_096
            slice.budget = Swift.min(4_096, Swift.max(1, (slice.budget + fit) / 2))
        }
        return learned
    }

    /// Learns everything the learners have not learned yet, a slice at a time (for a caller
    /// that must measure or read settled learners right after `restore()`: the fold bench).
    public func learnUntilSettled() async {
        while state.withLock({ learnSlice(&$0) }) > 0 { await Task.yield() }
    }

    /// Writes a snapshot of the state now (also done every `snapshotEvery` records and at shutdown).
    public func writeSnapshot() async throws {
        let (snapshot, position) = state.withLock { ($0, $0.nextPosition) }
        try await disk.run { [snapshots] in try snapshots.save(snapshot, position: position) }
        progress.withLock { $0.snapshot = (.now, position) }
        logger.info("projection snapshot written at position \(position)")
    }
}

/// The projection runner stopped folding (shut down, or failed on a record it could not fold):
/// what a wait for a later position gets instead of waiting for ever.
public struct ProjectionStopped: Error, CustomStringConvertible {
    /// The position it had folded up to.
    public var position: UInt64
    /// Why it stopped (`nil`: shut down).
    public var cause: String?

    public var description: String {
        "the projection stopped at log position \(position)" + (cause.map { ": \($0)" } ?? " (shut down)")
    }

    /// A record the fold cannot decode: the log is corrupt (written by a bug or edited), so the
    /// runner stops rather than skip an event the state must reflect.
    static func undecodable(_ record: LogRecord, _ error: any Error) -> ProjectionStopped {
        ProjectionStopped(
            position: record.position,
            cause: "cannot decode the log record at position \(record.position) (\(record.topic)[\(record.partition)]@\(record.offset), event \(record.eventId)): \(error)")
    }
}
