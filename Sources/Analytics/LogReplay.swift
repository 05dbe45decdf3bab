import EventLog
import Projection
import XSellCore

/// Offline folds of the event log for the analyst commands (`xsell replay`, `uplift`,
/// `experiment`, `backtest`): read every record from position 0, decode it and hand it on.
/// No snapshot is used, so the result depends on the log alone.
public enum LogReplay {
    /// How far a scan has got, for progress reports.
    public struct Progress: Sendable, Equatable {
        /// Records read so far.
        public var read: UInt64
        /// The log's end position when the scan started.
        public var end: UInt64
    }

    /// The result of rebuilding the projection.
    public struct Result: Sendable {
        /// The settled state.
        public var state: ProjectionState
        /// Records read from the log.
        public var records: UInt64
        /// Records folded (the others occurred after `until`).
        public var folded: UInt64
        /// The `until` bound of the replay, if any.
        public var until: Timestamp?
    }

    /// Calls `body` with every record of the log in `directory`, decoded, in log order.
    /// `progress` is called after every batch of `batchSize` records.
    /// - Throws: an `EventLogError` from the log, or ``UndecodableRecord`` for a payload that
    ///   does not decode (the log is then damaged: `xsell log verify` says where).
    public static func forEachEvent(
        directory: String, batchSize: Int = 8_192, progress: (Progress) -> Void = { _ in },
        _ body: (DomainEvent, UInt64) throws -> Void
    ) throws {
        let reader = EventLogReader(directory: directory)
        let end = try reader.endPosition()
        try reader.forEachRecord(
            batchSize: batchSize, afterBatch: { progress(Progress(read: $0, end: max(end, $0))) }
        ) { record in
            let event: DomainEvent
            do {
                event = try DomainEvent(binary: record.payload)
            } catch {
                throw UndecodableRecord(position: record.position, reason: "\(error)")
            }
            try body(event, record.position)
        }
    }

    /// Rebuilds the projection of `config` from the log in `directory` and settles it.
    ///
    /// With `until`, only events whose `occurredAt ≤ until` are folded. The log's order is
    /// arrival order, not event time (a backfill or a late conversion sits after newer
    /// events), so the replay reads the whole log and skips later events rather than stopping
    /// at the first one: the state is the one the fold gives for exactly the events that had
    /// happened by `until`, whatever their arrival order.
    public static func rebuild(
        config: XSellConfig, directory: String, until: Timestamp? = nil, progress: (Progress) -> Void = { _ in }
    ) throws -> Result {
        var state = ProjectionState(config: config)
        var records: UInt64 = 0
        var folded: UInt64 = 0
        try forEachEvent(directory: directory, progress: progress) { event, position in
            records += 1
            if let until, event.occurredAt > until { return }
            state.apply(event, position: position)
            folded += 1
        }
        state.settle()
        return Result(state: state, records: records, folded: folded, until: until)
    }
}

/// A log record whose payload is not a domain event.
public struct UndecodableRecord: Error, CustomStringConvertible {
    /// Its log position.
    public var position: UInt64
    /// What the decoder said.
    public var reason: String

    /// Describes the record.
    public var description: String { "log record \(position) does not decode: \(reason)" }
}
