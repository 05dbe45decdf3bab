import Foundation
import KafkaClient
import XSellCore

/// Builds and delivers records for `xsell.deadletter.v1` (guide §2): keyed by the source key,
/// carrying the source coordinates, the precise reason and the original bytes.
enum DeadLetters {
    /// The dead-letter message for a rejected `message`.
    static func message(for message: KafkaMessage, rejection: EventRejection) -> OutgoingMessage {
        self.message(for: message, code: rejection.code.rawValue, reason: rejection.message)
    }

    /// The dead-letter message for `message`, refused with `code` for `reason`.
    static func message(for message: KafkaMessage, code: String, reason: String) -> OutgoingMessage {
        let record = DeadLetterRecord(
            sourceTopic: message.topic, partition: message.partition, offset: message.offset,
            key: message.key.map { String(decoding: $0, as: UTF8.self) }, errorCode: code,
            errorMessage: reason, payloadBase64: Data(message.value).base64EncodedString(), at: WallClock.now())
        return OutgoingMessage(
            topic: XSellTopic.deadLetter.rawValue, key: message.key, value: DeadLetterCodec.encode(record))
    }

}

extension KafkaProducer {
    /// Sends every message and returns once all are acknowledged; throws the first failure.
    func sendAll(_ messages: [OutgoingMessage]) async throws {
        try await withThrowingTaskGroup(of: DeliveryReport.self) { group in
            for message in messages {
                group.addTask { try await self.send(message) }
            }
            try await group.waitForAll()
        }
    }
}

/// The wall clock, used only outside the fold (request handling, dead-letter stamps).
public enum WallClock {
    /// Now, to the millisecond.
    public static func now() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
    }
}
