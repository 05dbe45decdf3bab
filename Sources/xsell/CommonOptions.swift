import ArgumentParser
import Foundation
import KafkaClient

/// Options every subcommand shares (docs/guide.md, "Configuration").
struct CommonOptions: ParsableArguments {
    @Option(help: "Configuration file (YAML or JSON).")
    var config: String = "config/cross-sell.yaml"

    @Option(help: "Kafka bootstrap servers (default: $XSELL_BOOTSTRAP_SERVERS).")
    var bootstrapServers: String?

    @Option(help: "Directory of the event log and snapshots.")
    var dataDir: String = "data"

    @Option(name: .customShort("X"), help: "librdkafka property key=value, passed through (repeatable).")
    var properties: [String] = []

    @Option(help: ArgumentHelp(
        "A librdkafka properties file (key=value lines, # comments), under the -X properties (default: $XSELL_KAFKA_PROPERTIES).",
        discussion: "Keeps secrets such as sasl.password off the command line, where ps shows them; so does $XSELL_SASL_PASSWORD."))
    var kafkaProperties: String?

    @Option(
        parsing: .unconditional,
        help: "Seconds to wait for Kafka (connecting, delivery, a reply) before failing with the reason.")
    var timeout: Double = 10

    func validate() throws {
        guard timeout > 0, timeout.isFinite else {
            throw ValidationError("--timeout \(timeout): expected a number of seconds greater than 0")
        }
    }

    /// `--timeout` as a duration.
    var timeLimit: Duration { .milliseconds(Int64(timeout * 1_000)) }

    /// The bootstrap servers from the flag or the environment, if any.
    var resolvedBootstrapServers: String? {
        if let bootstrapServers, !bootstrapServers.isEmpty { return bootstrapServers }
        if let env = ProcessInfo.processInfo.environment["XSELL_BOOTSTRAP_SERVERS"], !env.isEmpty { return env }
        return nil
    }

    /// The librdkafka properties: the properties file, then `$XSELL_SASL_PASSWORD`, then the
    /// `-X key=value` pairs on top. A malformed pair or line is a usage error, and so is
    /// `group.id`: xsell names its consumer groups itself (one per role), and silently
    /// overriding the operator's choice would be worse than refusing it.
    func librdkafkaProperties() throws -> [String: String] {
        var result: [String: String] = [:]
        let environment = ProcessInfo.processInfo.environment
        if let file = kafkaProperties ?? environment["XSELL_KAFKA_PROPERTIES"].flatMap({ $0.isEmpty ? nil : $0 }) {
            result = try Self.propertiesFile(file)
        }
        if let password = environment["XSELL_SASL_PASSWORD"], !password.isEmpty { result["sasl.password"] = password }
        for pair in properties {
            guard let (key, value) = KafkaConfiguration.parse(assignment: pair) else {
                throw ValidationError("-X \(pair): expected key=value")
            }
            result[key] = value
        }
        if result["group.id"] != nil {
            throw ValidationError(
                "group.id cannot be set (-X or properties file): xsell uses its own consumer groups, xsell-ingest and xsell-serve")
        }
        return result
    }

    /// Parses a librdkafka properties file: `key=value` lines, blank lines and `#` comments.
    static func propertiesFile(_ path: String) throws -> [String: String] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ValidationError("--kafka-properties \(path): cannot read: \(error.localizedDescription)")
        }
        var result: [String: String] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let (key, value) = KafkaConfiguration.parse(assignment: line) else {
                throw ValidationError("\(path):\(number + 1): expected key=value")
            }
            result[key.trimmingCharacters(in: .whitespaces)] = value.trimmingCharacters(in: .whitespaces)
        }
        return result
    }
}
