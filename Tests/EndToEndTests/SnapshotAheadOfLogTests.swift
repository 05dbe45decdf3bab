import EventLog
import Foundation
import Logging
import Projection
@testable import Runtime
import Testing
import XSellCore

/// Issue 9 item 8: a snapshot that reflects more records than the log holds (the log was
/// restored from an older backup, or cut) is rejected; trusting it would make the projection
/// skip the log's next records up to the snapshot's position.
@Suite("Projection restore: a snapshot ahead of the log")
struct SnapshotAheadOfLogTests {
    @Test func snapshotPastTheLogsEndIsIgnored() async throws {
        let events = ReportFixtures.handComputedExperiment()
        let full = ReportFixtures.dataDirectory("snap-full")
        let cut = ReportFixtures.dataDirectory("snap-cut")
        defer {
            try? FileManager.default.removeItem(atPath: full)
            try? FileManager.default.removeItem(atPath: cut)
        }
        let logger = Logger(label: "snapshot-test") { _ in SwiftLogNoOpLogHandler() }
        let config = try ReportFixtures.config()
        try ReportFixtures.writeLog(events, dataDirectory: full)
        let kept = events.count / 2
        try ReportFixtures.writeLog(Array(events.prefix(kept)), dataDirectory: cut)

        // A snapshot of the whole log, placed next to the cut one.
        let whole = ProjectionRunner(
            config: config, reader: EventLogReader(directory: full + "/log"), snapshotDirectory: full + "/snapshots",
            logger: logger)
        try await whole.restore()
        #expect(whole.applied == UInt64(events.count))
        let state = whole.withState { copy $0 }
        try SnapshotStore(directory: cut + "/snapshots").save(state, position: whole.applied)

        let restored = ProjectionRunner(
            config: config, reader: EventLogReader(directory: cut + "/log"), snapshotDirectory: cut + "/snapshots",
            logger: logger)
        try await restored.restore()
        let rebuilt = ProjectionRunner(
            config: config, reader: EventLogReader(directory: cut + "/log"), snapshotDirectory: cut + "/no-snapshots",
            logger: logger)
        try await rebuilt.restore()
        #expect(restored.applied == UInt64(kept))
        #expect(restored.withState { $0.stateDigest } == rebuilt.withState { $0.stateDigest })
    }
}
