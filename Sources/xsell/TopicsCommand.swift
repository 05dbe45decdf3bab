import ArgumentParser
import ConfigLoading
import KafkaClient
import Runtime
import XSellCore

/// `xsell topics …`.
struct Topics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Manage the Kafka topics of topics/.",
        subcommands: [Create.self]
    )

    /// `xsell topics create`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the topics of topics/ (idempotent).")

        @OptionGroup var common: CommonOptions
        @Option(help: "Directory of topic specs.") var topics: String = "topics"
        @Option(
            parsing: .unconditional,
            help: "Partition count for every topic (overrides the specs; keeps them co-partitioned).")
        var partitions: Int?

        func validate() throws {
            if let partitions, partitions < 1 {
                throw ValidationError("--partitions \(partitions): expected 1 or more")
            }
        }

        func run() async throws {
            let specs = try TopicSpec.loadAll(directory: topics)
            let logger = CommandSetup.logger("xsell.topics")
            let (kafka, existing) = try await CommandSetup.reach(common, logger: logger)
            if specs.allSatisfy({ existing[$0.name] != nil }) {
                print("all \(specs.count) topics exist")
            } else {
                do {
                    try await TopicSetup.create(
                        specs, partitions: partitions, admin: try KafkaAdmin(configuration: kafka, logger: logger),
                        timeout: common.timeLimit)
                } catch let error as KafkaError where error.code == .timedOut {
                    let missing = specs.map(\.name).filter { existing[$0] == nil }
                    throw CommandFailure(
                        "Kafka at \(kafka["bootstrap.servers"] ?? "") did not create \(missing.joined(separator: ", ")) "
                            + "within \(common.timeout) s (\(error.message)). A broker without the CreateTopics API "
                            + "(librdkafka's mock cluster, the embedded broker of `xsell run`) cannot create topics "
                            + "this way; `xsell run` creates the topics of topics/ on its embedded broker itself")
                }
            }
            let listed = try await CommandSetup.reach(common, logger: logger).1
            for (name, count) in listed.sorted(by: { $0.key < $1.key }) where specs.contains(where: { $0.name == name }) {
                print("\(name)\t\(count) partitions")
            }
        }
    }
}
