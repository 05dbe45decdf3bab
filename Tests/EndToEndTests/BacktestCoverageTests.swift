import Simulation
import Learning
import Testing

/// A small, fast version of `xsell-bench backtest-coverage`: logs with known conversion
/// probabilities and logging propensities, backtested end to end; the doubly robust 95% CI must
/// cover the candidate's true incremental conversions on most seeds, with small mean bias. The
/// seeds are fixed, so the outcome is deterministic.
@Suite struct BacktestCoverageTests {
    @Test(arguments: [BacktestCoverage.Design.random, .confounded])
    func doublyRobustCoversTheTruth(design: BacktestCoverage.Design) throws {
        var runs: [BacktestCoverage.Run] = []
        for seed in 1...4 as ClosedRange<UInt64> {
            runs += try BacktestCoverage.run(design: design, seed: seed, decisions: 1_500, candidates: ["targeted"])
        }
        let dr = try #require(BacktestCoverage.summarize(runs, metric: .incrementalConversions).first { $0.estimator == .doublyRobust })
        #expect(dr.seeds == 4 && dr.covered >= 3, "covered \(dr.covered) of \(dr.seeds)")
        // The mean error over the seeds within 3 standard errors of that mean (σ/√4).
        let standardError = runs.reduce(0) { $0 + $1.evaluation[.doublyRobust, .incrementalConversions].standardError } / 4
        #expect(abs(dr.bias) <= 3 * standardError / 2, "bias \(dr.bias) of \(dr.truth), standard error \(standardError)")
        // The targeted candidate's truth: τ 0.12 (long tenure) or 0.10 (short), about 110 per 1,000.
        #expect(abs(dr.truth - 110) < 5)
    }
}
