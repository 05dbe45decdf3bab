/// A wait in a test did not finish in time.
public struct TestTimeout: Error, CustomStringConvertible {
    /// What was awaited, and for how long.
    public let description: String

    /// A timeout described by `description`.
    public init(description: String) { self.description = description }
}

/// Runs `body`, or throws ``TestTimeout`` once `timeout` passes first (the body is then
/// cancelled). The one timeout helper of the suites: a deadline, never synchronisation.
public func withTimeout<T: Sendable>(
    _ timeout: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)  // a deadline, not synchronisation
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw TestTimeout(description: "timed out after \(timeout) waiting for \(what)")
        }
        return value
    }
}
