import EventLog
import Foundation
import Synchronization
import Testing

/// Real file operations that fail the chosen call with `EIO`.
final class FailingFileOperations: LogFileOperations {
    enum Call: Sendable { case write, sync, rename }

    private let failing = Mutex<Call?>(nil)
    private let real = PosixFileOperations()

    /// Makes every later `call` fail (nil: none).
    func fail(_ call: Call?) { failing.withLock { $0 = call } }

    func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32, at offset: Int64) throws(SyscallError) {
        if failing.withLock({ $0 }) == .write { throw SyscallError(errno: EIO) }
        try real.write(bytes, to: fd, at: offset)
    }

    func sync(_ fd: Int32) throws(SyscallError) {
        if failing.withLock({ $0 }) == .sync { throw SyscallError(errno: EIO) }
        try real.sync(fd)
    }

    func rename(_ from: String, to: String) throws(SyscallError) {
        if failing.withLock({ $0 }) == .rename { throw SyscallError(errno: EIO) }
        try real.rename(from, to: to)
    }
}

@Suite struct FailureInjectionTests {
    @Test(arguments: [FailingFileOperations.Call.write, .sync], [false, true])
    func failedBatchIsNotDurable(call: FailingFileOperations.Call, rollsSegment: Bool) throws {
        try withTemporaryDirectory { dir in
            let operations = FailingFileOperations()
            let options = EventLogOptions(segmentBytes: rollsSegment ? 600 : 1 << 20, fileOperations: operations)
            let writer = try EventLogWriter.open(directory: dir.path, options: options)
            try writer.append(sampleRecords(0..<2))
            let offsets = writer.highestOffsets()
            operations.fail(call)

            let error = #expect(throws: EventLogError.self) { try writer.append(sampleRecords(2..<5)) }
            guard case let .io(operation, _, errno) = error else {
                Issue.record("unexpected \(String(describing: error))")
                return
            }
            #expect(operation == (call == .write ? "write" : "fsync"))
            #expect(errno == EIO)
            #expect(writer.nextPosition == 2)
            #expect(writer.highestOffsets() == offsets)
            #expect(try writer.makeReader().read(from: 0, limit: 10).count == 2)

            operations.fail(nil)
            #expect(throws: EventLogError.self) { try writer.append(sampleRecords(2..<3)) }
            try writer.close()

            // What survived is decided by recovery; every record read back is intact.
            let reopened = try EventLogWriter.open(directory: dir.path)
            let records = try readAll(reopened.makeReader())
            #expect(records.map(\.input) == sampleRecords(0..<records.count))
            #expect(records.count >= 2)
            try reopened.append(sampleRecords(records.count..<(records.count + 1)))
            try reopened.close()
        }
    }
}
