import Synchronization

/// Who may use a librdkafka handle, as a state machine: while open, every call into the handle
/// holds a lease; ``close(_:)`` stops new leases and lets the closer in once the leases taken
/// before it are returned, so the closer alone flushes and destroys the handle.
///
/// Transitions return what the caller must do (resume a waiting closer, proceed or wait), so a
/// holder keeps the machine under a lock for the transition only and acts outside it: no lock is
/// held across a librdkafka call (the swift-kafka-client pattern).
/// `Closer` is what a waiting closer is resumed through (a continuation in ``HandleGuard``).
struct HandleLifecycle<Closer> {
    enum State {
        /// Calls may take leases; `leases` are out.
        case open(leases: Int)
        /// A close is waiting for the last `leases` to come back.
        case draining(leases: Int, closer: Closer)
        /// The closer owns the handle; no leases.
        case closing
        /// The handle is destroyed.
        case closed
    }

    /// What a closer does after ``close(_:)``.
    enum CloseAction {
        /// Resume the closer now with this value (owner, or not).
        case resume(Bool)
        /// Leases are out; the closer is resumed by the ``release()`` of the last one.
        case wait
    }

    private(set) var state = State.open(leases: 0)

    /// Takes a lease: true while open (call ``release()`` after the call), false once closing.
    mutating func acquire() -> Bool {
        guard case .open(let leases) = state else { return false }
        state = .open(leases: leases + 1)
        return true
    }

    /// Returns a lease; the closer to resume with `true` when it was the last one a close waited for.
    mutating func release() -> Closer? {
        switch state {
        case .open(let leases):
            precondition(leases > 0, "a lease released twice")
            state = .open(leases: leases - 1)
            return nil
        case .draining(let leases, let closer):
            guard leases == 1 else {
                state = .draining(leases: leases - 1, closer: closer)
                return nil
            }
            state = .closing
            return closer
        case .closing, .closed:
            preconditionFailure("a lease released after the handle was drained")
        }
    }

    /// Starts a close: no new leases from here on.
    mutating func close(_ closer: Closer) -> CloseAction {
        switch state {
        case .open(leases: 0):
            state = .closing
            return .resume(true)
        case .open(let leases):
            state = .draining(leases: leases, closer: closer)
            return .wait
        case .draining, .closing, .closed:
            return .resume(false)
        }
    }

    /// The owner of the close destroyed the handle.
    mutating func closed() {
        guard case .closing = state else { preconditionFailure("closed() without owning the close") }
        state = .closed
    }

    /// Whether a close has started (no new leases).
    var isClosing: Bool {
        if case .open = state { return false }
        return true
    }

    /// Whether the handle is destroyed.
    var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }
}

/// A ``HandleLifecycle`` under a lock, for a client class: leases around calls into the handle,
/// and the close that waits for them.
final class HandleGuard: Sendable {
    /// The closer waits here; it resumes with `true` when it owns the close, `false` when an
    /// earlier close already did.
    private typealias Closer = CheckedContinuation<Bool, Never>
    private let machine = Mutex(HandleLifecycle<Closer>())
    private let client: String

    /// A guard for the handle of `client` (`producer`, `consumer`: named in `closed` errors).
    init(client: String) { self.client = client }

    /// Runs `body` with a lease, or throws ``KafkaError/closed(_:)`` once a close has started.
    /// The lock is held only to take and return the lease, not during `body`.
    func withLease<T>(_ body: () throws(KafkaError) -> T) throws(KafkaError) -> T {
        try acquire()
        defer { release() }
        return try body()
    }

    /// Takes a lease, or throws ``KafkaError/closed(_:)`` once a close has started; call
    /// ``release()`` when done with the handle.
    func acquire() throws(KafkaError) {
        guard machine.withLock({ $0.acquire() }) else { throw KafkaError.closed(client) }
    }

    /// Returns a lease taken by ``acquire()``.
    func release() {
        machine.withLock { $0.release() }?.resume(returning: true)
    }

    /// Starts a close and waits until the leases taken before it are returned; true when this
    /// caller owns the close (and must call ``closed()`` once the handle is destroyed).
    func beginClose() async -> Bool {
        await withCheckedContinuation { (closer: Closer) in
            switch machine.withLock({ $0.close(closer) }) {
            case .resume(let owner): closer.resume(returning: owner)
            case .wait: break
            }
        }
    }

    /// The owner of the close destroyed the handle.
    func closed() { machine.withLock { $0.closed() } }

    /// Whether a close has started.
    var isClosing: Bool { machine.withLock { $0.isClosing } }

    /// Whether the handle is destroyed.
    var isClosed: Bool { machine.withLock { $0.isClosed } }
}
