import ArgumentParser
import ConfigLoading
import EventLog
import Foundation
import KafkaClient
import Logging
import XSellCore

/// Shared set-up of the subcommands: config, data paths, Kafka configuration, logging.
enum CommandSetup {
    /// Loads and validates the configuration; every problem is reported with its path.
    static func config(_ common: CommonOptions) throws -> XSellConfig {
        try ConfigLoader.load(path: common.config)
    }

    /// The event log directory under `--data-dir`.
    static func logDirectory(_ common: CommonOptions) -> String { DataDirectory(common.dataDir).log }

    /// The snapshot directory under `--data-dir`.
    static func snapshotDirectory(_ common: CommonOptions) -> String { DataDirectory(common.dataDir).snapshots }

    /// Kafka configuration for `bootstrapServers` with the `-X` properties on top.
    static func kafka(_ common: CommonOptions, bootstrapServers: String) throws -> KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: bootstrapServers).merging(try common.librdkafkaProperties())
    }

    /// The bootstrap servers, or a usage error naming the flag and the variable.
    static func requireBootstrapServers(_ common: CommonOptions) throws -> String {
        guard let servers = common.resolvedBootstrapServers else {
            throw ValidationError("no Kafka: pass --bootstrap-servers or set XSELL_BOOTSTRAP_SERVERS")
        }
        return servers
    }

    /// Kafka for `common`, checked: the cluster's topics, asked within `--timeout`, or an error
    /// that names the address and the reason (unreachable, or a librdkafka too old for it).
    /// `required` topics must exist. librdkafka's lines about the probe go to `logger`.
    static func reach(_ common: CommonOptions, required: [String] = [], logger: Logger) async throws
        -> (KafkaConfiguration, [String: Int])
    {
        let servers = try requireBootstrapServers(common)
        let kafka = try kafka(common, bootstrapServers: servers)
        let topics: [String: Int]
        do {
            topics = try await BrokerProbe.topics(kafka, timeout: common.timeLimit, logger: logger)
        } catch let error as KafkaError {
            throw CommandFailure(error.message)
        }
        let missing = required.filter { topics[$0] == nil }
        guard missing.isEmpty else {
            throw CommandFailure(
                "Kafka at \(servers) has no topic \(missing.joined(separator: ", ")) (it has: "
                    + "\(topics.keys.sorted().joined(separator: ", "))); `xsell topics create` creates the topics of topics/")
        }
        return (kafka, topics)
    }

    /// A logger writing to standard error.
    static func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = ProcessInfo.processInfo.environment["XSELL_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        return logger
    }

    /// Prints a line to standard output at once (other processes wait for these lines).
    static func announce(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Creates the directory (and parents) if needed.
    static func ensureDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
}

/// A command failed for a reason the user can act on (printed as `Error: …`, exit status 1,
/// without the usage text that a misuse gets).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
