#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces whole files so that a crash leaves either the old content or the new, never a mix:
/// write a temporary file next to the target, fsync it, rename it over the target, fsync the
/// directory (so the rename itself is durable). Every write, fsync and rename goes through
/// `operations`, so tests can inject failures; the real ones retry on `EINTR`.
///
/// The event log writes its segment indexes with it; any other metadata file (a snapshot, a
/// checkpoint) should too.
public struct DurableFileWriter: Sendable {
    /// The system calls used.
    public let operations: any LogFileOperations

    /// A writer using `operations` (the real system calls by default).
    public init(operations: any LogFileOperations = PosixFileOperations()) {
        self.operations = operations
    }

    /// The temporary file `replace(_:with:)` writes before renaming it to `path`.
    public static func temporaryPath(for path: String) -> String { path + ".tmp" }

    /// Durably replaces (or creates) the file at `path` with `bytes`. When it throws, the file
    /// at `path` is unchanged unless the error names the directory fsync (the rename happened
    /// but may not survive a crash); the temporary file is removed on a failed write or rename.
    /// - Throws: `EventLogError.io` naming the failed operation ("open", "write", "fsync",
    ///   "rename") and the file.
    public func replace(_ path: String, with bytes: [UInt8]) throws(EventLogError) {
        let temporary = Self.temporaryPath(for: path)
        let fd = try Posix.openFile(temporary, O_WRONLY | O_CREAT | O_TRUNC)
        do throws(EventLogError) {
            defer { Posix.closeFile(fd) }
            try call("write", temporary) { () throws(SyscallError) in try operations.write(bytes, to: fd, at: 0) }
            try call("fsync", temporary) { () throws(SyscallError) in try operations.sync(fd) }
            try call("rename", path) { () throws(SyscallError) in try operations.rename(temporary, to: path) }
        } catch {
            _ = unlink(temporary)
            throw error
        }
        let directory = Self.directory(of: path)
        let directoryFd = try Posix.openFile(directory, O_RDONLY | O_DIRECTORY)
        defer { Posix.closeFile(directoryFd) }
        try call("fsync", directory) { () throws(SyscallError) in try operations.sync(directoryFd) }
    }

    private func call(_ operation: String, _ path: String, _ body: () throws(SyscallError) -> Void) throws(EventLogError) {
        do throws(SyscallError) { try body() } catch {
            throw .io(operation: operation, path: path, errno: error.errno)
        }
    }

    /// The directory holding `path` ("." for a bare file name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
