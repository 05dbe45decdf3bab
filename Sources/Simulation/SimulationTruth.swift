import Foundation
import XSellCore

/// The simulator's generator: the same seed gives the same bank, the same decisions and the
/// same outcomes on every machine.
public typealias SimulationRandom = SplitMix64

extension SplitMix64 {
    /// Uniform in [0, 1) (``uniform()``).
    public mutating func unit() -> Double { uniform() }

    /// True with probability `p`.
    public mutating func bernoulli(_ p: Double) -> Bool { unit() < p }

    /// Standard normal (Box–Muller).
    public mutating func normal() -> Double {
        let u = max(unit(), .leastNonzeroMagnitude)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * unit())
    }

    /// An index in `0..<count` (`count > 0`).
    public mutating func index(_ count: Int) -> Int { Int(next() % UInt64(count)) }
}

/// One customer of the synthetic bank, with the tutorial schema's attributes.
public struct SimulatedCustomer: Sendable, Hashable {
    /// `customer_id` and the Kafka key.
    public var id: String
    /// `tenureMonths`: log-uniform in 1…299.
    public var tenureMonths: Int
    /// `avgMonthlyBalance`: log-normal, ln b ~ N(9, 1.4²) (median ≈ 8,100).
    public var avgMonthlyBalance: Double
    /// `tier`: standard, premium or private (correlated with the balance, not determined by it).
    public var tier: String
    /// Holdings, in the order hasChecking, hasSavings, hasCreditCard, hasMortgage, hasBrokerage.
    public var holdings: [Bool]

    /// The schema's holding fields, in the order of `holdings`.
    public static let holdingFields = ["hasChecking", "hasSavings", "hasCreditCard", "hasMortgage", "hasBrokerage"]

    /// Draws customer `id` from `random` (the distribution is documented in docs/simulation.md).
    public init(id: String, random: inout SimulationRandom) {
        self.id = id
        tenureMonths = Int(exp(random.unit() * log(300.0)))
        avgMonthlyBalance = (exp(9 + 1.4 * random.normal()) * 100).rounded() / 100
        let u = random.unit()
        if (avgMonthlyBalance >= 150_000 && u < 0.6) || u < 0.01 {
            tier = "private"
        } else if (avgMonthlyBalance >= 25_000 && random.bernoulli(0.6)) || random.bernoulli(0.1) {
            tier = "premium"
        } else {
            tier = "standard"
        }
        holdings = [
            random.bernoulli(0.85), random.bernoulli(0.3), random.bernoulli(0.35),
            random.bernoulli(tenureMonths > 60 ? 0.35 : 0.15), random.bernoulli(tier == "private" ? 0.3 : 0.08),
        ]
    }

    /// The profile attributes (every schema field).
    public var attributes: [String: AttributeValue] {
        var a: [String: AttributeValue] = [
            "customer_id": .string(id), "tenureMonths": .integer(Int64(tenureMonths)), "tier": .string(tier),
            "avgMonthlyBalance": .decimal(avgMonthlyBalance),
        ]
        for (field, held) in zip(Self.holdingFields, holdings) { a[field] = .boolean(held) }
        return a
    }
}

/// The ground truth of a synthetic bank: per offer, the conversion probability of a customer if
/// not treated, μ_C(x), and if treated, μ_T(x); τ(x) = μ_T(x) − μ_C(x). Two worlds
/// (docs/simulation.md): `.linear`, logistic in ln(1+tenure), ln(1+balance) and the tier, and
/// `.bends` (`SimulationWorlds.swift`), with thresholds, bumps and interactions.
public struct GroundTruth: Sendable {
    /// Coefficients of one logistic function
    /// `σ(c₀ + c_t·u_t + c_b·u_b + c_prem·[premium] + c_priv·[private])` of
    /// `u_t = ln(1 + tenureMonths) − 3.5` and `u_b = (ln(1 + avgMonthlyBalance) − 9.5) / 1.5`.
    public struct Logit: Sendable, Hashable {
        /// c₀, c_t, c_b, c_prem, c_priv.
        public var intercept, tenure, balance, premium, privateTier: Double

        /// σ of the linear predictor for `customer`.
        public func probability(_ customer: SimulatedCustomer) -> Double {
            let ut = log1p(Double(customer.tenureMonths)) - 3.5
            let ub = (log1p(customer.avgMonthlyBalance) - 9.5) / 1.5
            let z = intercept + tenure * ut + balance * ub
                + (customer.tier == "premium" ? premium : 0) + (customer.tier == "private" ? privateTier : 0)
            return 1 / (1 + exp(-z))
        }

        var json: JSONValue {
            .object([
                "intercept": .number(intercept), "tenure": .number(tenure), "balance": .number(balance),
                "premium": .number(premium), "private": .number(privateTier),
            ])
        }
    }

