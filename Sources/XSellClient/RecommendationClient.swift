import KafkaClient
import Logging
import XSellCore

/// A personalization client over Kafka: publishes `recommendation.requested.v1` and awaits the
/// reply on the reply topic, matched by `requestId` (a ``RequestReplyChannel`` with the xsell
/// request and response codecs).
public final class RecommendationClient: Sendable {
    private let channel: RequestReplyChannel<RecommendationReply>

    /// A client on `kafka` logging to `logger`; call ``start()`` before ``recommend(_:timeout:)``.
    public init(kafka: KafkaConfiguration, replyTopic: String = XSellTopic.returned.rawValue, logger: Logger) throws {
        channel = try RequestReplyChannel(kafka: kafka, replyTopic: replyTopic, logger: logger) { value in
            (try? ResponseCodec.decode(value: value)).map { ($0.requestId, $0) }
        }
    }

    /// Positions the reply reader at the end of every reply partition and starts reading.
    public func start() async throws { try await channel.start() }

    /// Sends `request` (keyed by its customer id) and returns its reply.
    public func recommend(_ request: RecommendationRequest, timeout: Duration = .seconds(30)) async throws
        -> RecommendationReply
    {
        var request = request
        request.replyTo = channel.replyTopic
        let message = OutgoingMessage(
            topic: XSellTopic.requested.rawValue, key: Array(request.customerId.utf8),
            value: RequestCodec.encode(request))
        return try await channel.send(message, requestId: request.requestId, timeout: timeout)
    }

    /// Stops reading and closes the Kafka clients; pending requests fail.
    public func close() async throws { try await channel.close() }
}
