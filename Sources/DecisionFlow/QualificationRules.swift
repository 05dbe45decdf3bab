import XSellCore

/// What a failing rule saw.
public enum ObservedValue: Sendable, Hashable {
    /// The attribute, metric or propensity was missing.
    case missing
    /// The attribute's value.
    case attribute(AttributeValue)
    /// The metric's or propensity's value.
    case number(Double)
}

/// The result of one rule for one offer.
public enum RuleOutcome: Sendable, Hashable {
    /// The rule holds (or its input is missing and it is `onMissing: pass`).
    case passed
    /// The rule does not hold; the value it saw.
    case failed(ObservedValue)
}

/// A qualification rule compiled for evaluation: operands parsed once, not per decision.
public struct CompiledRule: Sendable {
    /// The configured rule.
    public let rule: QualificationRule
    private let operands: [ConditionOperand]

    /// Compiles `rule`.
    public init(_ rule: QualificationRule) {
        self.rule = rule
        if case .attribute(let condition) = rule.condition, let value = condition.value {
            operands = (value.arrayValue ?? [value]).map(ConditionOperand.init)
        } else {
            operands = []
        }
    }

    /// Whether the rule needs the offer's propensity.
    public var needsPropensity: Bool {
        if case .propensity = rule.condition { return true }
        return false
    }

    /// Evaluates the rule for `customer`; `propensity` is the offer's P when known.
    ///
    /// A missing input (absent or null attribute, undefined metric, unknown propensity) fails the
    /// rule unless it is `onMissing: pass`; `exists` and `not_exists` test presence itself.
    public func evaluate(customer: EnrichedCustomer, propensity: Double?) -> RuleOutcome {
        switch rule.condition {
        case .attribute(let condition):
            let value = customer.value(of: condition.attribute)
            switch condition.op {
            case .exists: return value != nil ? .passed : .failed(.missing)
            case .notExists: return value.map { .failed(.attribute($0)) } ?? .passed
            default: break
            }
            guard let value else { return missingOutcome }
            let holds: Bool = switch condition.op {
            case .in: operands.contains { $0.order(of: value) == 0 }
            case .notIn: !operands.contains { $0.order(of: value) == 0 }
            default: condition.op.holds(order: operands.first?.order(of: value))
            }
            return holds ? .passed : .failed(.attribute(value))
        case .metric(let condition):
            guard let value = customer.metrics.value(of: condition.metric) else { return missingOutcome }
            return condition.op.holds(value, condition.value) ? .passed : .failed(.number(value))
        case .propensity(let threshold):
            guard let propensity else { return missingOutcome }
            return propensity >= threshold ? .passed : .failed(.number(propensity))
        }
    }

    private var missingOutcome: RuleOutcome {
        rule.onMissing == .pass ? .passed : .failed(.missing)
    }

    /// The human-readable reason the rule failed having seen `observed`, e.g.
    /// `customer.hasCreditCard is true, needs eq false` or `customer.tier is missing`.
    public func reason(observed: ObservedValue) -> String {
        let subject: String
        let requirement: String
        switch rule.condition {
        case .attribute(let condition):
            subject = condition.attribute.description
            requirement = condition.value.map { "\(condition.op.rawValue) \($0)" } ?? condition.op.rawValue
        case .metric(let condition):
            subject = condition.metric.rawValue
            requirement = "\(condition.op.rawValue) \(JSONValue.number(condition.value))"
        case .propensity(let threshold):
            subject = "propensity"
            requirement = "gte \(JSONValue.number(threshold))"
        }
        switch observed {
        case .missing:
            if case .attribute(let condition) = rule.condition, condition.op == .exists {
                return "\(subject) is missing, needs exists"
            }
            return "\(subject) is missing (a rule on a missing value fails unless onMissing: pass)"
        case .attribute(let value): return "\(subject) is \(value.jsonValue), needs \(requirement)"
        case .number(let value): return "\(subject) is \(JSONValue.number(value)), needs \(requirement)"
        }
    }
}

/// The verdict of the qualify stage for one offer.
public enum QualificationVerdict: Sendable {
    /// Every eligibility rule holds; `fitMultiplier` is the product of the decays of the match
    /// rules that failed (1 when all hold).
    case eligible(fitMultiplier: Double)
    /// An eligibility rule failed (the first one, in configuration order).
    case ineligible(rule: CompiledRule, observed: ObservedValue)
}

/// The qualify stage for one offer: its eligibility rules (hard) and match rules (soft), in
/// configuration order, AND-combined.
public struct OfferQualification: Sendable {
    /// Rules that drop the offer when they fail.
    public let eligibilityRules: [CompiledRule]
    /// Rules that multiply the score by their `decay` when they fail.
    public let matchRules: [CompiledRule]

    /// Compiles the rules that apply to one offer.
    public init(rules: [QualificationRule]) {
        eligibilityRules = rules.filter { $0.stage == .eligibility }.map(CompiledRule.init)
        matchRules = rules.filter { $0.stage == .match }.map(CompiledRule.init)
    }

    /// Whether any rule needs the offer's propensity (so the learner is asked before qualifying).
    public var needsPropensity: Bool {
        eligibilityRules.contains(where: \.needsPropensity) || matchRules.contains(where: \.needsPropensity)
    }

    /// Qualifies the offer for `customer`; `propensity` is its P when known.
    public func qualify(customer: EnrichedCustomer, propensity: Double?) -> QualificationVerdict {
        // By index: iterating by value would copy (retain and release) every rule.
        for i in eligibilityRules.indices {
            if case .failed(let observed) = eligibilityRules[i].evaluate(customer: customer, propensity: propensity) {
                return .ineligible(rule: eligibilityRules[i], observed: observed)
            }
        }
        var fitMultiplier = 1.0
        for i in matchRules.indices {
            if case .failed = matchRules[i].evaluate(customer: customer, propensity: propensity) {
                fitMultiplier *= matchRules[i].rule.decay ?? 1
            }
        }
        return .eligible(fitMultiplier: fitMultiplier)
    }
}
