import EventLog
import Foundation
import Testing

/// A log that does not exist yet, or was just created, is neither an I/O error nor a recovery.
@Suite struct MissingLogTests {
    /// Reading a directory that does not exist names it ("no event log at PATH").
    @Test func missingDirectoryIsNotFound() throws {
        let path = NSTemporaryDirectory() + "eventlog-missing-\(UUID().uuidString)"
        #expect(throws: EventLogError.notFound(directory: path)) { try EventLogReader(directory: path).endPosition() }
        #expect(EventLogError.notFound(directory: path).description.hasPrefix("no event log at \(path) "))
    }

    /// Opening a new directory creates an empty segment and its index without a recovery event;
    /// reopening it is silent too.
    @Test func newLogHasNoRecoveryEvents() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var writer = try EventLogWriter.open(directory: dir.path)
        #expect(writer.recoveryEvents.isEmpty)
        try writer.close()
        writer = try EventLogWriter.open(directory: dir.path)
        #expect(writer.recoveryEvents.isEmpty)
        try writer.close()
    }
}
