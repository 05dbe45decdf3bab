import Foundation

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

    /// Parses and validates one spec; `path` names it in errors.
    public static func parse(yaml: String, path: String) throws(ConfigError) -> TopicSpec {
        let root: JSONValue
        do { root = try YAMLDocument.parse(yaml) } catch { throw ConfigError(file: path, problems: error.problems) }
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

    /// Loads every `*.yaml` / `*.yml` file directly in `directory`, sorted by topic name.
    /// Fails if any file is invalid, names repeat, or partition counts differ.
    public static func loadAll(directory: String) throws(ConfigError) -> [TopicSpec] {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw ConfigError(file: directory, problems: [ConfigProblem(path: "", message: "cannot list directory")])
        }
        var specs: [TopicSpec] = []
        var problems: [ConfigProblem] = []
        for file in files {
            let path = (directory as NSString).appendingPathComponent(file)
            do {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                specs.append(try parse(yaml: text, path: path))
            } catch let e as ConfigError {
                problems += e.problems.map { ConfigProblem(path: $0.path.isEmpty ? file : "\(file): \($0.path)", message: $0.message) }
            } catch {
                problems.append(ConfigProblem(path: file, message: "cannot read file"))
            }
        }
        var seen: Set<String> = []
        for s in specs where !seen.insert(s.name).inserted {
            problems.append(ConfigProblem(path: s.name, message: "topic declared twice"))
        }
        if Set(specs.map(\.partitions)).count > 1 {
            problems.append(ConfigProblem(path: "", message: "all topics must have the same partition count (co-partitioned by customerId)"))
        }
        if !problems.isEmpty { throw ConfigError(file: directory, problems: problems) }
        return specs.sorted { $0.name < $1.name }
    }
}
