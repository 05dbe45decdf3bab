#if canImport(Glibc)
import Glibc
#endif
import EventLog
import Foundation
import KafkaClient
import Logging
import Projection

/// Projection snapshots on disk: `projection-<position>.snapshot`, written to a temporary file,
/// fsynced, renamed into place, and the directory fsynced. A snapshot is an optimisation only:
/// one that does not decode (format version, checksum, other configuration) is ignored.
struct SnapshotStore: Sendable {
    let directory: String
    /// How many snapshots are kept.
    let keep = 2

    /// A state restored from disk and the log position it reflects.
    struct Restored {
        var state: ProjectionState
        var position: UInt64
    }

    /// The newest snapshot that decodes, matches `fresh`'s settings and is not past
    /// `logEnd` (a snapshot ahead of the log, say after the log was restored from an older
    /// backup, would make the projection skip the records up to its position), or nil.
    func load(matching fresh: ProjectionState, logEnd: UInt64, logger: Logger) -> Restored? {
        for (position, path) in files().reversed() {
            guard position <= logEnd else {
                logger.warning(
                    "ignoring snapshot \(path): it reflects \(position) records but the log holds \(logEnd); rebuilding from the log")
                continue
            }
            do {
                // Read straight into one array: no Data, no second copy of a large snapshot.
                let state = try ProjectionSnapshot.decode(try WholeFile.read(path), settings: fresh.settings)
                return Restored(state: state, position: position)
            } catch {
                logger.warning(
                    "ignoring a snapshot; rebuilding from the log",
                    metadata: [LogMetadataKey.path: "\(path)", LogMetadataKey.error: "\(error)"])
            }
        }
        return nil
    }

    /// Writes `state`, which reflects the log before `position`, durably; prunes old snapshots.
    func save(_ state: ProjectionState, position: UInt64) throws {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let bytes = ProjectionSnapshot.encode(state)
        let name = String(format: "projection-%020llu.snapshot", position)
        try DurableFileWriter().replace(directory + "/" + name, with: bytes)
        for (_, path) in files().dropLast(keep) { unlink(path) }
    }

    /// Snapshot files sorted by position.
    private func files() -> [(UInt64, String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name -> (UInt64, String)? in
            guard name.hasPrefix("projection-"), name.hasSuffix(".snapshot"),
                let position = UInt64(name.dropFirst("projection-".count).dropLast(".snapshot".count))
            else { return nil }
            return (position, directory + "/" + name)
        }.sorted { $0.0 < $1.0 }
    }
}
