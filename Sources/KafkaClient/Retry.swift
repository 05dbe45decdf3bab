import Logging

/// Exponential backoff between attempts of a retriable Kafka operation.
public struct Backoff: Sendable, Hashable {
    /// The wait before the second attempt.
    public var initial: Duration
    /// The longest wait between two attempts.
    public var maximum: Duration

    /// A backoff from `initial`, doubling up to `maximum`.
    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The wait after failed attempt number `attempt` (1-based).
    public func delay(afterAttempt attempt: Int) -> Duration {
        var delay = initial
        for _ in 1..<max(1, attempt) {
            delay *= 2
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }

    /// Runs `operation` until it succeeds, throws an error that is not a retriable
    /// ``KafkaError``, or the task is cancelled; `onRetry` sees every retried failure first.
    ///
    /// A broker outage makes commits fail with `_WAIT_COORD` or `_TRANSPORT` and sends with
    /// `_MSG_TIMED_OUT` or `_QUEUE_FULL`: all retriable, so a caller keeps going through one.
    public func retrying<T>(
        _ operation: () async throws -> T, onRetry: (KafkaError, _ attempt: Int) -> Void = { _, _ in }
    ) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await operation()
            } catch let error as KafkaError where error.isRetriable && !error.isFatal {
                onRetry(error, attempt)
                try await Task.sleep(for: delay(afterAttempt: attempt))
                attempt += 1
            }
        }
    }
}

extension MessageSink {
    /// Sends `message`, retrying retriable failures (queue full, delivery timed out while a
    /// broker is away) with `backoff`; throws the first non-retriable failure.
    public func sendRetrying(
        _ message: OutgoingMessage, backoff: Backoff = Backoff(), onRetry: (KafkaError, _ attempt: Int) -> Void = { _, _ in }
    ) async throws -> DeliveryReport {
        try await backoff.retrying({ try await send(message) }, onRetry: onRetry)
    }

    /// Sends every message and returns once all are acknowledged, retrying retriable failures
    /// with `backoff` (a broker outage); throws the first failure that is not retriable.
    public func sendAll(_ messages: [OutgoingMessage], backoff: Backoff = Backoff(), logger: Logger? = nil) async throws {
        try await withThrowingTaskGroup(of: DeliveryReport.self) { group in
            for message in messages {
                group.addTask {
                    try await self.sendRetrying(message, backoff: backoff) { error, attempt in
                        if attempt == 1 { logger?.warning("send to \(message.topic) failed, retrying: \(error)") }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
