import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call's `errno`.
public struct SyscallError: Error, Sendable, Equatable {
    /// The `errno` value.
    public var errno: Int32

    /// Wraps an `errno` value.
    public init(errno: Int32) { self.errno = errno }
}

/// The system calls the writer's durability depends on. The writer calls these for every
/// record write, every fsync and every index replacement (`DurableFileWriter`), so tests can
/// inject failures; `PosixFileOperations` is the real one.
public protocol LogFileOperations: Sendable {
    /// Writes all of `bytes` at `offset` of the open file `fd`.
    func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32, at offset: Int64) throws(SyscallError)
    /// Flushes the file or directory `fd` to stable storage.
    func sync(_ fd: Int32) throws(SyscallError)
    /// Renames `from` to `to`, atomically replacing `to` (`rename(2)`). The default is the real call.
    func rename(_ from: String, to: String) throws(SyscallError)
}

/// `pwrite(2)` and `fsync(2)`.
public struct PosixFileOperations: LogFileOperations {
    /// Creates the real file operations.
    public init() {}

    public func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32, at offset: Int64) throws(SyscallError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw SyscallError(errno: errno)
            }
            done += n
        }
    }

    public func sync(_ fd: Int32) throws(SyscallError) {
        while fsync(fd) != 0 {
            if errno != EINTR { throw SyscallError(errno: errno) }
        }
    }
}

/// Small POSIX helpers for the reading side and for files that are not records.
enum Posix {
    static func openFile(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws(EventLogError) -> Int32 {
        while true {
            let fd = open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw .io(operation: "open", path: path, errno: errno) }
        }
    }

    /// Reads up to `buffer.count` bytes at `offset`; fewer only at end of file.
    static func readAt(
        _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String
    ) throws(EventLogError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "read", path: path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    static func fileSize(_ fd: Int32, path: String) throws(EventLogError) -> Int64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(operation: "fstat", path: path, errno: errno) }
        return Int64(st.st_size)
    }

    static func truncateFile(_ fd: Int32, to length: Int64, path: String) throws(EventLogError) {
        guard ftruncate(fd, off_t(length)) == 0 else { throw .io(operation: "ftruncate", path: path, errno: errno) }
    }

    static func closeFile(_ fd: Int32) {
        _ = close(fd)
    }

    /// The POSIX error code inside a Foundation error (POSIX, or Cocoa's file codes, which
    /// Foundation on Linux throws without the underlying POSIX error), or `EIO`.
    static func errorCode(of error: any Error) -> Int32 {
        let error = error as NSError
        if error.domain == NSPOSIXErrorDomain { return Int32(error.code) }
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain
        {
            return Int32(underlying.code)
        }
        if error.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: error.code) {
            case .fileNoSuchFile, .fileReadNoSuchFile: return ENOENT
            case .fileReadNoPermission, .fileWriteNoPermission: return EACCES
            case .fileWriteFileExists: return EEXIST
            case .fileWriteOutOfSpace: return ENOSPC
            case .fileWriteVolumeReadOnly: return EROFS
            default: break
            }
        }
        return EIO
    }

    static func readWholeFile(_ path: String) -> [UInt8]? {
        try? WholeFile.read(path, maxSize: 1 << 30)
    }
}

/// Whole-file reads for files that are not log records (snapshots, segment indexes).
public enum WholeFile {
    /// The bytes of the file at `path`, read straight into one array (no intermediate copy).
    /// - Throws: `EventLogError.io` if it cannot be opened or read, or is larger than `maxSize`
    ///   or changed size while it was read.
    public static func read(_ path: String, maxSize: Int64 = .max) throws(EventLogError) -> [UInt8] {
        let fd = try Posix.openFile(path, O_RDONLY)
        defer { Posix.closeFile(fd) }
        let size = try Posix.fileSize(fd, path: path)
        guard size <= maxSize else { throw .io(operation: "read", path: path, errno: EFBIG) }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let n = bytes.withUnsafeMutableBytes { buffer in Result { () throws(EventLogError) in try Posix.readAt(fd, into: buffer, at: 0, path: path) } }
        guard try n.get() == Int(size) else { throw .io(operation: "read", path: path, errno: EIO) }
        return bytes
    }
}

extension LogFileOperations {
    /// `rename(2)`, retried on `EINTR`.
    public func rename(_ from: String, to: String) throws(SyscallError) {
        #if canImport(Glibc)
        while Glibc.rename(from, to) != 0 {
            if errno != EINTR { throw SyscallError(errno: errno) }
        }
        #else
        while Darwin.rename(from, to) != 0 {
            if errno != EINTR { throw SyscallError(errno: errno) }
        }
        #endif
    }

    /// Writes all of `bytes` at `offset` of `fd`.
    func write(_ bytes: [UInt8], to fd: Int32, at offset: Int64) throws(SyscallError) {
        var failure: SyscallError?
        bytes.withUnsafeBytes { raw in
            do throws(SyscallError) { try write(raw, to: fd, at: offset) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}
