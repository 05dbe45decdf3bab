/// An endless sequence of a consumer's messages, built on ``KafkaConsumer/poll(maxMessages:timeout:)``.
///
/// It pulls a batch only when the previous one is used up, so librdkafka's bounded queue is the
/// backpressure. It ends when the consumer is closed or the iterating task is cancelled.
public struct KafkaMessageSequence: AsyncSequence, Sendable {
    /// Each element is one consumed message.
    public typealias Element = KafkaMessage

    let consumer: KafkaConsumer
    let batchSize: Int
    let pollTimeout: Duration

    /// Pulls batches from the consumer.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let consumer: KafkaConsumer
        let batchSize: Int
        let pollTimeout: Duration
        var batch: [KafkaMessage] = []
        var index = 0

        /// The next message, or `nil` once the consumer is closed or the task cancelled.
        public mutating func next() async throws -> KafkaMessage? {
            while index == batch.count {
                if Task.isCancelled || consumer.isClosed { return nil }
                do {
                    batch = try await consumer.poll(maxMessages: batchSize, timeout: pollTimeout)
                } catch let error as KafkaError where error.code == .destroyed && consumer.isClosed {
                    return nil
                }
                index = 0
            }
            defer { index += 1 }
            return batch[index]
        }
    }

    /// Starts iterating.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(consumer: consumer, batchSize: batchSize, pollTimeout: pollTimeout)
    }
}

extension KafkaConsumer {
    /// The consumer's messages as an `AsyncSequence`, polled `batchSize` at a time, each poll
    /// waiting at most `pollTimeout` (which bounds how long ``close()`` waits for the poll).
    public func messages(batchSize: Int = 100, pollTimeout: Duration = .milliseconds(100)) -> KafkaMessageSequence {
        KafkaMessageSequence(consumer: self, batchSize: batchSize, pollTimeout: pollTimeout)
    }
}
