import EventLog
import Foundation
import KafkaClient
import Metrics
import Synchronization
import XSellCore

/// The metrics a node records, created from one `MetricsFactory` (the process's
/// `MetricsSystem.factory` unless given; tests pass a registry of their own). Names and labels
/// are those of ``MetricName`` and ``MetricLabel``.
public final class NodeMetrics: Sendable {
    let factory: any MetricsFactory
    let logAppend: Metrics.Timer
    let logFsync: Metrics.Timer
    let decision: Metrics.Timer
    let requestToReply: Metrics.Timer
    private let requests: [RequestOutcome: Counter]
    private let arms = Mutex<[ExperimentArm: Int]>([:])
    private let holdoutShare: Gauge

    /// Metrics created by `factory`.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        logAppend = Metrics.Timer(label: MetricName.logAppend, dimensions: [], factory: factory)
        logFsync = Metrics.Timer(label: MetricName.logFsync, dimensions: [], factory: factory)
        decision = Metrics.Timer(label: MetricName.decision, dimensions: [], factory: factory)
        requestToReply = Metrics.Timer(label: MetricName.requestToReply, dimensions: [], factory: factory)
        var requests: [RequestOutcome: Counter] = [:]
        for outcome in RequestOutcome.allCases {
            requests[outcome] = Counter(
                label: MetricName.requests, dimensions: [(MetricLabel.outcome, outcome.rawValue)], factory: factory)
        }
        self.requests = requests
        holdoutShare = Gauge(label: MetricName.holdoutShare, dimensions: [], factory: factory)
    }

    /// Counts `count` events of `topic` appended to the log.
    func ingested(_ count: Int, topic: String) {
        Counter(label: MetricName.eventsIngested, dimensions: [(MetricLabel.topic, topic)], factory: factory)
            .increment(by: count)
    }

    /// Counts one dead letter with `code`.
    func deadLettered(code: String) {
        Counter(label: MetricName.deadLetters, dimensions: [(MetricLabel.code, code)], factory: factory).increment()
    }

    /// Counts one request with `outcome`.
    func request(_ outcome: RequestOutcome) {
        requests[outcome]?.increment()
    }

    /// Counts one decision in `arm` and updates the holdout share.
    func decided(arm: ExperimentArm) {
        Counter(label: MetricName.decisions, dimensions: [(MetricLabel.arm, arm.rawValue)], factory: factory)
            .increment()
        let share = arms.withLock { arms -> Double in
            arms[arm, default: 0] += 1
            return Double(arms[.control, default: 0]) / Double(arms.values.reduce(0, +))
        }
        holdoutShare.record(share)
    }

    /// Records the time from a request's Kafka timestamp (milliseconds) to now, its reply delivered.
    func replied(toRequestCreatedAt created: Int64?) {
        guard let created else { return }
        requestToReply.recordMilliseconds(max(0, WallClock.now().millisecondsSinceEpoch - created))
    }

    /// A gauge of this factory.
    func gauge(_ name: String, _ dimensions: [(String, String)] = []) -> Gauge {
        Gauge(label: name, dimensions: dimensions, factory: factory)
    }

    /// `operations` with every fsync timed into ``MetricName/logFsync``.
    func timing(_ operations: any LogFileOperations) -> any LogFileOperations {
        TimedFileOperations(base: operations, fsync: logFsync)
    }
}

/// Log file operations that time each fsync (an instrumentation decorator: the event log
/// itself knows nothing of metrics).
struct TimedFileOperations: LogFileOperations {
    let base: any LogFileOperations
    let fsync: Metrics.Timer

    func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32, at offset: Int64) throws(SyscallError) {
        try base.write(bytes, to: fd, at: offset)
    }

    func sync(_ fd: Int32) throws(SyscallError) {
        let start = ContinuousClock.now
        defer { fsync.recordInterval(since: start) }
        try base.sync(fd)
    }
}

extension Metrics.Timer {
    /// Records the time since `start`.
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
