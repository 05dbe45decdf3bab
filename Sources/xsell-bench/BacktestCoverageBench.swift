import ArgumentParser
import Foundation
import Learning
import Services

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

    func run() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        var runs: [BacktestCoverage.Run] = []
        for design in BacktestCoverage.Design.allCases {
            for seed in 1...UInt64(max(seeds, 1)) {
                runs += try BacktestCoverage.run(design: design, seed: seed, decisions: decisions, candidates: candidates)
            }
        }
        let seconds = (clock.now - start) / .seconds(1)
        print("\(runs.count) backtests (\(seeds) seeds × 2 designs × \(candidates.count) candidates, "
            + "\(decisions) decisions each) in \(String(format: "%.1f", seconds)) s\n")
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
