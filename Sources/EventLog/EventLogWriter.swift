import Foundation
import Synchronization

/// The append side of the event log: one writer per directory, enforced by a lock file.
///
/// `append` returns only after the batch is on stable storage (fsync). Calls block on disk
/// I/O: run them on a dedicated thread, not on Swift's cooperative pool. After a failed write
/// or fsync the writer refuses further appends (`EventLogError.writerFailed`); reopen the log,
/// whose recovery decides what survived, and consult `highestOffsets()`.
public final class EventLogWriter: Sendable {
    private struct State {
        var directoryFd: Int32
        var lockFd: Int32
        var segmentFd: Int32
        var segmentBase: UInt64
        var segmentLength: Int64
        var index: IndexBuilder
        var nextPosition: UInt64
        var highestOffsets: [TopicPartitionKey: Int64]
        var failure: String?
        var isClosed = false
    }

    /// The log directory.
    public let directory: String
    /// What recovery found and repaired when the log was opened.
    public let recoveryEvents: [RecoveryEvent]
    private let options: EventLogOptions
    private let notifier: AppendNotifier
    private let state: Mutex<State>

    /// Opens (creating if needed) the log in `directory`, running recovery (`RecoveryRule`).
    /// Throws `EventLogError.corruption` when the log must not be opened.
    public static func open(directory: String, options: EventLogOptions = EventLogOptions()) throws -> EventLogWriter {
        guard options.segmentBytes >= RecordFrame.minimumFrameSize, options.segmentBytes <= 1 << 31 else {
            throw EventLogError.invalidOptions("segmentBytes must be between 33 bytes and 2 GiB")
        }
        guard options.indexIntervalBytes > 0 else {
            throw EventLogError.invalidOptions("indexIntervalBytes must be positive")
        }
        do {
            // Owner only: the log holds customer data.
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw EventLogError.io(operation: "mkdir", path: directory, errno: Posix.errorCode(of: error))
        }
        let lockPath = directory + "/" + SegmentFiles.lockName
        let lockFd = try Posix.openFile(lockPath, O_RDWR | O_CREAT)
        guard lockExclusively(lockFd) else {
            Posix.closeFile(lockFd)
            throw EventLogError.locked(directory: directory)
        }
        var directoryFd: Int32 = -1
        do {
            directoryFd = try Posix.openFile(directory, O_RDONLY | O_DIRECTORY)
            if try SegmentFiles.list(directory).isEmpty {
                Posix.closeFile(try Posix.openFile(SegmentFiles.logPath(directory, 0), O_RDWR | O_CREAT))
                try sync(directoryFd, directory, options.fileOperations)
            }
            let log = try Recovery.run(
                directory: directory, indexInterval: options.indexIntervalBytes, operations: options.fileOperations)
            let base = log.segments.last ?? 0
            let segmentFd = try Posix.openFile(SegmentFiles.logPath(directory, base), O_RDWR)
            return EventLogWriter(
                directory: directory, options: options, events: log.events,
                state: State(
                    directoryFd: directoryFd, lockFd: lockFd, segmentFd: segmentFd, segmentBase: base,
                    segmentLength: log.lastSegmentLength, index: log.lastIndex, nextPosition: log.nextPosition,
                    highestOffsets: log.highestOffsets))
        } catch {
            if directoryFd >= 0 { Posix.closeFile(directoryFd) }
            Posix.closeFile(lockFd)
            throw error
        }
    }

    private init(directory: String, options: EventLogOptions, events: [RecoveryEvent], state: State) {
        self.directory = directory
        self.options = options
        self.recoveryEvents = events
        self.notifier = AppendNotifier(end: state.nextPosition)
        self.state = Mutex(state)
    }

    deinit {
        state.withLock { state in
            guard !state.isClosed else { return }
            Posix.closeFile(state.segmentFd)
            Posix.closeFile(state.directoryFd)
            Posix.closeFile(state.lockFd)
        }
        notifier.finish()
    }

    /// The position the next appended record will get; every record before it is durable.
    public var nextPosition: UInt64 { notifier.current }

    /// The highest Kafka offset in the log per topic and partition (computed by recovery,
    /// kept up to date by `append`). Ingest resumes each partition after these offsets.
    public func highestOffsets() -> [TopicPartitionKey: Int64] {
        state.withLock { $0.highestOffsets }
    }

    /// A stream of `nextPosition` values: the current one at once, then one after each
    /// durable append. Finishes when the writer closes. For same-process tail readers.
    public func endPositions() -> AsyncStream<UInt64> { notifier.stream() }

    /// A reader of this log that never reads past `nextPosition` and waits for appends
    /// through this writer without polling.
    public func makeReader() -> EventLogReader {
        EventLogReader(directory: directory, notifier: notifier)
    }

