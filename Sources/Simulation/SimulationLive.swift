import Foundation
import KafkaClient
import Logging
import XSellClient
import XSellCore

/// `xsell simulate` against a running xsell (docs/simulation.md): publishes the synthetic bank's
/// profiles, asks the scoring worker for one offer per customer and round through
/// `recommendation.requested.v1`, and publishes the conversions the ground truth draws for what
/// was actually shown.
///
/// Time: the worker stamps each decision with its wall clock, so the simulator does too: a
/// conversion occurs a random 0.01–20 days after the reply was received. After the last round a
/// closing profile event (customer `sim-clock`) 31 days later moves the log clock past every
/// attribution window, so the projection labels and learns every exposure of the run; the
/// decisions of a later run are then scored with what this one taught the learners.
public struct LiveSimulation: Sendable {
    /// What a run did.
    public struct Summary: Sendable, Hashable {
        /// Requests answered with decisions.
        public var replies = 0
        /// Replies of the control arm (holdout).
        public var controlReplies = 0
        /// Offers shown.
        public var offersShown = 0
        /// Conversions of shown offers.
        public var treatedConversions = 0
        /// Organic conversions (offers not shown).
        public var organicConversions = 0
        /// Requests answered with an error.
        public var errors = 0
    }

    private let kafka: KafkaConfiguration
    private let bank: SimulatedBank
    private let seed: UInt64
    private let logger: Logger

    /// A simulation of `bank` on the Kafka cluster of `kafka`, deterministic in `seed` given the
    /// replies; its Kafka clients log to `logger`.
    public init(kafka: KafkaConfiguration, bank: SimulatedBank, seed: UInt64, logger: Logger) {
        self.kafka = kafka
        self.bank = bank
        self.seed = seed
        self.logger = logger
    }

    /// The customers of this seed (ids `live-<seed>-<n>`).
    public func customers(count: Int) -> [SimulatedCustomer] {
        var random = SimulationRandom(seed: seed)
        return (0..<count).map { SimulatedCustomer(id: "live-\(seed)-\($0)", random: &random) }
    }

    /// Publishes the profiles of `customers` and returns their event ids.
    public func publishProfiles(_ customers: [SimulatedCustomer]) async throws -> Set<String> {
        let now = WallClock.now()
        let events = customers.map { c in
            DomainEvent.profile(ProfileEvent(eventId: "live-p-\(c.id)", customerId: c.id, occurredAt: now, attributes: c.attributes))
        }
        try await publish(events)
        return Set(events.map(\.eventId))
    }

    /// Runs `rounds` rounds of one request per customer on the bank's channel, then publishes
    /// the closing profile. `progress` is called after every round with the summary so far.
    public func run(
        customers initial: [SimulatedCustomer], rounds: Int, progress: (Int, Summary) -> Void = { _, _ in }
    ) async throws -> Summary {
        let client = try RecommendationClient(kafka: kafka, logger: logger)
        try await client.start()
        var customers = initial
        var random = SimulationRandom(seed: seed ^ 0x5EED)
        var summary = Summary()
        for round in 0..<rounds {
            let replies = try await ask(client, customers: customers, round: round)
            var events: [DomainEvent] = []
            for (i, reply) in replies.enumerated() {
                guard case .response(let response) = reply else {
                    summary.errors += 1
                    continue
                }
                let received = WallClock.now()
                summary.replies += 1
                summary.controlReplies += response.controlGroup ? 1 : 0
                let shown = Set(response.decisions.map(\.offerId))
                summary.offersShown += shown.count
                for offer in bank.config.activeOffers where !holds(customers[i], offer) {
                    let treated = shown.contains(offer.id)
                    let p = treated ? bank.truth.muTreated(offer.id, customers[i]) : bank.truth.muControl(offer.id, customers[i])
                    guard random.bernoulli(p) else { continue }
                    if treated { summary.treatedConversions += 1 } else { summary.organicConversions += 1 }
                    let at = received.adding(milliseconds: Int64((0.01 + random.unit() * 19.99) * Double(Timestamp.millisecondsPerDay)))
                    events.append(.interaction(InteractionEvent(
                        eventId: "live-v-\(round)-\(customers[i].id)-\(offer.id)", occurredAt: at, customerId: customers[i].id,
                        offerId: offer.id, recommendationId: treated ? response.recommendationId : nil,
                        channel: bank.channel, outcome: .conversion, conversionValue: offer.revenueValue)))
                    take(offer, into: &customers[i])
                }
            }
            try await publish(events)
            progress(round + 1, summary)
        }
        try await client.close()
        let close = WallClock.now().adding(days: 31)
        try await publish([.profile(ProfileEvent(
            eventId: "live-p-clock-\(seed)-\(close.millisecondsSinceEpoch)", customerId: "sim-clock", occurredAt: close,
            attributes: [:]))])
        return summary
    }

    /// One request per customer, at most 64 in flight; replies in customer order.
    private func ask(_ client: RecommendationClient, customers: [SimulatedCustomer], round: Int) async throws -> [RecommendationReply] {
        var replies = [RecommendationReply?](repeating: nil, count: customers.count)
        try await withThrowingTaskGroup(of: (Int, RecommendationReply).self) { group in
            var next = 0
            func submit() {
                guard next < customers.count else { return }
                let i = next
                next += 1
                let request = RecommendationRequest(
                    requestId: "live-\(seed)-\(round)-\(i)", customerId: customers[i].id, channel: bank.channel,
                    decisionFlowKey: bank.flowKey, limit: 1)
                group.addTask { (i, try await client.recommend(request)) }
            }
            for _ in 0..<64 { submit() }
            while let (i, reply) = try await group.next() {
                replies[i] = reply
                submit()
            }
        }
        return replies.compactMap { $0 }
    }

    private func holds(_ customer: SimulatedCustomer, _ offer: Offer) -> Bool {
        guard let holding = offer.holding, let i = SimulatedCustomer.holdingFields.firstIndex(of: holding) else { return false }
        return customer.holdings[i]
    }

    private func take(_ offer: Offer, into customer: inout SimulatedCustomer) {
        guard let holding = offer.holding, let i = SimulatedCustomer.holdingFields.firstIndex(of: holding) else { return }
        customer.holdings[i] = true
    }

    private func publish(_ events: [DomainEvent]) async throws {
        guard !events.isEmpty else { return }
        let producer = try KafkaProducer(configuration: kafka, logger: logger)
        try await producer.sendAll(events.map {
            OutgoingMessage(topic: $0.topic.rawValue, key: Array($0.customerId.utf8), value: EventCodec.encode($0))
        })
        try await producer.close()
    }
}
