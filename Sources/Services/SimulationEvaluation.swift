import DecisionFlow
import Learning
import Projection
import XSellCore

/// How well a projection trained on a simulated history knows the ground truth
/// (docs/benchmarks-quality.md).
public enum SimulationEvaluation {
    /// τ accuracy for one offer over held-out customers.
    public struct OfferAccuracy: Sendable, Hashable {
        /// The offer.
        public var offerId: String
        /// Held-out customers eligible for the offer.
        public var customers: Int
        /// √mean (τ̂(x) − τ(x))², with τ̂ the model's raw τ.
        public var rmse: Double
        /// Share of customers whose estimated segment is the true one.
        public var segmentAgreement: Double
        /// Customers per true segment.
        public var trueSegments: [UpliftSegment: Int]
        /// Mean estimated τ of the customers of each true segment.
        public var meanEstimatedTauBySegment: [UpliftSegment: Double]
        /// Whether the model had enough data (status ok) for the offer.
        public var modelReady: Bool
    }

    /// One policy of the closed-loop comparison.
    public struct PolicyResult: Sendable, Hashable {
        /// The flow's `upliftWeight`.
        public var upliftWeight: Double
        /// Offers shown (treatment-arm customers with an eligible offer, one offer each).
        public var contacts: Int
        /// Σ τ(x, o) over the contacts: the expected incremental conversions under the truth.
        public var expectedIncremental: Double
        /// Σ τ(x, o)·revenueValue(o): the expected incremental revenue.
        public var expectedIncrementalRevenue: Double
        /// Σ [u < μ_T] − [u < μ_C] with one uniform u per customer shared by both policies and
        /// both potential outcomes: drawn incremental conversions.
        public var drawnIncremental: Int
        /// Σ [u < μ_T]: drawn conversions of the contacts.
        public var drawnConversions: Int
    }

    /// τ accuracy per offer over `heldOut` customers (whose features the model never saw),
    /// each scored for the offers it is eligible for, at the state's log clock.
    public static func accuracy(state: ProjectionState, bank: SimulatedBank, heldOut: [SimulatedCustomer]) -> [OfferAccuracy] {
        let eligible = eligibleCustomers(bank: bank, customers: heldOut, at: Timestamp(millisecondsSinceEpoch: state.clockMillis ?? 0))
        return eligible.compactMap { offerId, customers in
            guard let report = state.upliftReport(offerId: offerId, features: customers.map(\.attributes)).first else { return nil }
            var squared = 0.0, agree = 0
            var segments: [UpliftSegment: Int] = [:]
            var estimatedBySegment: [UpliftSegment: Double] = [:]
            for (customer, estimate) in zip(customers, report.rows) {
                let truth = bank.truth.tau(offerId, customer)
                let segment = bank.truth.segment(offerId, customer)
                squared += (estimate.rawTau - truth) * (estimate.rawTau - truth)
                segments[segment, default: 0] += 1
                estimatedBySegment[segment, default: 0] += estimate.rawTau
                if estimate.segment == segment { agree += 1 }
            }
            let n = Double(customers.count)
            return OfferAccuracy(
                offerId: offerId, customers: customers.count, rmse: (squared / n).squareRoot(),
                segmentAgreement: Double(agree) / n, trueSegments: segments,
                meanEstimatedTauBySegment: estimatedBySegment.reduce(into: [:]) { $0[$1.key] = $1.value / Double(segments[$1.key]!) },
                modelReady: report.average.status == .ok)
        }
    }

    /// For each offer (by id), the customers of `customers` the flow finds eligible for it at `at`.
    public static func eligibleCustomers(
        bank: SimulatedBank, customers: [SimulatedCustomer], at: Timestamp
    ) -> [(offerId: String, customers: [SimulatedCustomer])] {
        var eligible: [String: [SimulatedCustomer]] = [:]
        for customer in customers {
            for offerId in bank.decide(customer, at: at, id: "eval-" + customer.id)?.candidates ?? [] {
                eligible[offerId, default: []].append(customer)
            }
        }
        return eligible.keys.sorted().map { ($0, eligible[$0]!) }
    }

    /// The RMSE over every (customer, offer) pair of `offers`.
    public static func pooledRMSE(_ offers: [OfferAccuracy]) -> Double {
        let n = offers.reduce(0) { $0 + $1.customers }
        guard n > 0 else { return .nan }
        return (offers.reduce(0.0) { $0 + $1.rmse * $1.rmse * Double($1.customers) } / Double(n)).squareRoot()
    }

    /// The closed loop: `customers` (new to the projection) each ask for one offer on the bank's
    /// channel; for every `upliftWeight` the flow of the bank's configuration with that weight
    /// decides from `state` (which has learned from a simulated history), and the truth says
    /// what the contacts earn. The same customers, holdout and random numbers serve every policy.
    public static func closedLoop(
        state trained: ProjectionState, bank: SimulatedBank, customers: [SimulatedCustomer], upliftWeights: [Double],
        seed: UInt64
    ) -> [PolicyResult] {
        var state = trained
        let clock = state.clockMillis ?? 0
        for customer in customers {
            state.apply(.profile(ProfileEvent(
                eventId: "loop-p-\(customer.id)", customerId: customer.id, occurredAt: Timestamp(millisecondsSinceEpoch: clock),
                attributes: customer.attributes)), position: state.nextPosition)
        }
        state.settle()
        var random = SimulationRandom(seed: seed)
        let uniforms = customers.map { _ in random.unit() }
        return upliftWeights.map { weight in
            let engine = DecisionEngine(config: withUpliftWeight(weight, bank.config))
            var result = PolicyResult(
                upliftWeight: weight, contacts: 0, expectedIncremental: 0, expectedIncrementalRevenue: 0,
                drawnIncremental: 0, drawnConversions: 0)
            for (customer, u) in zip(customers, uniforms) {
                let request = RecommendationRequest(
                    requestId: "loop-\(customer.id)", customerId: customer.id, channel: bank.channel,
                    decisionFlowKey: bank.flowKey, limit: 1)
                let ids = DecisionIdentifiers(
                    recommendationId: "loop-r-\(customer.id)", interactionId: "loop-i-\(customer.id)",
                    decisionEventId: "loop-d-\(customer.id)")
                guard case .decided(_, let event, _) = engine.decide(
                    request: request, view: state.view(customerId: customer.id),
                    now: Timestamp(millisecondsSinceEpoch: clock), ids: ids, pendingContacts: [])
                else { continue }
                for entry in event.decisions {
                    let muT = bank.truth.muTreated(entry.offerId, customer), muC = bank.truth.muControl(entry.offerId, customer)
                    result.contacts += 1
                    result.expectedIncremental += muT - muC
                    result.expectedIncrementalRevenue += (muT - muC) * (bank.config.offer(id: entry.offerId)?.revenueValue ?? 0)
                    result.drawnConversions += u < muT ? 1 : 0
                    result.drawnIncremental += (u < muT ? 1 : 0) - (u < muC ? 1 : 0)
                }
            }
            return result
        }
    }

    /// `config` with every formula of every flow (and channel override) given `upliftWeight`.
    public static func withUpliftWeight(_ upliftWeight: Double, _ config: XSellConfig) -> XSellConfig {
        var config = config
        for f in config.flows.indices {
            config.flows[f].score.formula?.upliftWeight = upliftWeight
            for o in config.flows[f].score.overrides.indices {
                config.flows[f].score.overrides[o].formula.upliftWeight = upliftWeight
            }
        }
        return config
    }
}
