import ArgumentParser
import Foundation

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

    /// `-X key=value` pairs as a dictionary; a malformed pair is a usage error.
    func librdkafkaProperties() throws -> [String: String] {
        var result: [String: String] = [:]
        for pair in properties {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("-X \(pair): expected key=value")
            }
            result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        return result
    }
}
