import Dispatch

/// Runs blocking calls (fsync, file reads) on a serial dispatch queue, never on Swift's
/// cooperative pool (DESIGN property 4).
public struct BlockingQueue: Sendable {
    private let queue: DispatchQueue

    /// A serial queue named `label`.
    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    /// Runs `body` on the queue and resumes with its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
