/// A topic declared in `topics/*.yaml` (guide §2), applied by `xsell topics create`.
///
/// File shape: `name`, `partitions` (≥ 1; the same for every topic, since all are co-partitioned
/// by customerId), `cleanupPolicy` (`compact` or `delete`), `retentionMs` (-1 = forever), `key`
/// (a description of the key, e.g. `customerId`), `valueSchema` (JSON Schema of the value) and
/// `examples` (example values).
public struct TopicSpec: Sendable, Hashable {
    /// The topic name, e.g. `customer.profile.v1`.
    public var name: String
    /// Partition count.
    public var partitions: Int
    /// `compact` or `delete`.
    public var cleanupPolicy: String
    /// Retention in milliseconds; -1 keeps forever.
    public var retentionMs: Int64
    /// What the message key is.
    public var key: String
    /// JSON Schema of the value.
    public var valueSchema: JSONValue
    /// Example values.
    public var examples: [JSONValue]

    /// Creates a spec.
    public init(name: String, partitions: Int, cleanupPolicy: String, retentionMs: Int64, key: String,
                valueSchema: JSONValue, examples: [JSONValue]) {
        self.name = name
        self.partitions = partitions
        self.cleanupPolicy = cleanupPolicy
        self.retentionMs = retentionMs
        self.key = key
        self.valueSchema = valueSchema
        self.examples = examples
    }

    /// Kafka topic configs: `cleanup.policy` and `retention.ms`.
    public var configs: [String: String] {
        ["cleanup.policy": cleanupPolicy, "retention.ms": String(retentionMs)]
    }

    /// Validates one parsed spec (the tree `ConfigLoading`'s YAML loader produces); `path`
    /// names it in errors.
    public static func validated(document root: JSONValue, path: String) throws(ConfigError) -> TopicSpec {
        var d = ConfigDecoder()
        let keys: Set<String> = ["name", "partitions", "cleanupPolicy", "retentionMs", "key", "valueSchema", "examples"]
        guard let o = d.requireObject(root, at: "", allowed: keys) else { throw ConfigError(file: path, problems: d.problems) }
        let name = d.string(o, "name")
        let partitions = d.int(o, "partitions", required: false, range: 1...10_000)
        let cleanup = d.string(o, "cleanupPolicy")
        if let cleanup, !["compact", "delete", "compact,delete"].contains(cleanup) {
            d.add(o.at("cleanupPolicy"), "\"\(cleanup)\" is not one of compact, delete, compact,delete")
        }
        let retention = d.int(o, "retentionMs", range: -1...Int.max)
        let key = d.string(o, "key")
        let schema = d.value(o, "valueSchema", required: true)
        if let schema, schema.objectValue == nil { d.add(o.at("valueSchema"), "expected a mapping, got \(schema.typeName)") }
        let examples = d.array(o, "examples", required: false) ?? []
        for (i, e) in examples.enumerated() where e.objectValue == nil {
            d.add("examples[\(i)]", "expected a mapping, got \(e.typeName)")
        }
        guard d.problems.isEmpty, let name, let cleanup, let retention, let key, let schema else {
            throw ConfigError(file: path, problems: d.problems)
        }
        return TopicSpec(name: name, partitions: partitions ?? 6, cleanupPolicy: cleanup, retentionMs: Int64(retention),
                         key: key, valueSchema: schema, examples: examples)
    }
}
