import KafkaClient
import Logging
import XSellCore

/// Builds and delivers records for `xsell.deadletter.v1` (guide §2): keyed by the source key,
/// carrying the source coordinates, the precise reason and the original bytes.
enum DeadLetters {
    /// Most bytes of a refused message carried in its dead letter by default. Base64 grows
    /// them by a third, and the dead letter must stay under the producer's `message.max.bytes`
    /// (default 1,000,000) or it could never be sent.
    static let defaultMaxPayloadBytes = 512 * 1024

    /// The dead-letter message for a rejected `message`.
    static func message(
        for message: KafkaMessage, rejection: EventRejection, maxPayloadBytes: Int = defaultMaxPayloadBytes
    ) -> OutgoingMessage {
        self.message(for: message, code: rejection.code.rawValue, reason: rejection.message, maxPayloadBytes: maxPayloadBytes)
    }

    /// The dead-letter message for `message`, refused with `code` for `reason`, small enough to
    /// be produced: the payload is cut to `maxPayloadBytes` and the reason to 1,000 characters
    /// (the reason says so).
    static func message(
        for message: KafkaMessage, code: String, reason: String, maxPayloadBytes: Int = defaultMaxPayloadBytes
    ) -> OutgoingMessage {
        var reason = reason
        if reason.count > 1_000 { reason = reason.prefix(1_000) + "…" }
        var payload = message.value
        let limit = max(0, maxPayloadBytes)
        if payload.count > limit {
            payload = Array(payload.prefix(limit))
            reason += " (payload cut to its first \(limit) of \(message.value.count) bytes)"
        }
        var key = message.key
        if let full = key, full.count > maxKeyBytes { key = Array(full.prefix(maxKeyBytes)) }
        let record = DeadLetterRecord(
            sourceTopic: message.topic, partition: message.partition, offset: message.offset,
            key: key.map { String(decoding: $0, as: UTF8.self) }, errorCode: code,
            errorMessage: reason, payload: payload, at: WallClock.now())
        return OutgoingMessage(topic: XSellTopic.deadLetter.rawValue, key: key, value: DeadLetterCodec.encode(record))
    }

    /// Most bytes of the source key a dead letter carries (as its own key and in the record).
    static let maxKeyBytes = 4_096
}