    /// Appends `records`, fsyncs once (plus once per segment rolled), and returns their
    /// positions; nil for an empty batch. When it throws, the batch is not durable.
    @discardableResult
    public func append(_ records: [LogRecordInput]) throws -> ClosedRange<UInt64>? {
        guard !records.isEmpty else { return nil }
        let sizes = try records.map { record throws(EventLogError) in try RecordFrame.frameSize(of: record) }
        let range = try state.withLock { state throws -> ClosedRange<UInt64> in
            if state.isClosed { throw EventLogError.closed }
            if let failure = state.failure { throw EventLogError.writerFailed(failure) }
            do {
                return try write(records, sizes: sizes, state: &state)
            } catch let error as EventLogError {
                state.failure = error.description
                try? Posix.truncateFile(state.segmentFd, to: state.segmentLength, path: segmentPath(state))
                throw error
            }
        }
        notifier.publish(range.upperBound + 1)
        return range
    }

    /// Writes the active segment's index, closes the files and releases the lock.
    public func close() throws {
        let result: Result<Void, any Error> = state.withLock { state in
            guard !state.isClosed else { return .success(()) }
            state.isClosed = true
            defer {
                Posix.closeFile(state.segmentFd)
                Posix.closeFile(state.directoryFd)
                Posix.closeFile(state.lockFd)
            }
            guard state.failure == nil else { return .success(()) }
            return Result { try Recovery.writeIndex(index(state, end: state.nextPosition), directory: directory, operations: options.fileOperations) }
        }
        notifier.finish()
        try result.get()
    }

    private func write(_ records: [LogRecordInput], sizes: [Int], state: inout State) throws(EventLogError)
        -> ClosedRange<UInt64>
    {
        let first = state.nextPosition
        var position = first
        var buffer: [UInt8] = []
        buffer.reserveCapacity(min(sizes.reduce(0, +), options.segmentBytes))
        for (record, size) in zip(records, sizes) {
            let used = state.segmentLength + Int64(buffer.count)
            if used > 0, used + Int64(size) > Int64(options.segmentBytes) {
                try flush(&buffer, state: &state)
                try roll(at: position, state: &state)
            }
            state.index.add(
                relativePosition: position - state.segmentBase,
                byteOffset: state.segmentLength + Int64(buffer.count), frameSize: size)
            RecordFrame.append(record, position: position, bodySize: size - RecordFrame.headerSize, to: &buffer)
            position += 1
        }
        try flush(&buffer, state: &state)
        for record in records {
            let key = TopicPartitionKey(topic: record.topic, partition: record.partition)
            if let known = state.highestOffsets[key], known >= record.offset { continue }
            state.highestOffsets[key] = record.offset
        }
        state.nextPosition = position
        return first...(position - 1)
    }

    /// Writes `buffer` at the end of the active segment and fsyncs it.
    private func flush(_ buffer: inout [UInt8], state: inout State) throws(EventLogError) {
        guard !buffer.isEmpty else { return }
        let path = segmentPath(state)
        do throws(SyscallError) {
            try options.fileOperations.write(buffer, to: state.segmentFd, at: state.segmentLength)
        } catch {
            throw .io(operation: "write", path: path, errno: error.errno)
        }
        try Self.sync(state.segmentFd, path, options.fileOperations)
        state.segmentLength += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Seals the active segment (writing its index) and starts one at `position`.
    private func roll(at position: UInt64, state: inout State) throws(EventLogError) {
        try Recovery.writeIndex(index(state, end: position), directory: directory, operations: options.fileOperations)
        let path = SegmentFiles.logPath(directory, position)
        let fd = try Posix.openFile(path, O_RDWR | O_CREAT | O_EXCL)
        Posix.closeFile(state.segmentFd)
        state.segmentFd = fd
        state.segmentBase = position
        state.segmentLength = 0
        state.index = IndexBuilder(interval: options.indexIntervalBytes)
        try Self.sync(state.directoryFd, directory, options.fileOperations)
    }

    /// The active segment's index, for records before `end`.
    private func index(_ state: State, end: UInt64) -> SegmentIndex {
        SegmentIndex(
            basePosition: state.segmentBase, segmentLength: state.segmentLength,
            recordCount: end - state.segmentBase, entries: state.index.entries)
    }

    private func segmentPath(_ state: State) -> String { SegmentFiles.logPath(directory, state.segmentBase) }

    private static func sync(_ fd: Int32, _ path: String, _ operations: any LogFileOperations) throws(EventLogError) {
        do throws(SyscallError) { try operations.sync(fd) } catch {
            throw .io(operation: "fsync", path: path, errno: error.errno)
        }
    }
}

/// Takes the exclusive `flock` of the log's lock file; false when another writer holds it.
///
/// A writer that just closed can still appear to hold the lock for a moment: a process
/// spawned meanwhile (by any thread of this process) shares the open lock file until its
/// `exec` closes it (`O_CLOEXEC`). So a refusal is retried for up to half a second; a live
/// writer holds the lock far longer and is still refused.
private func lockExclusively(_ fd: Int32) -> Bool {
    for attempt in 0..<50 {
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
        guard errno == EWOULDBLOCK || errno == EINTR else { return false }
        if attempt < 49 { usleep(10_000) }
    }
    return false
}
