import Projection
import XSellCore
import XSellTestSupport

/// A small synthetic bank with a planted effect on offer `card`: for young customers it is
/// persuadable (treated 35%, control 5%), for the others a sleeping dog (treated 10%, control 40%).
enum SyntheticLog {
    struct Timed {
        var day: Double
        var event: DomainEvent
    }

    /// Events with their event times, sorted by time. Decisions happen on days 0..<`days`;
    /// half of them carry a feature snapshot. A closing tick at `days + 35` ends every window.
    static func generate(customers: Int = 1600, days: Double = 40, seed: UInt64 = 7) -> [Timed] {
        var rng = SplitMix64(seed: seed)
        var out: [Timed] = []
        for n in 0..<customers {
            let id = "c\(n)"
            let young = rng.uniform() < 0.5
            let attributes: [String: AttributeValue] = ["young": .boolean(young), "tier": .string(young ? "silver" : "gold")]
            out.append(Timed(day: -1, event: Fixture.profile("p\(n)", id, at: -1, attributes)))
            let day = (rng.uniform() * days * 100).rounded() / 100
            let treated = rng.uniform() < 0.7
            let features = n % 2 == 0 ? attributes : nil
            out.append(Timed(day: day, event: Fixture.decision(
                "d\(n)", id, at: day, arm: treated ? .treatment : .control, features: features)))
            let p = young ? (treated ? 0.35 : 0.05) : (treated ? 0.10 : 0.40)
            if rng.uniform() < p {
                let at = day + 0.01 + (rng.uniform() * 2000).rounded() / 100
                out.append(Timed(day: at, event: Fixture.interaction("v\(n)", id, at: at, .conversion)))
            } else if treated && rng.uniform() < 0.1 {
                let at = day + 0.5
                out.append(Timed(day: at, event: Fixture.interaction("n\(n)", id, at: at, .dismiss)))
            }
        }
        out.append(Timed(day: days + 35, event: Fixture.profile("tick", "clock", at: days + 35, [:])))
        return out.enumerated().sorted { ($0.element.day, $0.offset) < ($1.element.day, $1.offset) }.map(\.element)
    }

    static let config = Fixture.config(minTreated: 200, minControl: 50)

    static func fold(_ events: [Timed]) -> ProjectionState {
        Fixture.fold(events.map(\.event), config: config)
    }
}
