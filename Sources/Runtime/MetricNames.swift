/// Every metric a node exports, in one place (the Prometheus names; docs/operations.md and
/// docs/grafana-dashboard.json use the same). Durations are in seconds, as Prometheus expects.
public enum MetricName {
    /// Counter, label `topic`: events appended (durably) to the event log.
    public static let eventsIngested = "xsell_events_ingested_total"
    /// Counter, label `code`: messages sent to `xsell.deadletter.v1`, by error code.
    public static let deadLetters = "xsell_dead_letters_total"
    /// Histogram: appending one ingest batch to the log, fsync included.
    public static let logAppend = "xsell_log_append_seconds"
    /// Histogram: one fsync of the event log (segment or directory).
    public static let logFsync = "xsell_log_fsync_seconds"
    /// Gauge, labels `role`, `topic`, `partition`: messages between a consumer's position and
    /// the partition's high watermark.
    public static let consumerLag = "xsell_consumer_lag"
    /// Gauge: log records not yet folded into the projection.
    public static let foldLagRecords = "xsell_fold_lag_records"
    /// Gauge: event time between the last record in the log and the last one folded.
    public static let foldLagEventTime = "xsell_fold_lag_event_time_seconds"
    /// Gauge: examples committed to the learners and not learned yet (learning behind the fold).
    public static let unlearnedExamples = "xsell_learning_unlearned_examples"
    /// Counter, label `outcome` (``RequestOutcome``): recommendation requests taken.
    public static let requests = "xsell_requests_total"
    /// Histogram: one decision (the decision flow, for one request).
    public static let decision = "xsell_decision_seconds"
    /// Histogram: from the request's Kafka timestamp to its reply's delivery.
    public static let requestToReply = "xsell_request_reply_seconds"
    /// Counter, label `arm`: decisions made, by experiment arm.
    public static let decisions = "xsell_decisions_total"
    /// Gauge: the share of this node's decisions that put the customer in the holdout.
    public static let holdoutShare = "xsell_holdout_share"
    /// Gauge, labels `offer`, `arm`: labelled (committed) exposures the learners hold.
    public static let labelledExposures = "xsell_offer_labelled_exposures"
    /// Gauge: seconds since the projection snapshot was last written or restored.
    public static let snapshotAge = "xsell_snapshot_age_seconds"
    /// Gauge: records folded since the last snapshot.
    public static let snapshotAgeRecords = "xsell_snapshot_age_records"
    /// Gauge: 1 when the node is ready (`GET /readyz` answers 200), else 0.
    public static let ready = "xsell_ready"
}

/// The label names of ``MetricName``'s metrics.
public enum MetricLabel {
    /// A Kafka topic.
    public static let topic = "topic"
    /// A Kafka partition number.
    public static let partition = "partition"
    /// The node role whose consumer the value is about (`ingest`, `serve`).
    public static let role = "role"
    /// A dead-letter error code.
    public static let code = "code"
    /// A ``RequestOutcome``.
    public static let outcome = "outcome"
    /// An experiment arm (`treatment`, `control`).
    public static let arm = "arm"
    /// An offer id.
    public static let offer = "offer"
}

/// What became of one recommendation request (the `outcome` label of ``MetricName/requests``).
public enum RequestOutcome: String, Sendable, CaseIterable {
    /// Decided: a response with offers (possibly none) was sent.
    case decided
    /// Valid but refused by the flow (unknown channel or flow, say): an error reply was sent.
    case rejected
    /// Unreadable or invalid: an error reply when its request id could be read, and a dead letter.
    case badRequest = "bad_request"
    /// Older than the request time-to-live when read: not answered.
    case expired
}
