import ArgumentParser
import Foundation
import Projection
import Services
import XSellCore

/// `xsell-bench quality`: how well the projection's uplift models recover the synthetic bank's
/// ground truth, against reference Python uplift models on the same data, and what the uplift
/// term of the score earns in a closed loop (docs/benchmarks-quality.md).
struct QualityBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality", abstract: "τ accuracy vs. the ground truth and Python references; closed-loop uplift weight.")

    @Option(help: "Exposures of the simulated history.") var n: Int = 100_000
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Held-out customers (features never seen in training).") var heldOut: Int = 20_000
    @Option(help: "New customers of the closed-loop comparison.") var loopCustomers: Int = 20_000
    @Option(help: "Configuration (the tutorial's).") var config: String = "config/cross-sell.yaml"
    @Option(help: "Python with scikit-uplift (scripts/provision.sh installs it).") var python: String = ".tools/venv/bin/python"
    @Option(help: "The reference script.") var reference: String = "scripts/uplift_reference.py"
    @Option(help: "Directory for the exported CSV files.") var work: String = NSTemporaryDirectory() + "xsell-quality"

    func run() async throws {
        let base = try ConfigLoader.load(path: config)
        let bank = SimulatedBank(config: base)
        let history = SimulatedHistory.generate(bank: bank, exposures: n, seed: seed)
        var random = SimulationRandom(seed: seed &+ 1)
        let held = (0..<heldOut).map { SimulatedCustomer(id: "held-\($0)", random: &random) }
        let treated = history.exposures.filter(\.treated).count
        print("history: \(history.exposures.count) exposures (\(treated) treated, \(history.exposures.count - treated) control) "
            + "of \(history.customers.count) customers, \(history.events.count) events; \(heldOut) held-out customers\n")

        var rmse: [String: [String: Double]] = [:]
        var trained: [UpliftMethod: ProjectionState] = [:]
        for method in [UpliftMethod.tLearner, .xLearner] {
            var config = base
            config.learning.upliftMethod = method
            let clock = ContinuousClock()
            let start = clock.now
            var state = ProjectionState(config: config)
            for (position, event) in history.events.enumerated() { state.apply(event, position: UInt64(position)) }
            state.settle()
            let seconds = (clock.now - start) / .seconds(1)
            print("fold (\(method.rawValue)): \(history.events.count) events in \(String(format: "%.2f", seconds)) s")
            let accuracy = SimulationEvaluation.accuracy(state: state, bank: SimulatedBank(config: config), heldOut: held)
            let name = "xsell \(method.rawValue)"
            rmse[name] = Dictionary(uniqueKeysWithValues: accuracy.map { ($0.offerId, $0.rmse) })
            rmse[name]?["pooled"] = SimulationEvaluation.pooledRMSE(accuracy)
            if method == .tLearner { Self.printSegments(accuracy) }
            trained[method] = state
        }

        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let eligible = SimulationEvaluation.eligibleCustomers(
            bank: bank, customers: held, at: Timestamp(millisecondsSinceEpoch: trained[.tLearner]?.clockMillis ?? 0))
        try Self.writeCSV(work + "/train.csv", header: "offer," + Self.featureHeader + ",treatment,y",
            rows: history.exposures.map { e in
                "\(e.offerId),\(Self.features(history.customers[e.customer])),\(e.treated ? 1 : 0),\(e.converted ? 1 : 0)"
            })
        try Self.writeCSV(work + "/heldout.csv", header: "offer," + Self.featureHeader + ",tau_true",
            rows: eligible.flatMap { offerId, customers in
                customers.map { "\(offerId),\(Self.features($0)),\(bank.truth.tau(offerId, $0))" }
            })
        print("\nexported \(work)/train.csv and \(work)/heldout.csv; running \(reference)")
        for (name, perOffer) in try Self.runReference(python: python, script: reference, work: work) { rmse[name] = perOffer }
        Self.printRMSE(rmse, offers: eligible.map(\.offerId))

        print("\nclosed loop: \(loopCustomers) new customers, one offer each on \(bank.channel), T-learner trained on the history")
        let loop = SimulationEvaluation.closedLoop(
            state: trained[.tLearner]!, bank: bank, customers: (0..<loopCustomers).map { SimulatedCustomer(id: "loop-\($0)", random: &random) },
            upliftWeights: [0.5, 0], seed: seed &+ 2)
        print("| upliftWeight | contacts | E[incremental conv] | per contact | E[incremental revenue] per contact | drawn incremental conv | drawn conversions |")
        print("|---|---|---|---|---|---|---|")
        for p in loop {
            let c = Double(max(p.contacts, 1))
            print("| \(p.upliftWeight) | \(p.contacts) | \(String(format: "%.1f", p.expectedIncremental)) | "
                + "\(String(format: "%.4f", p.expectedIncremental / c)) | \(String(format: "%.2f", p.expectedIncrementalRevenue / c)) | "
                + "\(p.drawnIncremental) | \(p.drawnConversions) |")
        }
    }

    static let featureHeader = "tenureMonths,avgMonthlyBalance,tier," + SimulatedCustomer.holdingFields.joined(separator: ",")

    static func features(_ c: SimulatedCustomer) -> String {
        "\(c.tenureMonths),\(c.avgMonthlyBalance),\(c.tier)," + c.holdings.map { $0 ? "1" : "0" }.joined(separator: ",")
    }

    static func writeCSV(_ path: String, header: String, rows: [String]) throws {
        let text = ([header] + rows).joined(separator: "\n") + "\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Runs the reference script; returns model name → offer (and "pooled") → RMSE.
    static func runReference(python: String, script: String, work: String) throws -> [String: [String: Double]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--train", work + "/train.csv", "--heldout", work + "/heldout.csv"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("\(script) exited \(process.terminationStatus)") }
        let json = try JSONValue.parse(Array(data))
        var result: [String: [String: Double]] = [:]
        for (name, model) in json["models"]?.objectValue ?? [:] {
            result[name] = (model.objectValue ?? [:]).compactMapValues(\.doubleValue)
        }
        return result
    }

    static func printRMSE(_ rmse: [String: [String: Double]], offers: [String]) {
        let columns = offers + ["pooled"]
        print("\nRMSE of τ(x) on held-out customers (eligible pairs):\n")
        print("| model | " + columns.joined(separator: " | ") + " |")
        print("|---|" + String(repeating: "---|", count: columns.count))
        for name in rmse.keys.sorted() {
            print("| \(name) | " + columns.map { rmse[name]?[$0].map { String(format: "%.4f", $0) } ?? "—" }.joined(separator: " | ") + " |")
        }
        let references = rmse.filter { !$0.key.hasPrefix("xsell") }.compactMap { $0.value["pooled"] }
        guard let best = references.min() else { return }
        for name in rmse.keys.sorted() where name.hasPrefix("xsell") {
            if let own = rmse[name]?["pooled"] {
                print("\nRMSE(\(name)) / RMSE(best reference) = \(String(format: "%.3f", own / best))")
            }
        }
    }

    static func printSegments(_ accuracy: [SimulationEvaluation.OfferAccuracy]) {
        print("\nT-learner, mean estimated τ per true segment (held-out customers):\n")
        print("| offer | customers | model ready | segment agreement | " + UpliftSegment.reportOrder.map(\.rawValue).joined(separator: " | ") + " |")
        print("|---|---|---|---|" + String(repeating: "---|", count: UpliftSegment.reportOrder.count))
        for a in accuracy {
            let cells = UpliftSegment.reportOrder.map { s in
                a.meanEstimatedTauBySegment[s].map { String(format: "%+.3f (n=%d)", $0, a.trueSegments[s] ?? 0) } ?? "—"
            }
            print("| \(a.offerId) | \(a.customers) | \(a.modelReady) | \(String(format: "%.2f", a.segmentAgreement)) | "
                + cells.joined(separator: " | ") + " |")
        }
        print("")
    }
}

extension UpliftSegment {
    /// The four segments of a trained model, in report order.
    static let reportOrder: [UpliftSegment] = [.persuadable, .sureThing, .lostCause, .sleepingDog]
}
