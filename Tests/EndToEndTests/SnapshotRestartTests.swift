import Analytics
import EventLog
import Foundation
import Logging
import Projection
import Runtime
import Synchronization
import Testing
import XSellCore

/// Restarting a `ProjectionRunner` from the snapshots on disk.
@Suite struct SnapshotRestartTests {
    @Test func aSnapshotOfAnotherFormatVersionIsRejectedWithALogLineAndTheStateIsRebuilt() async throws {
        let data = ReportFixtures.dataDirectory("snapshot-version")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let events = ReportFixtures.handComputedExperiment()
        try ReportFixtures.writeLog(events, dataDirectory: data)
        let config = try ReportFixtures.config()
        let cold = try LogReplay.rebuild(config: config, directory: data + "/log").state
        // A snapshot at the log's end whose content is not the log's (so loading it by mistake
        // would show), stamped with the next format version.
        var foreign = ProjectionState(config: config)
        foreign.apply(ReportFixtures.profile("other", customer: "someone-else", at: 0, [:]), position: UInt64(events.count - 1))
        var bytes = ProjectionSnapshot.encode(foreign)
        let version = ProjectionSnapshot.formatVersion &+ 1
        bytes[4] = UInt8(truncatingIfNeeded: version)
        bytes[5] = UInt8(truncatingIfNeeded: version >> 8)
        let directory = data + "/snapshots"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + String(format: "projection-%020llu.snapshot", UInt64(events.count))
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))

        let capture = LogCapture()
        let runner = ProjectionRunner(
            config: config, reader: EventLogReader(directory: data + "/log"), snapshotDirectory: directory,
            logger: Logger(label: "snapshot-test") { _ in capture })
        try await runner.restore()
        let expected = "ignoring a snapshot; rebuilding from the log "
            + "error=snapshot format version \(version), expected \(ProjectionSnapshot.formatVersion) path=\(path)"
        #expect(capture.messages.contains(expected), "\(capture.messages)")
        #expect(runner.withState { $0.stateDigest } == cold.stateDigest)
        #expect(runner.withState { $0.customer("someone-else") } == nil)
        #expect(runner.applied == UInt64(events.count))
    }
}

/// A log handler that keeps every message (warning and above) for the test to read, each
/// followed by its metadata as ` key=value` in key order.
final class LogCapture: LogHandler, @unchecked Sendable {
    private let lines = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .warning

    var messages: [String] { lines.withLock { $0 } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let context = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        lines.withLock { $0.append("\(event.message)" + context) }
    }
}
