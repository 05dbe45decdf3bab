import ArgumentParser
import KafkaClient

/// The `xsell` command line: composition only; the work lives in the library modules.
@main
struct XSell: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xsell",
        abstract: "Event-sourced streaming scorer for cross-sell decisioning on Kafka.",
        version: "xsell \(xsellVersion) (librdkafka \(Librdkafka.version))",
        subcommands: [
            Run.self, Ingest.self, Serve.self, Topics.self, Publish.self, Recommend.self,
            Simulate.self, Uplift.self, Experiment.self, Replay.self, Backtest.self, Log.self,
            Explain.self,
        ]
    )
}

/// This build's version (`xsell --version`).
let xsellVersion = "0.1.0"
