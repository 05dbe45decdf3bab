#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors of the event log. Every case says which file and, for corruption, which byte.
public enum EventLogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// There is no log directory at this path.
    case notFound(directory: String)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// The log is damaged in a way recovery must not repair (see `RecoveryRule`).
    case corruption(rule: RecoveryRule, file: String, byteOffset: Int64, detail: String)
    /// Another writer holds the log directory's lock.
    case locked(directory: String)
    /// A record is larger than the format allows.
    case recordTooLarge(bytes: Int, limit: Int)
    /// The topic or event id is longer than 65,535 UTF-8 bytes.
    case fieldTooLong(field: String, bytes: Int)
    /// Options are out of range.
    case invalidOptions(String)
    /// An earlier write or fsync failed; the writer accepts no more appends. Reopen the log.
    case writerFailed(String)
    /// The writer was closed.
    case closed

    public var description: String {
        switch self {
        case let .notFound(directory):
            "no event log at \(directory) (`xsell run` or `xsell ingest` creates it; is --data-dir right?)"
        case let .io(operation, path, errno):
            "event log: \(operation) failed on \(path): \(String(cString: strerror(errno))) (errno \(errno))"
        case let .corruption(rule, file, byteOffset, detail):
            "event log corrupt: \(file) at byte \(byteOffset): \(detail) [\(rule.rawValue): \(rule.action)]"
        case let .locked(directory):
            "event log: \(directory) is locked by another writer"
        case let .recordTooLarge(bytes, limit):
            "event log: record of \(bytes) bytes exceeds the limit of \(limit) bytes"
        case let .fieldTooLong(field, bytes):
            "event log: \(field) of \(bytes) UTF-8 bytes exceeds 65535 bytes"
        case let .invalidOptions(message):
            "event log: invalid options: \(message)"
        case let .writerFailed(cause):
            "event log: writer unusable after an earlier failure (\(cause)); reopen the log"
        case .closed:
            "event log: writer is closed"
        }
    }
}
