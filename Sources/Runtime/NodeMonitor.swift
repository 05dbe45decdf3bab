import BlockingThreads
import EventLog
import Foundation
import KafkaClient
import Logging
import Learning
import Metrics
import Projection
import ServiceLifecycle
import XSellCore

/// Samples a node a few times a second: consumer lag, fold lag, snapshot age and the learners'
/// labelled exposures go to the gauges, and the readiness conditions to ``NodeHealth``. The
/// first time the node is ready it calls `onReady` (the CLI prints its "ready" line there, so
/// the line and `GET /readyz` agree).
final class NodeMonitor: Service, Sendable {
    /// A consumer whose lag is watched, with the role it serves.
    struct WatchedConsumer: Sendable {
        var role: String
        var consumer: KafkaConsumer
    }

    private let ingest: WatchedConsumer?
    private let serve: WatchedConsumer?
    private let projection: ProjectionRunner?
    private let rules: ReadinessRules
    private let health: NodeHealth
    private let metrics: NodeMetrics
    private let interval: Duration
    private let onReady: @Sendable () -> Void
    private let logger: Logger
    private let disk = BlockingWorker(name: "xsell.monitor")

    init(
        ingest: WatchedConsumer?, serve: WatchedConsumer?, projection: ProjectionRunner?, rules: ReadinessRules,
        health: NodeHealth, metrics: NodeMetrics, interval: Duration = .milliseconds(200), logger: Logger,
        onReady: @escaping @Sendable () -> Void
    ) {
        self.ingest = ingest
        self.serve = serve
        self.projection = projection
        self.rules = rules
        self.health = health
        self.metrics = metrics
        self.interval = interval
        self.logger = logger
        self.onReady = onReady
    }

    func run() async throws {
        var announced = false
        var ready = false
        var exposuresAt: UInt64?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let fold = try await sampleFold()
            let readiness = rules.evaluate(ReadinessRules.Facts(
                recovered: projection?.status.restored ?? true,
                ingestLag: ingest.map(sampleLag), serveLag: serve.map(sampleLag), foldLag: fold), wasReady: ready)
            if readiness.isReady != ready && announced {
                logger.notice(readiness.isReady ? "ready again" : "not ready: \(readiness.unmet.joined(separator: "; "))")
            }
            ready = readiness.isReady
            health.update(readiness)
            metrics.gauge(MetricName.ready).record(readiness.isReady ? 1 : 0)
            if readiness.isReady && !announced {
                announced = true
                logger.info("ready")
                onReady()
            }
            if let projection, projection.applied != exposuresAt {
                exposuresAt = projection.applied
                recordExposures(projection)
            }
            try? await Task.sleep(for: interval)  // a sampling period, not a synchronisation
        }
    }

    /// Lag per partition of one consumer, recorded in the gauges; keyed "topic/partition".
    private func sampleLag(_ watched: WatchedConsumer) -> [String: Int64?] {
        var lags: [String: Int64?] = [:]
        for (partition, lag) in watched.consumer.lag() {
            lags["\(partition.topic)/\(partition.partition)"] = lag
            if let lag {
                metrics.gauge(MetricName.consumerLag, [
                    (MetricLabel.role, watched.role), (MetricLabel.topic, partition.topic),
                    (MetricLabel.partition, String(partition.partition)),
                ]).record(lag)
            }
        }
        return lags
    }

    /// Fold lag (records, and event time between the log's last record and the last folded)
    /// and snapshot age; returns the records not folded, nil when the node does not serve.
    private func sampleFold() async throws -> UInt64? {
        guard let projection else { return nil }
        let status = projection.status
        let reader = projection.log
        let (end, lastEventTime) = try await disk.run { () throws -> (UInt64, Timestamp?) in
            let end = try reader.endPosition()
            guard end > status.applied, let last = try reader.read(from: end - 1, limit: 1).first else {
                return (end, nil)
            }
            // A record that does not decode is the projection's to report (it stops on it).
            return (end, try? DomainEvent(binary: last.payload).occurredAt)
        }
        let behind = end > status.applied ? end - status.applied : 0
        metrics.gauge(MetricName.foldLagRecords).record(Int64(behind))
        var eventTimeLag = 0.0
        if behind > 0, let last = lastEventTime {
            let folded = status.lastFoldedEventTime?.millisecondsSinceEpoch ?? last.millisecondsSinceEpoch
            eventTimeLag = Double(max(0, last.millisecondsSinceEpoch - folded)) / 1000
        }
        metrics.gauge(MetricName.foldLagEventTime).record(eventTimeLag)
        if let age = status.snapshotAge {
            metrics.gauge(MetricName.snapshotAge).record(Double(age.components.seconds))
        }
        metrics.gauge(MetricName.snapshotAgeRecords).record(Int64(status.recordsSinceSnapshot))
        metrics.gauge(MetricName.unlearnedExamples).record(Int64(status.unlearnedExamples))
        return behind
    }

    /// The learners' labelled exposures per offer and arm (the experiment report's counts).
    private func recordExposures(_ projection: ProjectionRunner) {
        var byOffer: [String: ArmCounts] = [:]
        for row in projection.withState({ $0.experimentReport() }) {
            byOffer[row.offerId, default: ArmCounts()].treated += row.counts.treated
            byOffer[row.offerId, default: ArmCounts()].control += row.counts.control
        }
        for (offer, counts) in byOffer {
            for (arm, count) in [(ExperimentArm.treatment, counts.treated), (.control, counts.control)] {
                metrics.gauge(MetricName.labelledExposures, [(MetricLabel.offer, offer), (MetricLabel.arm, arm.rawValue)])
                    .record(Int64(count))
            }
        }
    }
}
