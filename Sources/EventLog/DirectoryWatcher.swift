#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Wakes waiting tasks when a file in a directory is created, written or renamed into it, by
/// any process: inotify(7) read on a dedicated thread that blocks in `poll(2)`, never on Swift's
/// cooperative pool. A change only bumps `generation`; callers re-check what they wait for.
///
/// Lifecycle: `start` opens the inotify instance and the thread; `stop()` (idempotent) wakes
/// the thread through a pipe and resumes every waiter; the descriptors close when the last
/// reference (the thread's or the owner's) goes.
final class DirectoryWatcher: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
        var nextWaiter = 0
        var stopped = false
    }

    private let state = Mutex(State())
    private let inotifyFd: Int32
    private let stopRead: Int32
    private let stopWrite: Int32

    /// Watches `directory`, or returns nil when inotify is unavailable (not Linux, or the
    /// `fs.inotify.max_user_instances` / `max_user_watches` limits are exhausted).
    static func start(directory: String) -> DirectoryWatcher? {
        #if canImport(Glibc)
        let fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { return nil }
        let mask = UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF)
        var pipeFds: [Int32] = [-1, -1]
        guard inotify_add_watch(fd, directory, mask) >= 0, pipe(&pipeFds) == 0 else {
            _ = close(fd)
            return nil
        }
        for end in pipeFds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let watcher = DirectoryWatcher(inotifyFd: fd, stopRead: pipeFds[0], stopWrite: pipeFds[1])
        let thread = Thread { watcher.runLoop() }
        thread.name = "eventlog-watch"
        thread.start()
        return watcher
        #else
        return nil
        #endif
    }

    private init(inotifyFd: Int32, stopRead: Int32, stopWrite: Int32) {
        self.inotifyFd = inotifyFd
        self.stopRead = stopRead
        self.stopWrite = stopWrite
    }

    /// Changes seen so far. Read it before checking the directory, then pass it to `wait`.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// Returns once `generation` differs from `seen` or the watcher stopped. Throws
    /// `CancellationError` promptly when the task is cancelled.
    func wait(after seen: UInt64) async throws {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if state.generation != seen || state.stopped { return .success(()) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    /// Ends the thread and releases every waiter.
    func stop() {
        let wasRunning = state.withLock { state in
            defer { state.stopped = true }
            return !state.stopped
        }
        guard wasRunning else { return }
        var byte: UInt8 = 1
        while write(stopWrite, &byte, 1) < 0, errno == EINTR {}
        wakeAll()
    }

    private func wakeAll() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Blocks in `poll` until inotify reports changes (drained, their content unused) or `stop()`.
    private func runLoop() {
        var fds = [
            pollfd(fd: inotifyFd, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stopRead, events: Int16(POLLIN), revents: 0),
        ]
        var buffer = [UInt8](repeating: 0, count: 4096)
        loop: while true {
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if fds[1].revents != 0 { break }
            guard fds[0].revents != 0 else { continue }
            while true {
                let n = buffer.withUnsafeMutableBytes { read(inotifyFd, $0.baseAddress, $0.count) }
                if n > 0 { continue }
                if n < 0, errno == EINTR { continue }
                if n < 0, errno != EAGAIN { break loop }
                break
            }
            wakeAll()
        }
        stop()  // after a poll or read failure: waiters re-check and fall back to polling
    }

    deinit {  // the thread holds the watcher until its loop ends, so no call races these
        _ = close(inotifyFd)
        _ = close(stopRead)
        _ = close(stopWrite)
    }

    /// Whether the watcher still reports changes.
    var isRunning: Bool { state.withLock { !$0.stopped } }
}
