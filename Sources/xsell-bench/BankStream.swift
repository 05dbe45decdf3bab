import Projection
import Simulation
import XSellCore

/// A deterministic synthetic bank stream for `xsell-bench fold`: one profile per customer, then
/// decisions spread evenly over `days` (10% of customers in the holdout: treated decisions return
/// two of the tutorial's offers, control ones list all four as candidates; half carry a feature
/// snapshot), conversions 0–14 days after 10% of decisions (2% of them arrive 35 days late, after
/// their window closed), and a `dismiss` half a day after 5% of treated decisions.
///
/// `emit` produces the stream in one of the arrival orders that independent topic consumers give
/// (`Order`), without holding the stream in memory: decisions are generated in time order and the
/// interactions they cause wait in a heap until their arrival time.
struct BankStream {
    /// How the topics interleave in the log.
    enum Order: String, CaseIterable {
        /// Event-time order (late conversions still arrive late).
        case time
        /// The interaction topic runs two days ahead of the decision topic.
        case conversionsFirst = "conversions-first"
        /// Every profile arrives after every decision and interaction.
        case profilesLast = "profiles-last"
        /// The last third of the period arrives first, then the history before it.
        case backfill
    }

    let customers: Int
    var decisions: Int
    let offers: [String]
    let days: Int
    var seed: UInt64 = 42
    /// Start of the period (default 2024-06-01T00:00:00Z).
    var start: Int64 = 1_717_200_000_000
    /// Prefix of event ids (a tail stream has its own).
    var idPrefix = ""
    static let day: Int64 = 86_400_000

    /// A stream of about `events` events over `customers` customers.
    init(events: Int, customers: Int, offers: [String], days: Int = 90) {
        self.customers = max(customers, 1)
        // Per decision: itself, 0.1 conversion and 0.045 dismiss on average.
        self.decisions = max(0, Int(Double(events - customers) / 1.145))
        self.offers = offers
        self.days = days
    }

    /// The days after this stream: `fraction` of its decisions over `fraction` of its days, same
    /// customers, other ids and seed.
    func tail(fraction: Double) -> BankStream {
        var tail = BankStream(events: 0, customers: customers, offers: offers, days: max(1, Int(Double(days) * fraction)))
        tail.decisions = Int(Double(decisions) * fraction)
        tail.start = start + Int64(days) * Self.day
        tail.seed = seed &+ 1
        tail.idPrefix = idPrefix + "t"
        return tail
    }

    /// Calls `body` with every event in `order` (with `profiles: false`, no profile events).
    func emit(_ order: Order, profiles withProfiles: Bool = true, _ body: (DomainEvent) throws -> Void) throws {
        let split = start + Int64(days) * Self.day * 2 / 3
        switch order {
        case .time:
            try profiles(withProfiles, body)
            try events(decisionLag: 0, include: { _ in true }, body)
        case .conversionsFirst:
            try profiles(withProfiles, body)
            try events(decisionLag: 2 * Self.day, include: { _ in true }, body)
        case .profilesLast:
            try events(decisionLag: 0, include: { _ in true }, body)
            try profiles(withProfiles, body)
        case .backfill:
            try profiles(withProfiles, body)
            try events(decisionLag: 0, include: { $0 >= split }, body)
            try events(decisionLag: 0, include: { $0 < split }, body)
        }
    }

    func customerId(_ c: Int) -> String { "cust-\(c)" }

    func attributes(of c: Int) -> [String: AttributeValue] {
        var rng = SimulationRandom(seed: seed &+ UInt64(c) &* 0x9e37_79b9_7f4a_7c15)
        let tiers = ["basic", "plus", "premium", "private"]
        return [
            "tenureMonths": .integer(Int64(rng.next() % 240)),
            "tier": .string(tiers[Int(rng.next() % 4)]),
            "hasChecking": .boolean(rng.unit() < 0.9),
            "hasSavings": .boolean(rng.unit() < 0.3),
            "hasCreditCard": .boolean(rng.unit() < 0.4),
            "hasMortgage": .boolean(rng.unit() < 0.2),
            "hasBrokerage": .boolean(rng.unit() < 0.1),
            "avgMonthlyBalance": .decimal((rng.unit() * 50_000).rounded()),
        ]
    }

