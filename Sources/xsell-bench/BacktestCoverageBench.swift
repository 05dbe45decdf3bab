import Analytics
import ArgumentParser
import ConfigLoading
import Foundation
import Learning
import Simulation
import XSellCore

/// `xsell-bench backtest-coverage`: how often the backtest's 95% CIs cover the candidate's true
/// value, and how biased its estimates are, over many seeds of logs with known conversion
/// probabilities and logging propensities (``BacktestCoverage``; table in docs/backtesting.md).
struct BacktestCoverageBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest-coverage",
        abstract: "Coverage and bias of the off-policy backtest (IPS, SNIPS, DR) against the truth, over seeds.")

    @Option(help: "Seeds per design.") var seeds: Int = 20
    @Option(help: "Logged decisions per seed.") var decisions: Int = 4_000
    @Option(help: "Candidates (targeted, learned, card).") var candidates: [String] = ["targeted", "learned", "card"]
    @Option(help: "Exposures of each seed's synthetic-bank history (0: skip the simulator design).")
    var simulatorExposures: Int = 20_000
    @Option(help: "The synthetic bank's configuration.") var config: String = "config/cross-sell.yaml"

    func run() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        var runs: [BacktestCoverage.Run] = []
        for design in [BacktestCoverage.Design.random, .confounded] {
            for seed in 1...UInt64(max(seeds, 1)) {
                runs += try BacktestCoverage.run(design: design, seed: seed, decisions: decisions, candidates: candidates)
            }
        }
        if simulatorExposures > 0 {
            let tutorial = try ConfigLoader.load(path: config)
            for seed in 1...UInt64(max(seeds, 1)) {
                runs += try BacktestCoverage.simulatorRun(tutorial: tutorial, seed: seed, exposures: simulatorExposures)
            }
        }
        let seconds = (clock.now - start) / .seconds(1)
        print("\(runs.count) backtests in \(String(format: "%.1f", seconds)) s: \(seeds) seeds of the two-offer world "
            + "(\(decisions) decisions, random and confounded logging, candidates \(candidates.joined(separator: ", "))) and "
            + (simulatorExposures > 0 ? "\(seeds) seeds of the synthetic bank (\(simulatorExposures) exposures)\n" : "no synthetic bank\n"))
        print("incremental conversions per 1,000 decisions:\n")
        print("| design | candidate | true value (mean) | estimator | coverage of 95% CI | mean bias | bias / true | mean CI half-width | mean ESS |")
        print("|---|---|---:|---|---:|---:|---:|---:|---:|")
        for row in BacktestCoverage.summarize(runs, metric: .incrementalConversions) {
            print("| \(row.design.rawValue) | \(row.candidate) | \(f(row.truth, 1)) | \(row.estimator.rawValue) | "
                + "\(row.covered)/\(row.seeds) (\(f(row.coverage * 100, 0))%) | \(f(row.bias, 2)) | \(f(row.relativeBias * 100, 1))% | "
                + "\(f(row.halfWidth, 1)) | \(f(row.ess, 0)) |")
        }
        print("\nconversions per 1,000 decisions (DR):\n")
        print("| design | candidate | true value (mean) | coverage of 95% CI | bias / true |")
        print("|---|---|---:|---:|---:|")
        for row in BacktestCoverage.summarize(runs, metric: .conversions) where row.estimator == .doublyRobust {
            print("| \(row.design.rawValue) | \(row.candidate) | \(f(row.truth, 1)) | \(row.covered)/\(row.seeds) | \(f(row.relativeBias * 100, 1))% |")
        }
    }

    private func f(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}
