#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Reads the event log from any position. Safe to use while a writer appends, in this process
/// or another: at the end of the last segment it looks for new records and new segments again.
///
/// A reader made by `EventLogWriter.makeReader()` never reads past the writer's durable end
/// and `waitForMore` wakes on the writer's appends; a reader made with `init(directory:)` may
/// see records that are written but not yet fsynced, and `waitForMore` wakes on inotify events
/// for the directory, so a writer in another process wakes it without polling.
/// Methods block on file I/O; calls on one reader are serialised.
public final class EventLogReader: Sendable {
    /// Where the previous scan ended: a free starting point for the next one.
    private struct Cursor {
        var segment: UInt64
        var byteOffset: Int64
        var position: UInt64
    }

    private struct State {
        var segments: [UInt64] = []
        var indexes: [UInt64: SegmentIndex] = [:]
        var scanner: SegmentScanner?
        var openSegment: UInt64?
        var cursor: Cursor?
        var names = TopicNames()
        var watcher: DirectoryWatcher?
    }

    /// The log directory.
    public let directory: String
    private let notifier: AppendNotifier?
    private let state = Mutex(State())
    private let waitChecks = Atomic<Int>(0)

    /// A reader of the log in `directory`, independent of any writer.
    public convenience init(directory: String) {
        self.init(directory: directory, notifier: nil)
    }

    init(directory: String, notifier: AppendNotifier?) {
        self.directory = directory
        self.notifier = notifier
    }

    deinit {
        state.withLock { state in
            if let fd = state.scanner?.fd { Posix.closeFile(fd) }
            state.watcher?.stop()
        }
    }

    /// Up to `limit` records from `position` on, in order; empty at the end of the log.
    public func read(from position: UInt64, limit: Int) throws -> [LogRecord] {
        let end = notifier?.current ?? UInt64.max
        guard limit > 0, position < end else { return [] }
        let count = min(UInt64(limit), end - position)
        var records: [LogRecord] = []
        records.reserveCapacity(Int(min(count, 65536)))
        try state.withLock { state in
            var names = state.names
            defer { state.names = names }
            _ = try scan(&state, from: position, count: count, verifyFrom: position) { view in
                records.append(names.record(view))
            }
        }
        return records
    }

    /// The position after the last complete, valid record.
    public func endPosition() throws -> UInt64 {
        if let notifier { return notifier.current }
        return try state.withLock { state in
            try scan(&state, from: UInt64.max, count: 0, verifyFrom: 0) { _ in }
        }
    }

    /// Calls `body` with every record from `position` on (at most `limit`), in order, reading
    /// `batchSize` records at a time; `afterBatch` gets the position after each batch.
    /// - Returns: the position after the last record visited.
    @discardableResult
    public func forEachRecord(
        from position: UInt64 = 0, limit: Int = Int.max, batchSize: Int = 8_192,
        afterBatch: (UInt64) -> Void = { _ in }, _ body: (LogRecord) throws -> Void
    ) throws -> UInt64 {
        var next = position
        var remaining = limit
        while remaining > 0 {
            let batch = try read(from: next, limit: min(remaining, batchSize))
            guard let last = batch.last else { break }
            for record in batch { try body(record) }
            remaining -= batch.count
            next = last.position + 1
            afterBatch(next)
        }
        return next
    }

    /// The last `count` records (or fewer): for example the recent event ids for de-duplication.
    public func tail(count: Int) throws -> [LogRecord] {
        let end = try endPosition()
        let start = end - min(UInt64(max(count, 0)), end)
        return try read(from: start, limit: Int(end - start))
    }

    /// Returns once the record at `position` exists (at once if it already does). A writer's
    /// reader wakes on its appends and throws `EventLogError.closed` when the writer closes; a
    /// standalone reader wakes on changes in the directory (inotify, read on a dedicated
    /// thread). Throws `CancellationError` promptly when the task is cancelled.
    ///
    /// Where inotify is unavailable (not Linux, or its per-user limits are exhausted) a
    /// standalone reader checks every `fallbackPollInterval` instead: slower to wake, but a
    /// reader keeps working on a machine that ran out of watches rather than failing.
    public func waitForMore(from position: UInt64) async throws {
        if let notifier {
            for await end in notifier.stream() where end > position { return }
            try Task.checkCancellation()
            throw EventLogError.closed
        }
        while true {
            let watcher = directoryWatcher()
            let seen = watcher?.generation
            waitChecks.add(1, ordering: .relaxed)
            if try endPosition() > position { return }
            if let watcher, let seen, watcher.isRunning {
                try await watcher.wait(after: seen)
            } else {
                try await Task.sleep(for: Self.fallbackPollInterval)
            }
        }
    }

    /// How often `waitForMore` looked for the end of the log (tests check that it does not poll).
    var endChecks: Int { waitChecks.load(ordering: .relaxed) }

    /// How often a standalone reader without inotify looks for new records.
    public static let fallbackPollInterval: Duration = .milliseconds(10)

