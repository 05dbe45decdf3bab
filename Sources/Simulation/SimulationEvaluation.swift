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
}
