import ArgumentParser
import Foundation
import Simulation
import XSellCore

/// `xsell simulate`.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "A synthetic bank with known ground-truth uplift, driven through Kafka.",
        discussion: """
            Live (default): publishes --customers profiles, asks the running xsell for one offer \
            per customer and round, and publishes the conversions the ground truth draws for what \
            was shown (organic take-up for the rest), then a closing event 31 days ahead so every \
            attribution window closes. Offline (--events-out FILE.jsonl): writes a history of \
            --exposures exposures with a randomised holdout per decision and a --design treatment policy, one \
            {"topic","value"} object per line, without any broker. Both write the ground truth \
            per customer to --truth-out. See docs/simulation.md.
            """
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "Random seed (the same seed gives the same bank and draws).") var seed: UInt64 = 1
    @Option(help: "Offline: write the simulated events here instead of publishing.") var eventsOut: String?
    @Option(help: "Offline: exposures to generate.") var exposures: Int = 10_000
    @Option(help: "Live: simulated customers.") var customers: Int = 1_000
    @Option(help: "Live: requests per customer.") var rounds: Int = 1
    @Option(help: "Channel of the requests.") var channel: String = "in_app"
    @Option(help: "Ground truth: bends (thresholds, bumps, interactions) or linear (logistic in the encoded features).")
    var world: String = "bends"
    @Option(help: "Offline: treatment policy, random (uniform among eligible offers) or confounded (targets likely converters).")
    var design: String = "random"
    @Flag(help: "Live: wait until the profiles are in the event log under --data-dir (same machine) before asking.")
    var awaitIngest = false
    @Option(help: "Where to write the ground truth (JSON lines: the model, then one line per customer).")
    var truthOut: String = "simulation-truth.jsonl"

    func run() async throws {
        guard let truth = GroundTruth.named(world) else { throw ValidationError("--world: unknown world '\(world)' (bends, linear)") }
        guard let treatment = TreatmentDesign(rawValue: design) else {
            throw ValidationError("--design: unknown design '\(design)' (random, confounded)")
        }
        let bank = SimulatedBank(config: try CommandSetup.config(common), truth: truth, channel: channel)
        if let eventsOut {
            let history = SimulatedHistory.generate(bank: bank, exposures: exposures, seed: seed, design: treatment)
            try Self.write(history.events.map { .object(["topic": .string($0.topic.rawValue), "value": EventCodec.jsonValue($0)]) }, to: eventsOut)
            try Self.write([bank.truth.json] + history.customers.map(bank.truth.json), to: truthOut)
            let treated = history.exposures.filter(\.treated).count
            print("wrote \(history.events.count) events (\(history.customers.count) decisions, \(history.exposures.count) exposures: "
                + "\(treated) treated, \(history.exposures.count - treated) control) to \(eventsOut); truth in \(truthOut)")
            return
        }
        let simulation = LiveSimulation(
            kafka: try CommandSetup.kafka(common, bootstrapServers: try CommandSetup.requireBootstrapServers(common)), bank: bank, seed: seed,
            logger: CommandSetup.logger("xsell.simulate"))
        let people = simulation.customers(count: customers)
        try Self.write([bank.truth.json] + people.map(bank.truth.json), to: truthOut)
        let profiles = try await simulation.publishProfiles(people)
        print("published \(people.count) profiles; truth in \(truthOut)")
        if awaitIngest { try await Publish.awaitInLog(profiles, directory: CommandSetup.logDirectory(common)) }
        let summary = try await simulation.run(customers: people, rounds: rounds) { round, s in
            FileHandle.standardError.write(Data("simulate: round \(round)/\(rounds): \(s.replies) replies\n".utf8))
        }
        print("""
            \(summary.replies) replies (\(summary.controlReplies) holdout, \(summary.errors) errors), \(summary.offersShown) offers shown
            conversions: \(summary.treatedConversions) of shown offers, \(summary.organicConversions) organic
            a closing event 31 days ahead was published: every attribution window of this run is closed
            """)
    }

    private static func write(_ lines: [JSONValue], to path: String) throws {
        var bytes: [UInt8] = []
        for line in lines {
            line.write(into: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw ValidationError("cannot write \(path)")
        }
    }
}
