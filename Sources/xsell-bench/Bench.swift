import ArgumentParser
import Foundation
import KafkaClient

/// `xsell-bench`: measurements reported in docs/benchmarks.md, each as a ratio to a baseline
/// measured in the same run.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xsell-bench",
        abstract: "Benchmarks of xsell (run with -c release).",
        subcommands: [
            KafkaBench.self, IngestBench.self, AppendBench.self, ReplayBench.self, FreshnessBench.self,
            DecideBench.self, RoundTripBench.self, QualityBench.self, FoldBench.self, FoldRun.self, ReplicaBench.self,
            BacktestCoverageBench.self, ChaosBench.self, DecideHistoryBench.self, LiveBench.self,
        ]
    )
}

/// Where a benchmark gets its brokers.
struct BrokerOptions: ParsableArguments {
    @Option(help: "Independent broker (tansu) address; default $XSELL_TANSU_BOOTSTRAP. Needs librdkafka >= 2.2.")
    var tansu: String?

    /// The brokers to measure on: always the embedded mock cluster, and tansu when given.
    func brokers() throws -> [(name: String, bootstrap: String, embedded: EmbeddedBroker?)] {
        let mock = try EmbeddedBroker(brokerCount: 1)
        var list: [(String, String, EmbeddedBroker?)] = [("mock cluster", mock.bootstrapServers, mock)]
        if let address = tansu ?? ProcessInfo.processInfo.environment["XSELL_TANSU_BOOTSTRAP"] {
            list.append(("tansu", address, nil))
        }
        return list
    }

    /// Creates `topic` with `partitions` on the broker.
    func createTopic(_ topic: String, partitions: Int, on broker: (name: String, bootstrap: String, embedded: EmbeddedBroker?))
        async throws
    {
        if let embedded = broker.embedded {
            try embedded.createTopic(topic, partitions: partitions)
        } else {
            try await KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: broker.bootstrap), logger: .bench())
                .createTopics([NewTopic(name: topic, partitions: partitions)])
        }
    }
}

/// `xsell-bench kafka`: raw produce and consume rates of the Kafka client.
struct KafkaBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka", abstract: "Produce and consume rates of KafkaClient on each broker.")

    @OptionGroup var brokers: BrokerOptions
    @Option(help: "Messages per run, over 6 partitions (the mock cluster keeps only ~5 MB per partition: stay below that).")
    var messages: Int = 40_000
    @Option(help: "Message size in bytes.") var size: Int = 200

    func run() async throws {
        print("| broker | librdkafka | messages | size | produced/s | consumed/s |")
        print("|---|---|---|---|---|---|")
        for broker in try brokers.brokers() {
            let topic = "bench-kafka-\(UUID().uuidString.prefix(8))"
            try await brokers.createTopic(topic, partitions: 6, on: broker)
            let rates = try await measureKafkaThroughput(
                bootstrapServers: broker.bootstrap, topic: topic, messageCount: messages, messageSize: size)
            print("| \(broker.name) | \(Librdkafka.version) | \(messages) | \(size) B | \(Int(rates.producedPerSecond)) | \(Int(rates.consumedPerSecond)) |")
        }
    }
}