    /// The directory watcher, started on first use; nil where inotify is unavailable.
    private func directoryWatcher() -> DirectoryWatcher? {
        state.withLock { state in
            if let watcher = state.watcher { return watcher }
            state.watcher = DirectoryWatcher.start(directory: directory)
            return state.watcher
        }
    }

    /// Visits `count` records from `position` (fewer at the end of the log) and returns the
    /// position after the last frame scanned. CRCs are checked from `verifyFrom` on.
    private func scan(
        _ state: inout State, from position: UInt64, count: UInt64, verifyFrom: UInt64,
        _ body: (RecordFrame.View) throws -> Void
    ) throws -> UInt64 {
        if state.segments.isEmpty { state.segments = try SegmentFiles.list(directory) }
        guard !state.segments.isEmpty else { return 0 }
        var segment = state.segments.lastIndex { $0 <= position } ?? 0
        var (byte, next, hinted) = start(&state, segment: state.segments[segment], for: position)
        var remaining = count
        let hintPosition = next
        var recheck: (byteOffset: Int64, fileLength: Int64)?
        while true {
            let base = state.segments[segment]
            let path = SegmentFiles.logPath(directory, base)
            var scanner = try scanner(&state, for: base)
            let stop = try scanner.scan(from: byte, position: next, verifyFrom: verifyFrom) { view, _ in
                if view.position < position { return true }
                try body(view)
                remaining -= 1
                return remaining > 0
            }
            state.scanner = scanner
            (byte, next) = (stop.byteOffset, stop.position)
            if stop.end == .stopped { break }
            if hinted, next == hintPosition {
                (byte, next, hinted) = (0, base, false)  // no record where the index said: start over
                continue
            }
            if segment == state.segments.count - 1 {
                state.segments = try SegmentFiles.list(directory)
                guard segment == state.segments.count - 1 else { continue }  // rolled: finish this one
                if stop.end != .endOfFile {
                    // A writer may have been mid-append when the frame was read: note the file's
                    // length, then read the frame again. Appends become visible as a growing
                    // prefix, so if it is still bad, anything valid after it within that length
                    // was there before the second read: damage, not a record being written.
                    if recheck?.byteOffset != stop.byteOffset {
                        recheck = (stop.byteOffset, try Posix.fileSize(scanner.fd, path: path))
                        continue
                    }
                    if let later = try Recovery.validFrame(
                        after: stop, fd: scanner.fd, path: path, before: recheck?.fileLength)
                    {
                        throw EventLogError.corruption(
                            rule: .corruptionBeforeTail, file: path, byteOffset: stop.byteOffset,
                            detail: "\(stop.end.reason); a valid record (position \(later.position)) follows at byte \(later.byte)")
                    }
                }
                break  // the end for now (a torn or unfinished record is not read)
            }
            if stop.end != .endOfFile {
                throw EventLogError.corruption(
                    rule: .corruptSealedSegment, file: path, byteOffset: stop.byteOffset, detail: stop.end.reason)
            }
            segment += 1
            guard state.segments[segment] == next else {
                throw EventLogError.corruption(
                    rule: .positionGap, file: SegmentFiles.logPath(directory, state.segments[segment]),
                    byteOffset: 0,
                    detail: "segment starts at position \(state.segments[segment]) but the previous one ends at \(next)")
            }
            (byte, hinted) = (0, false)
        }
        state.cursor = Cursor(segment: state.segments[segment], byteOffset: byte, position: next)
        return next
    }

    /// The best known starting point for `position` in segment `base`: the cursor or an index
    /// entry (`hinted`: to be verified, as an index may be stale).
    private func start(_ state: inout State, segment base: UInt64, for position: UInt64)
        -> (byteOffset: Int64, position: UInt64, hinted: Bool)
    {
        var best: (byteOffset: Int64, position: UInt64, hinted: Bool) = (0, base, false)
        if state.indexes[base] == nil,
            let bytes = Posix.readWholeFile(SegmentFiles.indexPath(directory, base)),
            let index = SegmentIndex.decode(bytes), index.basePosition == base
        {
            state.indexes[base] = index
        }
        if let hint = state.indexes[base]?.hint(for: position), hint.byteOffset > 0 {
            best = (hint.byteOffset, hint.position, true)
        }
        if let cursor = state.cursor, cursor.segment == base, cursor.position <= position,
            cursor.position > best.position
        {
            best = (cursor.byteOffset, cursor.position, false)
        }
        return best
    }

    /// The scanner, opened on segment `base`.
    private func scanner(_ state: inout State, for base: UInt64) throws -> SegmentScanner {
        let path = SegmentFiles.logPath(directory, base)
        if var scanner = state.scanner {
            if state.openSegment == base { return scanner }
            Posix.closeFile(scanner.fd)
            state.scanner = nil
            scanner.fd = try Posix.openFile(path, O_RDONLY)
            scanner.path = path
            state.openSegment = base
            return scanner
        }
        let scanner = SegmentScanner(fd: try Posix.openFile(path, O_RDONLY), path: path)
        state.openSegment = base
        return scanner
    }
}
