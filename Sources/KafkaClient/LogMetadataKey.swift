import Logging

/// The metadata keys of xsell's log lines, in one place: context goes into metadata under these
/// keys, not into the message text, so a log pipeline can filter on it.
public enum LogMetadataKey {
    /// Which Kafka client of a process logged (`ingest`, `serve`, …).
    public static let kafkaClient = "kafka"
    /// librdkafka's facility of a forwarded librdkafka log line.
    public static let rdkafkaFacility = "rdkafka.facility"
    /// The error behind the line.
    public static let error = "error"
    /// A Kafka `topic[partition]`.
    public static let topicPartition = "kafka.partition"
    /// A Kafka offset.
    public static let offset = "kafka.offset"
    /// A request's `requestId`.
    public static let requestId = "request.id"
    /// A file or directory.
    public static let path = "path"
}

extension Logger.Metadata {
    /// The metadata of a line about `message`: its partition and offset, and the `error` behind
    /// the line when there is one.
    public static func kafkaMessage(_ message: KafkaMessage, error: Any? = nil) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            LogMetadataKey.topicPartition: "\(message.topicPartition)", LogMetadataKey.offset: "\(message.offset)",
        ]
        if let error { metadata[LogMetadataKey.error] = "\(error)" }
        return metadata
    }
}
