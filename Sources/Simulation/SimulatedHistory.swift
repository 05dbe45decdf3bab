import Foundation
import DecisionFlow
import Projection
import XSellCore

/// The synthetic bank's decisioning: the real `DecisionEngine` of a configuration, asked about
/// a simulated customer with no learned models, gives the eligible candidates (qualification,
/// suppression) and the experiment arm (the flow's hash holdout) of a decision.
public struct SimulatedBank: Sendable {
    /// The configuration (the tutorial's, normally).
    public let config: XSellConfig
    /// μ_T and μ_C of every offer.
    public let truth: GroundTruth
    /// The flow the simulated decisions belong to.
    public let flowKey: String
    /// The channel of the simulated requests.
    public let channel: String
    private let engine: DecisionEngine

    /// A bank for `config`; decisions use its first flow on `channel`.
    public init(config: XSellConfig, truth: GroundTruth = .linear, channel: String = "in_app") {
        self.config = config
        self.truth = truth
        self.flowKey = config.flows.first?.key ?? "cross-sell"
        self.channel = channel
        self.engine = DecisionEngine(config: config)
    }

    /// The decision the flow makes for `customer` at `at` with untrained learners (`nil` if the
    /// flow rejects the request). Its candidates and arm are the flow's; its returned offers
    /// are ranked without uplift.
    public func decide(_ customer: SimulatedCustomer, at: Timestamp, id: String) -> DecisionEvent? {
        var state = CustomerState(customerId: customer.id)
        state.attributes = customer.attributes
        let request = RecommendationRequest(requestId: id, customerId: customer.id, channel: channel, decisionFlowKey: flowKey)
        let ids = DecisionIdentifiers(recommendationId: "rec-" + id, interactionId: "int-" + id, decisionEventId: id)
        guard case .decided(_, let event, _) = engine.decide(
            request: request, view: ProfileOnlyView(customer: state), now: at, ids: ids, pendingContacts: [])
        else { return nil }
        return event
    }

    /// The share of decisions in the control arm: the flow's `holdoutPercent` (0 without an experiment).
    public var holdoutShare: Double {
        guard let experiment = config.flows.first(where: { $0.key == flowKey })?.experiment, experiment.enabled else { return 0 }
        return min(max(experiment.holdoutPercent / 100, 0), 1)
    }
}

/// A read port with a profile and no models (every learner untrained).
private struct ProfileOnlyView: DecisionView {
    let customer: CustomerState?
    func encode(_ features: [String: AttributeValue]) -> EncodedFeatures {
        EncodedFeatures(attributes: features, vector: [])
    }
    func estimate(offerId: String, encoded: EncodedFeatures) -> OfferEstimate? { nil }
}

/// One exposure of an offline simulated history, with its drawn outcome.
public struct SimulatedExposure: Sendable, Hashable {
    /// Index into ``SimulatedHistory/customers``.
    public var customer: Int
    /// The offer.
    public var offerId: String
    /// Treatment (offer shown) or control (holdout, eligible candidate).
    public var treated: Bool
    /// Whether the customer took the offer up within the attribution window.
    public var converted: Bool
    /// Treated exposures: the probability with which the logging policy showed this offer to this
    /// customer (holdout draw included), as logged in the decision. `nil` for control exposures.
    public var propensity: Double?
}

/// How the logging policy of an offline history picks the offer a treatment-arm customer sees.
public enum TreatmentDesign: String, Sendable, Hashable, CaseIterable {
    /// One eligible offer chosen uniformly: treated exposures are a random sample.
    case random
    /// Targets likely converters: offer `o` is shown with probability proportional to
    /// `(μ_C(o, x) / (1 − μ_C(o, x)))^1.5` among the eligible offers, the way a propensity
    /// model would target them. The known probability is logged as the decision's `propensity`.
    case confounded

    /// The probability of showing each of `candidates` to `customer` (sums to 1).
    func policy(_ candidates: [String], _ customer: SimulatedCustomer, truth: GroundTruth) -> [Double] {
        switch self {
        case .random:
            return candidates.map { _ in 1 / Double(candidates.count) }
        case .confounded:
            let w = candidates.map { o -> Double in
                let p = min(max(truth.muControl(o, customer), 1e-4), 1 - 1e-4)
                return pow(p / (1 - p), 1.5)
            }
            let total = w.reduce(0, +)
            return w.map { $0 / total }
        }
    }
}

