import KafkaClient
import XSellCore

/// Tunables of the scoring worker.
public struct ServeOptions: Sendable {
    /// Requests created longer ago than this (by their Kafka timestamp) are not decided: they
    /// get an `EXPIRED` error reply and a dead letter (their client has given up).
    public var requestTimeToLive: Duration = .seconds(30)
    /// Size limit of one request value; larger requests are dead-lettered (`too_large`) and
    /// get a `BAD_REQUEST` reply. Requests are small; the limit keeps their replies, decision
    /// events and dead letters under the broker's message size.
    public var maxRequestBytes: Int = 64 * 1024
    /// Most bytes of a refused request carried in its dead letter (as for ingest).
    public var maxDeadLetterPayloadBytes: Int = DeadLetters.defaultMaxPayloadBytes
    /// Where replies may go.
    public var replyTopics = ReplyTopicPolicy()
    /// The backoff between attempts of a send that failed with a retriable error.
    public var retryBackoff = Backoff()

    /// Defaults.
    public init() {}
}

/// The topics a request's `replyTo` may name (guide §5): the default reply topic, the topics
/// listed, and topics starting with one of the prefixes; never a topic xsell consumes or
/// writes itself (ingest, requests, decisions, dead letters) nor a Kafka internal topic
/// (`__consumer_offsets`, anything starting with `_`), whatever the list says.
public struct ReplyTopicPolicy: Sendable, Hashable {
    /// Allowed reply topics besides `recommendation.returned.v1`.
    public var topics: Set<String>
    /// Allowed reply topic prefixes, e.g. `app.replies.`.
    public var prefixes: [String]

    /// A policy allowing the default reply topic, `topics` and topics starting with one of `prefixes`.
    public init(topics: Set<String> = [], prefixes: [String] = []) {
        self.topics = topics
        self.prefixes = prefixes.filter { !$0.isEmpty }
    }

    /// The topics no reply may go to.
    static let reserved: Set<String> = Set(XSellTopic.allCases.filter { $0 != .returned }.map(\.rawValue))

    /// Why `topic` may not receive replies, or nil when it may.
    public func refusal(of topic: String) -> String? {
        if Self.reserved.contains(topic) { return "replyTo \"\(topic)\": xsell's own topics never receive replies" }
        if topic.hasPrefix("_") { return "replyTo \"\(topic)\": internal topics never receive replies" }
        if topic == XSellTopic.returned.rawValue || topics.contains(topic) { return nil }
        if prefixes.contains(where: { topic.hasPrefix($0) }) { return nil }
        return "replyTo \"\(topic)\": not an allowed reply topic (allowed: \(allowedDescription))"
    }

    private var allowedDescription: String {
        let names = [XSellTopic.returned.rawValue] + topics.sorted() + prefixes.map { $0 + "*" }
        return names.joined(separator: ", ")
    }
}

extension Duration {
    /// Whole milliseconds (event times and Kafka timestamps are in milliseconds).
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
