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
    public init(config: XSellConfig, truth: GroundTruth = .tutorial, channel: String = "in_app") {
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
}

/// An offline history of the synthetic bank for the quality benchmark and the simulator's
/// `--events-out` (docs/simulation.md): one decision per customer, on the flow's holdout
/// (10% control in the tutorial) with a *randomised* treatment — a treated customer is shown
/// one of its eligible offers chosen uniformly — and outcomes drawn from the ground truth.
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

    /// Draws customers until `exposureCount` exposures exist. Deterministic in `seed`.
    public static func generate(
        bank: SimulatedBank, exposures exposureCount: Int, seed: UInt64, days: Int = 45, start: Timestamp = defaultStart
    ) -> SimulatedHistory {
        var random = SimulationRandom(seed: seed)
        var history = SimulatedHistory()
        var timed: [(Int64, DomainEvent)] = []
        let day = Timestamp.millisecondsPerDay
        let t0 = start.millisecondsSinceEpoch
        var n = 0
        while history.exposures.count < exposureCount {
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
            let shown: [String]
            if decision.arm == .treatment {
                let pick = decision.candidates[random.index(decision.candidates.count)]
                decision.decisions = [DecisionEntry(offerId: pick, rank: 1)]
                shown = [pick]
            } else {
                shown = decision.candidates
            }
            timed.append((at, .decision(decision)))
            for offerId in shown {
                let treated = decision.arm == .treatment
                let p = treated ? bank.truth.muTreated(offerId, customer) : bank.truth.muControl(offerId, customer)
                let converted = random.bernoulli(p)
                history.exposures.append(SimulatedExposure(customer: index, offerId: offerId, treated: treated, converted: converted))
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