/// An offline history of the synthetic bank for the quality benchmark and the simulator's
/// `--events-out` (docs/simulation.md): one decision per customer with a randomised holdout per
/// decision (the flow's `holdoutPercent`, 10% in the tutorial) — a control decision lists every
/// eligible offer — and, in the treatment arm, one eligible offer shown by the `design`'s
/// logging policy, whose probability (times the treatment share) the decision logs as the
/// entry's `propensity`; outcomes are drawn from the ground truth.
public struct SimulatedHistory: Sendable {
    /// 2024-09-29T00:00:00Z: day 19,995 since the epoch, a multiple of the 15-day model
    /// generation, so the whole history lands in one serving generation.
    public static let defaultStart = Timestamp(millisecondsSinceEpoch: 19_995 * Timestamp.millisecondsPerDay)

    /// Customers who got a decision, in decision order.
    public var customers: [SimulatedCustomer] = []
    /// Every exposure with its outcome.
    public var exposures: [SimulatedExposure] = []
    /// Profiles (day −1), decisions (days 0…`days`), conversions (within 20 days of their
    /// decision) and a closing profile of customer `sim-clock` 31 days after the last decision
    /// day that closes every attribution window; sorted by event time.
    public var events: [DomainEvent] = []

    /// Draws customers until `exposureCount` exposures or `decisionCount` decisions exist,
    /// whichever comes first. Deterministic in `seed`.
    public static func generate(
        bank: SimulatedBank, exposures exposureCount: Int = .max, decisions decisionCount: Int = .max, seed: UInt64,
        design: TreatmentDesign = .random,
        days: Int = 45, start: Timestamp = defaultStart
    ) -> SimulatedHistory {
        var random = SimulationRandom(seed: seed)
        var history = SimulatedHistory()
        var timed: [(Int64, DomainEvent)] = []
        let day = Timestamp.millisecondsPerDay
        let t0 = start.millisecondsSinceEpoch
        let holdout = bank.holdoutShare
        var n = 0
        while history.exposures.count < exposureCount && history.customers.count < decisionCount {
            let customer = SimulatedCustomer(id: "sim-\(seed)-\(n)", random: &random)
            let at = t0 + Int64(random.unit() * Double(Int64(days) * day))
            n += 1
            guard var decision = bank.decide(customer, at: Timestamp(millisecondsSinceEpoch: at), id: "sim-d-\(customer.id)"),
                  !decision.candidates.isEmpty else { continue }
            let index = history.customers.count
            history.customers.append(customer)
            timed.append((t0 - day, .profile(ProfileEvent(
                eventId: "sim-p-\(customer.id)", customerId: customer.id,
                occurredAt: Timestamp(millisecondsSinceEpoch: t0 - day), attributes: customer.attributes))))
            decision.arm = random.bernoulli(holdout) ? .control : .treatment
            var shown: [(offerId: String, propensity: Double?)]
            if decision.arm == .treatment {
                let policy = design.policy(decision.candidates, customer, truth: bank.truth)
                let u = random.unit()
                var pick = policy.count - 1, cumulative = 0.0
                for (i, p) in policy.enumerated() {
                    cumulative += p
                    if u < cumulative { pick = i; break }
                }
                let propensity = (1 - holdout) * policy[pick]
                decision.decisions = [DecisionEntry(offerId: decision.candidates[pick], rank: 1, propensity: propensity)]
                shown = [(decision.candidates[pick], propensity)]
            } else {
                decision.decisions = []
                shown = decision.candidates.map { ($0, nil) }
            }
            timed.append((at, .decision(decision)))
            for (offerId, propensity) in shown {
                let treated = decision.arm == .treatment
                let p = treated ? bank.truth.muTreated(offerId, customer) : bank.truth.muControl(offerId, customer)
                let converted = random.bernoulli(p)
                history.exposures.append(SimulatedExposure(
                    customer: index, offerId: offerId, treated: treated, converted: converted, propensity: propensity))
                guard converted else { continue }
                let when = at + Int64((0.01 + random.unit() * 19.99) * Double(day))
                timed.append((when, .interaction(InteractionEvent(
                    eventId: "sim-v-\(customer.id)-\(offerId)", occurredAt: Timestamp(millisecondsSinceEpoch: when),
                    customerId: customer.id, offerId: offerId,
                    recommendationId: treated ? decision.recommendationId : nil, channel: decision.channel,
                    outcome: .conversion, conversionValue: bank.config.offer(id: offerId)?.revenueValue))))
            }
        }
        let close = t0 + Int64(days + 31) * day
        timed.append((close, .profile(ProfileEvent(
            eventId: "sim-p-clock-\(seed)", customerId: "sim-clock", occurredAt: Timestamp(millisecondsSinceEpoch: close),
            attributes: [:]))))
        history.events = timed.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element.1)
        return history
    }
}
