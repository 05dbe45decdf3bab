import Crdkafka

/// librdkafka configuration properties, passed through verbatim.
///
/// Any librdkafka property can be set (this is where `-X key=value` from the command line
/// ends up). Producers, consumers and admin clients layer their own defaults *under* these
/// properties, so an explicitly set value always wins:
///
/// | client | property | default | why |
/// |---|---|---|---|
/// | producer | `acks` | `all` | a delivery report means every in-sync replica has it |
/// | producer | `enable.idempotence` | `true` | retries never duplicate or reorder |
/// | producer | `partitioner` | `murmur2_random` | keys hash to the same partition as Java clients |
/// | consumer | `enable.auto.offset.store` | `false` | only offsets stored by the application are committed |
/// | consumer | `enable.auto.commit` | `true` | stored offsets are committed periodically and on close |
/// | consumer | `auto.offset.reset` | `earliest` | a new group reads the whole log |
/// | consumer | `allow.auto.create.topics` | `false` | topics are created explicitly |
public struct KafkaConfiguration: Sendable, Hashable {
    /// The librdkafka properties, e.g. `["bootstrap.servers": "127.0.0.1:9092"]`.
    public var properties: [String: String]

    /// A configuration with the given properties and nothing else.
    public init(properties: [String: String] = [:]) {
        self.properties = properties
    }

    /// A configuration pointing at `bootstrapServers`, plus any extra properties.
    public init(bootstrapServers: String, properties: [String: String] = [:]) {
        self.properties = properties
        self.properties["bootstrap.servers"] = bootstrapServers
    }

    /// Reads or writes one property.
    public subscript(key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// A copy with `overrides` applied on top of these properties.
    public func merging(_ overrides: [String: String]) -> KafkaConfiguration {
        KafkaConfiguration(properties: properties.merging(overrides) { _, new in new })
    }

    /// Parses one `key=value` assignment (the argument of `-X`) and sets it.
    ///
    /// The value may itself contain `=`; an empty key or a missing `=` is an error.
    public mutating func set(assignment: String) throws(KafkaError) {
        guard let (key, value) = Self.parse(assignment: assignment) else {
            throw KafkaError(code: .invalidArgument, message: "expected key=value, got '\(assignment)'")
        }
        properties[key] = value
    }

    /// The key and value of one `key=value` assignment (split at the first `=`), or `nil`
    /// when there is no `=` or the key is empty: the one rule for `-X` and properties files.
    public static func parse(assignment: some StringProtocol) -> (key: String, value: String)? {
        guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else { return nil }
        return (String(assignment[..<equals]), String(assignment[assignment.index(after: equals)...]))
    }

    /// Properties for request/reply traffic where each hop should cost milliseconds, not batches.
    ///
    /// `fetch.wait.max.ms=1` (neither test broker wakes a waiting fetch early, so every hop
    /// pays this wait), `linger.ms=0` (send at once), `socket.nagle.disable=true`, and
    /// `fetch.error.backoff.ms=10`. Costs throughput; use it for reply paths, not bulk ingest.
    /// Split by client kind, since librdkafka warns about properties of the other kind.
    public static let lowLatencyConsumerProperties: [String: String] = [
        "fetch.wait.max.ms": "1",
        "socket.nagle.disable": "true",
        "fetch.error.backoff.ms": "10",
    ]

    /// The producer half of the low-latency properties.
    public static let lowLatencyProducerProperties: [String: String] = [
        "linger.ms": "0",
        "socket.nagle.disable": "true",
    ]

    /// A copy with ``lowLatencyConsumerProperties`` applied (explicitly set values are overwritten).
    public var lowLatencyConsumer: KafkaConfiguration { merging(Self.lowLatencyConsumerProperties) }

    /// A copy with ``lowLatencyProducerProperties`` applied (explicitly set values are overwritten).
    public var lowLatencyProducer: KafkaConfiguration { merging(Self.lowLatencyProducerProperties) }

    /// Defaults under every producer's properties.
    public static let producerDefaults: [String: String] = [
        "acks": "all",
        "enable.idempotence": "true",
        "partitioner": "murmur2_random",
    ]

    /// Defaults under every consumer's properties.
    public static let consumerDefaults: [String: String] = [
        "enable.auto.offset.store": "false",
        "enable.auto.commit": "true",
        "auto.offset.reset": "earliest",
        "allow.auto.create.topics": "false",
    ]

    /// These properties on top of `defaults`.
    func withDefaults(_ defaults: [String: String]) -> [String: String] {
        defaults.merging(properties) { _, explicit in explicit }
    }
}

/// The librdkafka this process loaded (the system's, or one on `LD_LIBRARY_PATH`).
public enum Librdkafka {
    /// Its version string, e.g. `2.0.2`.
    public static var version: String { String(cString: rd_kafka_version_str()) }
}
