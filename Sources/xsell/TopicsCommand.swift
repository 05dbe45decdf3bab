import ArgumentParser
import KafkaClient
import Services
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
        @Option(help: "Partition count for every topic (overrides the specs; keeps them co-partitioned).")
        var partitions: Int?

        func run() async throws {
            let specs = try TopicSpec.loadAll(directory: topics)
            let admin = try KafkaAdmin(configuration: try Runtime.kafka(
                common, bootstrapServers: try Runtime.requireBootstrapServers(common)))
            try await TopicSetup.create(specs, partitions: partitions, admin: admin)
            for (name, count) in try await admin.listTopics().sorted(by: { $0.key < $1.key })
            where specs.contains(where: { $0.name == name }) {
                print("\(name)\t\(count) partitions")
            }
        }
    }
}
