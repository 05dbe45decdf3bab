import XSellCore

/// A scalar operand of an `attribute_condition`, parsed once when the engine is built.
struct ConditionOperand: Sendable, Hashable {
    /// The operand as configured.
    let json: JSONValue
    /// The operand read as an RFC 3339 instant, for comparing timestamp attributes.
    let instant: Timestamp?

    init(_ json: JSONValue) {
        self.json = json
        self.instant = json.stringValue.flatMap(Timestamp.init(rfc3339:))
    }

    /// The order of `value` relative to this operand (−1, 0, 1), or `nil` when the two are of
    /// different kinds (a number against a string, …). Integers and decimals compare as numbers;
    /// booleans order false before true; strings compare lexicographically.
    func order(of value: AttributeValue) -> Int? {
        switch (value, json) {
        case (.string(let a), .string(let b)): return a == b ? 0 : (a < b ? -1 : 1)
        case (.integer, .number(let b)), (.decimal, .number(let b)):
            guard let a = value.doubleValue else { return nil }
            return a == b ? 0 : (a < b ? -1 : 1)
        case (.boolean(let a), .bool(let b)): return a == b ? 0 : (!a ? -1 : 1)
        case (.timestamp(let a), _):
            guard let b = instant else { return nil }
            return a == b ? 0 : (a < b ? -1 : 1)
        default: return nil
        }
    }
}

extension ConditionOperator {
    /// Whether an order (−1, 0, 1 as from `ConditionOperand.order(of:)`; `nil` when the kinds
    /// differ) satisfies this comparison operator. Kinds that differ are never equal, so only
    /// `neq` holds for them.
    func holds(order: Int?) -> Bool {
        guard let order else { return self == .neq }
        switch self {
        case .eq: return order == 0
        case .neq: return order != 0
        case .gt: return order > 0
        case .gte: return order >= 0
        case .lt: return order < 0
        case .lte: return order <= 0
        case .in, .notIn, .exists, .notExists: return false
        }
    }

    /// Whether `lhs op rhs` holds for numbers (metric conditions).
    func holds(_ lhs: Double, _ rhs: Double) -> Bool {
        holds(order: lhs == rhs ? 0 : (lhs < rhs ? -1 : 1))
    }
}
