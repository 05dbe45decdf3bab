import Foundation
import XSellCore

/// The `bends` world (docs/simulation.md): true μ_C and τ per offer with thresholds, bumps and
/// interactions of tenure, balance, tier and holdings, so that a model linear in the encoded
/// features cannot represent it. μ_T = μ_C + τ, kept inside [0.002, 0.98].
///
/// The shapes are smooth steps `step(v, at, width) = σ((v − at)/width)` and Gaussian bumps
/// `bump(v, centre, width) = exp(−((v − centre)/width)²)` of `lt = ln(1 + tenureMonths)` and
/// `lb = ln(1 + avgMonthlyBalance)`; their positions are business thresholds (36 and 120 months
/// of tenure, 2,000 and 45,000 of balance), not anything a learner's bins know about.
extension GroundTruth {
    /// The world with thresholds, bumps and interactions.
    public static let bends = GroundTruth(
        name: "bends",
        formula: "step(v,a,w) = sigmoid((v-a)/w), bump(v,c,w) = exp(-((v-c)/w)^2) of lt = ln(1+tenureMonths), lb = ln(1+avgMonthlyBalance); muTreated = clamp(muControl + tau, 0.002, 0.98); per offer see Sources/Services/SimulationWorlds.swift",
        offers: [
            "high-yield-savings": BendsWorld.offer(
                "persuadable in a middle balance band (about 1,500-20,000); above about 45,000 they open one anyway and a pitch puts them off (sleeping dogs); mortgage holders convert more",
                BendsWorld.savings),
            "rewards-credit-card": BendsWorld.offer(
                "persuadable before 36 months of tenure; past 120 months a pitch backfires, more with a mortgage (sleeping dogs, base rate raised by the mortgage) than without (lost causes)",
                BendsWorld.card),
            "wealth-management-account": BendsWorld.offer(
                "tier x holding x tenure: premium customers are persuadable unless they hold savings and have more than 5 years of tenure (sleeping dogs); private savers are put off, private non-savers persuadable early in the relationship",
                BendsWorld.wealth),
            "mortgage-pre-approval": BendsWorld.offer(
                "persuadable at 3-7 years of tenure (a bump), a sure thing elsewhere; balances below about 2,000 apply more often on their own and a pitch puts them off (lost causes); savers convert more",
                BendsWorld.mortgage),
        ])
}

/// The offers of the `bends` world.
enum BendsWorld {
    static func offer(
        _ story: String, _ shape: @escaping @Sendable (Shape) -> (control: Double, tau: Double)
    ) -> GroundTruth.OfferTruth {
        GroundTruth.OfferTruth(description: .object(["shape": .string(story)])) { customer in
            let (control, tau) = shape(Shape(customer))
            return (control, min(max(control + tau, 0.002), 0.98))
        }
    }

    /// The customer as the shapes see it.
    struct Shape {
        var lt, lb: Double
        var premium, privateTier, savings, mortgage: Bool

        init(_ c: SimulatedCustomer) {
            lt = log1p(Double(c.tenureMonths))
            lb = log1p(c.avgMonthlyBalance)
            premium = c.tier == "premium"
            privateTier = c.tier == "private"
            savings = c.holdings[1]
            mortgage = c.holdings[3]
        }
    }

    static func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }
    static func step(_ v: Double, at a: Double, width w: Double) -> Double { sigmoid((v - a) / w) }
    static func bump(_ v: Double, _ centre: Double, _ width: Double) -> Double { exp(-((v - centre) / width) * ((v - centre) / width)) }
    static func flag(_ b: Bool) -> Double { b ? 1 : 0 }

    @Sendable static func savings(_ s: Shape) -> (control: Double, tau: Double) {
        let rich = step(s.lb, at: 10.7, width: 0.2)
        let control = sigmoid(-3.1 + 1.7 * rich + 0.5 * flag(s.mortgage))
        let tau = 0.012 + 0.13 * bump(s.lb, 8.6, 0.9) - 0.15 * rich
        return (control, tau)
    }

    @Sendable static func card(_ s: Shape) -> (control: Double, tau: Double) {
        let early = step(s.lt, at: 3.6, width: -0.15)
        let long = step(s.lt, at: 4.8, width: 0.1)
        let control = sigmoid(-2.8 + 0.6 * flag(s.premium || s.privateTier) + 0.9 * long * flag(s.mortgage))
        let tau = 0.02 + 0.11 * early - long * (s.mortgage ? 0.12 : 0.075)
        return (control, tau)
    }

    @Sendable static func wealth(_ s: Shape) -> (control: Double, tau: Double) {
        let seasoned = step(s.lt, at: 4.1, width: 0.2)
        let control = sigmoid(-2.6 + 1.3 * flag(s.savings) * seasoned + 0.5 * flag(s.privateTier) + 0.3 * (s.lb - 11))
        let tau: Double
        if s.privateTier {
            tau = s.savings ? -0.07 : 0.03 + 0.09 * bump(s.lt, 3.0, 0.6)
        } else {
            tau = s.savings ? 0.10 - 0.23 * seasoned : 0.10 + 0.05 * step(s.lb, at: 11.5, width: 0.3)
        }
        return (control, tau)
    }

    @Sendable static func mortgage(_ s: Shape) -> (control: Double, tau: Double) {
        let low = step(s.lb, at: 7.6, width: -0.3)
        let control = sigmoid(-2.9 + 0.35 * (s.lb - 9) + 0.5 * flag(s.savings) + 1.0 * low)
        let tau = 0.015 + 0.12 * bump(s.lt, 4.1, 0.35) - 0.085 * low
        return (control, tau)
    }
}
