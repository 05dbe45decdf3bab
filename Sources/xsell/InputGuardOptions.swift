import ArgumentParser
import Runtime

/// What a node lets in: where replies may go and how far ahead of the clock events may be.
struct InputGuardOptions: ParsableArguments {
    @Option(
        name: .customLong("allow-reply-topic"),
        help: "A topic requests may name as replyTo besides recommendation.returned.v1 (repeatable).")
    var replyTopics: [String] = []

    @Option(
        name: .customLong("allow-reply-topic-prefix"),
        help: "Requests may name as replyTo any topic starting with this prefix (repeatable).")
    var replyTopicPrefixes: [String] = []

    @Option(help: "Events dated more than this many seconds ahead of ingest's clock are dead-lettered (future_timestamp).")
    var maxClockSkewSeconds: Int = 86_400

    @Option(help: "Requests created more than this many seconds ago (by their Kafka timestamp) get an EXPIRED reply instead of a decision.")
    var requestTtlSeconds: Int = 30

    @Flag(help: "Ingest messages below the log's highest offset of their partition that the log does not hold (the topic was recreated) instead of refusing to start.")
    var acceptOffsetReset = false

    func validate() throws {
        guard maxClockSkewSeconds >= 0 else { throw ValidationError("--max-clock-skew-seconds must be at least 0") }
        guard requestTtlSeconds >= 1 else { throw ValidationError("--request-ttl-seconds \(requestTtlSeconds): expected 1 or more") }
        for topic in replyTopics {
            if let refusal = ReplyTopicPolicy(topics: [topic]).refusal(of: topic) {
                throw ValidationError("--allow-reply-topic \(topic): \(refusal)")
            }
        }
    }

    /// `settings` with these guards.
    func apply(to settings: NodeSettings) -> NodeSettings {
        var settings = settings
        settings.serve.replyTopics = ReplyTopicPolicy(topics: Set(replyTopics), prefixes: replyTopicPrefixes)
        settings.ingest.maxClockSkew = .seconds(maxClockSkewSeconds)
        settings.serve.requestTimeToLive = .seconds(requestTtlSeconds)
        settings.ingest.acceptOffsetReset = acceptOffsetReset
        return settings
    }
}
