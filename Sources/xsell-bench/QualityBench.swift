import ArgumentParser
import ConfigLoading
import Foundation
import Learning
import Projection
import Simulation
import XSellCore

/// `xsell-bench quality`: how well the projection's uplift learners recover the synthetic bank's
/// ground truth, against causalml's T- and X-learners fitted on exactly the same exported data
/// (docs/benchmarks-quality.md).
struct QualityBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality", abstract: "PEHE, policy value and sleeping-dog recall vs. the ground truth and causalml.")

    @Option(help: "Training decisions of the simulated history.") var decisions: Int = 100_000
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "World: bends or linear.") var world: String = "bends"
    @Option(help: "Treatment design: random or confounded.") var design: String = "random"
    @Option(help: "Held-out customers (features never seen in training).") var heldOut: Int = 50_000
    @Option(help: "xsell learners, comma-separated: \(LearnerVariant.names.joined(separator: ", ")).")
    var learners: String = "default,linear"
    @Option(help: "Configuration (the tutorial's).") var config: String = "config/cross-sell.yaml"
    @Option(help: "Python with causalml (scripts/provision-bench.sh installs it).") var python: String = ".tools/bench-venv/bin/python"
    @Option(help: "The reference script.") var reference: String = "scripts/uplift_reference.py"
    @Flag(help: "Score xsell only (no causalml fits).") var skipReferences = false
    @Option(help: "Directory for the exported CSV files.") var work: String = NSTemporaryDirectory() + "xsell-quality"

    func run() async throws {
        guard let truth = GroundTruth.named(world) else { throw ValidationError("--world: unknown world '\(world)'") }
        guard let treatment = TreatmentDesign(rawValue: design) else { throw ValidationError("--design: unknown design '\(design)'") }
        let variants = try learners.split(separator: ",").map { name in
            guard let v = LearnerVariant(rawValue: String(name)) else { throw ValidationError("--learners: unknown learner '\(name)'") }
            return v
        }
        let base = try ConfigLoader.load(path: config)
        let bank = SimulatedBank(config: base, truth: truth)
        let history = SimulatedHistory.generate(bank: bank, decisions: decisions, seed: seed, design: treatment)
        var random = SimulationRandom(seed: seed &+ 1)
        let held = (0..<heldOut).map { SimulatedCustomer(id: "held-\($0)", random: &random) }
        let treated = history.exposures.filter(\.treated).count
        print("world \(world), design \(design), seed \(seed): \(history.customers.count) decisions, \(history.exposures.count) exposures "
            + "(\(treated) treated, \(history.exposures.count - treated) control), \(history.events.count) events; \(heldOut) held-out customers")

        let eligible = SimulationEvaluation.eligibleCustomers(
            bank: bank, customers: held, at: Timestamp(millisecondsSinceEpoch: history.events.last?.occurredAt.millisecondsSinceEpoch ?? 0))
        var estimates: [String: [[Double]]] = [:]
        var costs: [String: (foldNsPerExposure: Double, nsPerEstimate: Double)] = [:]
        for variant in variants {
            let (state, foldSeconds) = Self.fold(history, config: base, variant: variant)
            let (taus, estimateSeconds, count) = Self.estimates(state, eligible: eligible)
            estimates[variant.rawValue] = taus
            costs[variant.rawValue] = (foldSeconds * 1e9 / Double(history.exposures.count), estimateSeconds * 1e9 / Double(max(count, 1)))
            print("xsell \(variant.rawValue): fold \(String(format: "%.2f", foldSeconds)) s, \(count) estimates")
        }

        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try Self.writeCSV(work + "/train.csv", header: "offer," + Self.featureHeader + ",treatment,y,propensity",
            rows: history.exposures.map { e in
                "\(e.offerId),\(Self.features(history.customers[e.customer])),\(e.treated ? 1 : 0),\(e.converted ? 1 : 0),"
                    + (e.propensity.map { "\($0)" } ?? "")
            })
        var rows: [String] = []
        for (o, (offerId, customers)) in eligible.enumerated() {
            for (i, c) in customers.enumerated() {
                let own = variants.map { "\(estimates[$0.rawValue]![o][i])" }.joined(separator: ",")
                rows.append("\(c.id),\(offerId),\(Self.features(c)),\(bank.truth.tau(offerId, c)),\(bank.truth.muControl(offerId, c)),"
                    + "\(bank.truth.segment(offerId, c).rawValue)" + (own.isEmpty ? "" : "," + own))
            }
        }
        try Self.writeCSV(work + "/heldout.csv",
            header: "customer,offer," + Self.featureHeader + ",tau_true,mu_control_true,segment_true"
                + variants.map { ",xsell \($0.rawValue)" }.joined(),
            rows: rows)
        Self.printSegments(bank: bank, eligible: eligible)
        print("exported \(work)/train.csv and \(work)/heldout.csv (\(rows.count) held-out pairs); running \(reference)")
        let results = try Self.runReference(python: python, script: reference, work: work, skip: skipReferences)
        Self.printResults(results, costs: costs)
    }

    /// Folds `history` in log order through a projection with `variant`'s learners, then settles.
    static func fold(_ history: SimulatedHistory, config: XSellConfig, variant: LearnerVariant) -> (ProjectionState, Double) {
        var settings = ProjectionSettings(config: variant.configure(config))
        if let learner = variant.learner(layout: settings.encoder.layout) { settings.learner = learner }
        let clock = ContinuousClock()
        let start = clock.now
        var state = ProjectionState(settings: settings)
        for (position, event) in history.events.enumerated() { state.apply(event, position: UInt64(position)) }
        state.settle()
        return (state, (clock.now - start) / .seconds(1))
    }

    /// Raw τ per eligible pair through the scoring path's `ProjectionView.estimate`, and the time
    /// spent in `estimate` alone.
    static func estimates(
        _ state: ProjectionState, eligible: [(offerId: String, customers: [SimulatedCustomer])]
    ) -> ([[Double]], Double, Int) {
        let view = state.view(customerId: "held-out")
        var seconds = 0.0, count = 0
        let clock = ContinuousClock()
        let taus = eligible.map { offerId, customers in
            let encoded = customers.map { view.encode($0.attributes) }
            let start = clock.now
            let values = encoded.map { view.estimate(offerId: offerId, encoded: $0)?.uplift.rawTau ?? 0 }
            seconds += (clock.now - start) / .seconds(1)
            count += values.count
            return values
        }
        return (taus, seconds, count)
    }

    static let featureHeader = "tenureMonths,avgMonthlyBalance,tier," + SimulatedCustomer.holdingFields.joined(separator: ",")

    static func features(_ c: SimulatedCustomer) -> String {
        "\(c.tenureMonths),\(c.avgMonthlyBalance),\(c.tier)," + c.holdings.map { $0 ? "1" : "0" }.joined(separator: ",")
    }

    static func writeCSV(_ path: String, header: String, rows: [String]) throws {
        let text = ([header] + rows).joined(separator: "\n") + "\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Runs the reference script; returns model name → metric → value.
    static func runReference(python: String, script: String, work: String, skip: Bool) throws -> [String: [String: Double]] {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ValidationError("\(python) not found: run scripts/provision-bench.sh")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--train", work + "/train.csv", "--heldout", work + "/heldout.csv"] + (skip ? ["--skip-references"] : [])
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

    static func printResults(_ results: [String: [String: Double]], costs: [String: (foldNsPerExposure: Double, nsPerEstimate: Double)]) {
        func cell(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "—" }
        print("\n| model | PEHE | policy value (share of oracle) | sleeping-dog recall | fold ns/exposure | ns/estimate | fit s (CPU) |")
        print("|---|---|---|---|---|---|---|")
        for name in results.keys.sorted() {
            let m = results[name]!
            let cost = costs[String(name.dropFirst("xsell ".count))]
            print("| \(name) | \(cell(m["pehe"], "%.4f")) | \(cell(m["policy_share"].map { $0 * 100 }, "%.1f%%")) | "
                + "\(cell(m["sleeping_dog_recall"], "%.3f")) | \(cell(cost?.foldNsPerExposure, "%.0f")) | "
                + "\(cell(cost?.nsPerEstimate, "%.0f")) | \(name.hasPrefix("xsell") ? "—" : cell(m["fit_seconds"], "%.1f")) |")
        }
    }

    /// The true segments of the held-out pairs per offer.
    static func printSegments(bank: SimulatedBank, eligible: [(offerId: String, customers: [SimulatedCustomer])]) {
        print("\n| offer | held-out pairs | " + UpliftSegment.reportOrder.map(\.rawValue).joined(separator: " | ") + " |")
        print("|---|---|" + String(repeating: "---|", count: UpliftSegment.reportOrder.count))
        for (offerId, customers) in eligible {
            var n: [UpliftSegment: Int] = [:]
            for c in customers { n[bank.truth.segment(offerId, c), default: 0] += 1 }
            let cells = UpliftSegment.reportOrder.map { String(format: "%.0f%%", 100 * Double(n[$0] ?? 0) / Double(customers.count)) }
            print("| \(offerId) | \(customers.count) | " + cells.joined(separator: " | ") + " |")
        }
        print("")
    }
}

/// The xsell learners the quality bench can compare.
enum LearnerVariant: String, CaseIterable {
    /// The defaults: bending shared-base learners, T-learner τ.
    case `default`
    /// Bending learners, one model per arm.
    case perArm = "per-arm"
    /// Bending shared base, X-learner τ.
    case sharedX = "shared-x"
    /// The first release's linear logistic learners, T-learner.
    case linear
    /// The first release's linear logistic learners, X-learner.
    case linearX = "linear-x"

    static var names: [String] { allCases.map(\.rawValue) }

    func configure(_ config: XSellConfig) -> XSellConfig {
        var config = config
        config.learning.upliftMethod = (self == .sharedX || self == .linearX) ? .xLearner : .tLearner
        return config
    }

    /// The learner settings, `nil` for the projection's defaults.
    func learner(layout: InputLayout) -> UpliftLearnerSettings? {
        switch self {
        case .default: return nil
        case .sharedX: return UpliftLearnerSettings(bending: BendingSettings(layout: layout))
        case .perArm: return UpliftLearnerSettings(bending: BendingSettings(layout: layout, sharedBase: false))
        case .linear, .linearX: return .linear
        }
    }
}

extension UpliftSegment {
    /// The four segments of a trained model, in report order.
    static let reportOrder: [UpliftSegment] = [.persuadable, .sureThing, .lostCause, .sleepingDog]
}
