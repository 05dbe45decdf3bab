/// A node's lifecycle as a state machine: built, then ``Node/start()`` once (restore, subscribe),
/// then ``Node/run(outer:)`` once, then stopped. Transitions return what the node must do, or
/// the misuse, so `run` before `start` (or twice) fails with a clear error instead of serving
/// from a projection that was never restored.
struct NodeLifecycle {
    enum State: Equatable {
        case built, starting, started, running, stopped
    }

    /// What the node does after a failed start.
    enum FailedStartAction: Equatable {
        /// Close the Kafka clients and the log: the node will never run.
        case closeClients
    }

    private(set) var state = State.built

    /// `start()` begins; only once, on a node just built.
    mutating func beginStart() throws(NodeMisuse) {
        guard state == .built else { throw NodeMisuse(call: "start()", state: state) }
        state = .starting
    }

    /// `start()` finished.
    mutating func startSucceeded() {
        precondition(state == .starting)
        state = .started
    }

    /// `start()` failed: the node is stopped and must release what it holds.
    mutating func startFailed() -> FailedStartAction {
        precondition(state == .starting)
        state = .stopped
        return .closeClients
    }

    /// `run()` begins; only once, after a successful `start()`.
    mutating func beginRun() throws(NodeMisuse) {
        guard state == .started else { throw NodeMisuse(call: "run()", state: state) }
        state = .running
    }

    /// `run()` returned or threw, after closing the clients.
    mutating func runEnded() {
        precondition(state == .running)
        state = .stopped
    }
}

/// A ``Node`` method was called out of order.
public struct NodeMisuse: Error, CustomStringConvertible {
    /// The call.
    public let call: String
    let state: NodeLifecycle.State

    public var description: String {
        switch state {
        case .built: "Node.\(call) before start(): start() restores the projection and subscribes first"
        case .starting: "Node.\(call) while start() is still running"
        case .started: "Node.\(call) after start() already succeeded"
        case .running: "Node.\(call) while the node is running"
        case .stopped: "Node.\(call) on a node that has stopped (or failed to start); build a new one"
        }
    }
}