    private func profiles(_ enabled: Bool, _ body: (DomainEvent) throws -> Void) throws {
        guard enabled else { return }
        let at = Timestamp(millisecondsSinceEpoch: start - Self.day)
        for c in 0..<customers {
            try body(.profile(ProfileEvent(eventId: "p-\(c)", customerId: customerId(c), occurredAt: at, attributes: attributes(of: c))))
        }
    }

    /// Decisions and their interactions whose event time passes `include`, in arrival order:
    /// each event arrives at its event time plus a lag (decisions: `decisionLag`; late
    /// conversions: 35 days).
    private func events(decisionLag: Int64, include: (Int64) -> Bool, _ body: (DomainEvent) throws -> Void) throws {
        var waiting = BinaryHeap<Arrival>()
        var sequence = 0
        func enqueue(_ event: DomainEvent, lag: Int64) {
            let at = event.occurredAt.millisecondsSinceEpoch
            guard include(at) else { return }
            waiting.insert(Arrival(at: at + lag, sequence: sequence, event: event))
            sequence += 1
        }
        let span = Int64(days) * Self.day
        for i in 0..<decisions {
            let at = start + Int64(i) * span / Int64(max(decisions, 1))
            while let first = waiting.first, first.at < at { try body(waiting.popFirst()!.event) }
            var rng = SimulationRandom(seed: seed ^ (UInt64(i) &* 0xbf58_476d_1ce4_e5b9))
            let c = Int(rng.next() % UInt64(customers))
            let id = customerId(c)
            let treated = FNV1a64.hash("cross-sell:\(id)".utf8) % 10_000 >= 1_000
            let first = Int(rng.next() % UInt64(offers.count))
            let shown = treated ? [offers[first], offers[(first + 1) % offers.count]] : []
            let channel = ["email", "in_app", "branch"][i % 3]
            let decision = DecisionEvent(
                eventId: "\(idPrefix)d-\(i)", occurredAt: Timestamp(millisecondsSinceEpoch: at), customerId: id,
                recommendationId: "\(idPrefix)r-\(i)", interactionId: "\(idPrefix)i-\(i)", decisionFlowKey: "cross-sell", decisionFlowVersion: 2,
                channel: channel, arm: treated ? .treatment : .control, candidates: offers,
                decisions: shown.enumerated().map { DecisionEntry(offerId: $1, rank: $0 + 1) },
                features: rng.unit() < 0.5 ? attributes(of: c) : nil)
            enqueue(.decision(decision), lag: decisionLag)
            if rng.unit() < 0.10 {
                let offer = treated ? shown[Int(rng.next() % 2)] : offers[Int(rng.next() % UInt64(offers.count))]
                let late = rng.unit() < 0.02
                let when = at + Int64(rng.unit() * Double(14 * Self.day))
                enqueue(.interaction(InteractionEvent(
                    eventId: "\(idPrefix)v-\(i)", occurredAt: Timestamp(millisecondsSinceEpoch: when), customerId: id, offerId: offer,
                    recommendationId: treated ? "\(idPrefix)r-\(i)" : nil, channel: channel, outcome: .conversion)),
                    lag: late ? 35 * Self.day : 0)
            } else if treated && rng.unit() < 0.05 {
                enqueue(.interaction(InteractionEvent(
                    eventId: "\(idPrefix)n-\(i)", occurredAt: Timestamp(millisecondsSinceEpoch: at + Self.day / 2), customerId: id,
                    offerId: shown[0], recommendationId: "\(idPrefix)r-\(i)", channel: channel, outcome: .dismiss)), lag: 0)
            }
        }
        while let next = waiting.popFirst() { try body(next.event) }
    }

    private struct Arrival: Comparable {
        var at: Int64
        var sequence: Int
        var event: DomainEvent

        static func < (a: Arrival, b: Arrival) -> Bool { (a.at, a.sequence) < (b.at, b.sequence) }
        static func == (a: Arrival, b: Arrival) -> Bool { (a.at, a.sequence) == (b.at, b.sequence) }
    }
}
