import Analytics
import Learning
import XSellCore

extension BacktestCoverage {
    /// The synthetic bank of docs/simulation.md, driven read-only: its offline history (10 %
    /// hash holdout; a treated customer is shown one of its k eligible offers uniformly), with
    /// the logging propensity it used, 0.9·(1/k), written into each treated decision (the
    /// simulator logs none). Candidates rank with the tutorial flow cut to one offer: `uplift`
    /// (the tutorial's weights), `prie` (upliftWeight 0) and `priority` (priority_weighted).
    public static func simulatorRun(tutorial: XSellConfig, seed: UInt64, exposures: Int) throws -> [Run] {
        let bank = SimulatedBank(config: tutorial)
        let history = SimulatedHistory.generate(bank: bank, exposures: exposures, seed: seed)
        let treatedShare = 1 - (tutorial.flows.first?.experiment.holdoutPercent ?? 10) / 100
        let events = history.events.map { event -> DomainEvent in
            guard case .decision(var d) = event, d.arm == .treatment, !d.candidates.isEmpty else { return event }
            for i in d.decisions.indices { d.decisions[i].propensity = treatedShare / Double(d.candidates.count) }
            return .decision(d)
        }
        let customers = Dictionary(history.customers.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        func withoutUplift(_ config: XSellConfig) -> XSellConfig {
            var config = config
            for f in config.flows.indices {
                config.flows[f].score.formula?.upliftWeight = 0
                for o in config.flows[f].score.overrides.indices { config.flows[f].score.overrides[o].formula.upliftWeight = 0 }
            }
            return config
        }
        func topOne(_ config: XSellConfig) -> XSellConfig {
            var config = config
            for f in config.flows.indices { config.flows[f].rank.maxCandidates = 1 }
            return config
        }
        var priority = topOne(tutorial)
        for f in priority.flows.indices { priority.flows[f].score.method = .priorityWeighted }
        let policies = [
            (name: "uplift", config: topOne(tutorial)),
            (name: "prie", config: topOne(withoutUplift(tutorial))),
            (name: "priority", config: priority),
        ]
        // Evaluate the last 15 of the 45 days: the learners (the DR direct model) have labelled data.
        let from = Timestamp(millisecondsSinceEpoch: SimulatedHistory.defaultStart.millisecondsSinceEpoch + 30 * Timestamp.millisecondsPerDay)
        return try runs(design: .simulator, seed: seed, policies: policies, window: BacktestEvaluation.Window(from: from), events: events) {
            d, offerId in
            guard let customer = customers[d.customerId] else { return (0, 0) }
            return (bank.truth.tau(offerId, customer), bank.truth.muTreated(offerId, customer))
        }
    }

    /// Backtests `policies` on `events` and returns each policy's estimates with its true value,
    /// `truth(decision, offer) = (τ, μ_T)` summed over its picks, per 1,000 evaluated decisions.
    static func runs(
        design: Design, seed: UInt64, policies: [(name: String, config: XSellConfig)], window: BacktestEvaluation.Window,
        events: [DomainEvent], truth: (DecisionEvent, String) -> (tau: Double, muTreated: Double)
    ) throws -> [Run] {
        var incremental = [Double](repeating: 0, count: policies.count)
        var conversions = incremental
        var evaluated = 0
        let report = try BacktestEvaluation.run(policies: policies, window: window, observe: { d, picks in
            evaluated += 1
            for (p, offers) in picks.enumerated() {
                for o in offers {
                    let t = truth(d, o)
                    incremental[p] += t.tau
                    conversions[p] += t.muTreated
                }
            }
        }) { body in
            for (position, event) in events.enumerated() { try body(event, UInt64(position)) }
        }
        guard report.evaluated == evaluated else { throw StudyError(reason: "decisions in the window are still unlabelled") }
        let n = Double(max(evaluated, 1))
        return report.policies.enumerated().map { p, result in
            Run(design: design, seed: seed, candidate: result.name, trueIncremental: incremental[p] / n * 1_000,
                trueConversions: conversions[p] / n * 1_000, evaluation: result.evaluation)
        }
    }

    /// The study's log does not fit its assumptions.
    struct StudyError: Error, CustomStringConvertible {
        var reason: String
        var description: String { "backtest coverage study: \(reason)" }
    }
}
