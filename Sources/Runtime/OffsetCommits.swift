import KafkaClient
import Logging

extension GroupMessageSource {
    /// Stores the offsets of `messages` for the next commit. A failure (the partition was
    /// revoked meanwhile, say, in a rebalance during a broker outage) is logged, not thrown:
    /// the partition's new owner reads the message again.
    func storeOffsets(for messages: [KafkaMessage], logger: Logger) {
        for message in messages {
            do {
                try storeOffset(for: message)
            } catch {
                logger.notice(
                    "offset not stored", metadata: .kafkaMessage(message, error: error))
            }
        }
    }

    /// Commits the stored offsets, retrying retriable failures up to `attempts` times. A
    /// failure that is not fatal (no coordinator during a broker outage, a rebalance) is
    /// logged and not thrown: the offsets stay stored and the next commit carries them, and
    /// what a crash re-reads meanwhile is skipped by its source coordinates. Fatal errors throw.
    func commitTolerating(logger: Logger, attempts: Int = 1, backoff: Backoff = Backoff()) async throws {
        var attempt = 1
        while true {
            do {
                return try await commit()
            } catch let error as KafkaError where !error.isFatal && error.code != .destroyed {
                guard error.isRetriable && attempt < attempts else {
                    logger.warning("commit failed, offsets stay stored for the next one: \(error)")
                    return
                }
                try await Task.sleep(for: backoff.delay(afterAttempt: attempt))
                attempt += 1
            }
        }
    }
}