    /// μ_C and μ_T of one offer.
    public struct OfferTruth: Sendable {
        /// The offer's truth as JSON (coefficients or a description of its shape).
        public var description: JSONValue
        /// `(μ_C(x), μ_T(x))`.
        public var probabilities: @Sendable (SimulatedCustomer) -> (control: Double, treated: Double)

        /// An offer whose μ_C and μ_T are logistic (the linear world).
        public static func logit(control: Logit, treated: Logit) -> OfferTruth {
            OfferTruth(
                description: .object(["muControl": control.json, "muTreated": treated.json]),
                probabilities: { (control.probability($0), treated.probability($0)) })
        }
    }

    /// The world's name (`linear`, `bends`).
    public var name: String
    /// The formula of the world, in words, for the truth file.
    public var formula: String
    /// The truth of each offer of the tutorial configuration.
    public var offers: [String: OfferTruth]

    /// The linear world of docs/simulation.md (the project's first simulator) for the tutorial's four offers.
    public static let linear = GroundTruth(
        name: "linear",
        formula: "mu = sigmoid(intercept + tenure*(ln(1+tenureMonths)-3.5) + balance*(ln(1+avgMonthlyBalance)-9.5)/1.5 + premium*[tier=premium] + private*[tier=private]); tau = muTreated - muControl",
        offers: [
            // Persuadable with small balances, sleeping dog with large ones (they would open it anyway).
            "high-yield-savings": .logit(
                control: Logit(intercept: -2.9, tenure: 0, balance: 1.1, premium: 0, privateTier: 0),
                treated: Logit(intercept: -2.0, tenure: 0, balance: 0.1, premium: 0, privateTier: 0)),
            // Persuadable early in the relationship; long-tenured customers are put off (lost causes
            // or, with large balances, sleeping dogs).
            "rewards-credit-card": .logit(
                control: Logit(intercept: -2.6, tenure: 0.3, balance: 0, premium: 0, privateTier: 0),
                treated: Logit(intercept: -2.4, tenure: -1.1, balance: 0.2, premium: 0, privateTier: 0)),
            // Premium customers are persuadable; private ones have an adviser already (sleeping dogs).
            "wealth-management-account": .logit(
                control: Logit(intercept: -2.4, tenure: 0, balance: 0.7, premium: 0, privateTier: 1.0),
                treated: Logit(intercept: -1.6, tenure: 0, balance: 0.3, premium: 0.3, privateTier: 0)),
            // Persuadable at 2–5 years of tenure, a sure thing later.
            "mortgage-pre-approval": .logit(
                control: Logit(intercept: -2.8, tenure: -0.3, balance: 0.3, premium: 0, privateTier: 0),
                treated: Logit(intercept: -1.8, tenure: -1.5, balance: 0.3, premium: 0, privateTier: 0)),
        ])

    /// The world called `name` (`linear` or `bends`), `nil` for another name.
    public static func named(_ name: String) -> GroundTruth? {
        switch name {
        case "linear": return .linear
        case "bends": return .bends
        default: return nil
        }
    }

    /// μ_C(x): the probability that `customer` takes up `offerId` unprompted (0 for an unknown offer).
    public func muControl(_ offerId: String, _ customer: SimulatedCustomer) -> Double {
        offers[offerId]?.probabilities(customer).control ?? 0
    }

    /// μ_T(x): the probability that `customer` takes up `offerId` when it is offered.
    public func muTreated(_ offerId: String, _ customer: SimulatedCustomer) -> Double {
        offers[offerId]?.probabilities(customer).treated ?? 0
    }

    /// τ(x) = μ_T(x) − μ_C(x).
    public func tau(_ offerId: String, _ customer: SimulatedCustomer) -> Double {
        muTreated(offerId, customer) - muControl(offerId, customer)
    }

    /// The true segment (guide §6 thresholds: ±0.05, base rate 0.10).
    public func segment(_ offerId: String, _ customer: SimulatedCustomer) -> UpliftSegment {
        let t = tau(offerId, customer)
        if t > 0.05 { return .persuadable }
        if t >= -0.05 { return .sureThing }
        return muControl(offerId, customer) >= 0.10 ? .sleepingDog : .lostCause
    }

    /// One customer's truth: its attributes and, per offer, μ_T, μ_C, τ and the segment.
    public func json(_ customer: SimulatedCustomer) -> JSONValue {
        .object([
            "customerId": .string(customer.id),
            "attributes": .object(customer.attributes.mapValues(\.jsonValue)),
            "offers": .object(Dictionary(uniqueKeysWithValues: offers.keys.map { offerId in
                (offerId, JSONValue.object([
                    "muTreated": .number(muTreated(offerId, customer)), "muControl": .number(muControl(offerId, customer)),
                    "tau": .number(tau(offerId, customer)), "segment": .string(segment(offerId, customer).rawValue),
                ]))
            })),
        ])
    }

    /// The truth as JSON: the world, its formula, and per offer its description.
    public var json: JSONValue {
        .object(["world": .string(name), "formula": .string(formula), "offers": .object(offers.mapValues(\.description))])
    }
}
