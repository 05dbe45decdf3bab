/// The kind of a qualification rule.
public enum RuleType: String, Sendable, Hashable, CaseIterable {
    /// Compares a customer or request attribute.
    case attributeCondition = "attribute_condition"
    /// Compares a rolling metric of the feature state.
    case metricCondition = "metric_condition"
    /// Requires a minimum propensity.
    case propensityThreshold = "propensity_threshold"
}

/// Where a rule acts.
public enum RuleStage: String, Sendable, Hashable, CaseIterable {
    /// Hard filter: a failing offer is dropped.
    case eligibility
    /// Soft: a failing offer's score is multiplied by the rule's `decay`.
    case match
}

/// What a rule does when its input is missing.
public enum OnMissing: String, Sendable, Hashable, CaseIterable {
    /// The rule fails (default; safe for regulated offers).
    case fail
    /// The rule passes.
    case pass
}

/// A comparison operator.
public enum ConditionOperator: String, Sendable, Hashable, CaseIterable {
    /// Equal.
    case eq
    /// Not equal.
    case neq
    /// Greater than.
    case gt
    /// Greater than or equal.
    case gte
    /// Less than.
    case lt
    /// Less than or equal.
    case lte
    /// Member of the value array.
    case `in`
    /// Not a member of the value array.
    case notIn = "not_in"
    /// The attribute has a non-null value.
    case exists
    /// The attribute is missing or null.
    case notExists = "not_exists"

    /// gt, gte, lt, lte.
    public var isOrdering: Bool { self == .gt || self == .gte || self == .lt || self == .lte }
    /// in, not_in.
    public var isMembership: Bool { self == .in || self == .notIn }
    /// exists, not_exists (take no value).
    public var isExistence: Bool { self == .exists || self == .notExists }
}

/// Where an attribute reference reads from.
public enum AttributeSource: String, Sendable, Hashable, CaseIterable {
    /// The customer's enriched feature state (schema fields).
    case customer
    /// The request's `attributes`.
    case request
}

/// `customer.X` or `request.X`.
public struct AttributeReference: Sendable, Hashable, CustomStringConvertible {
    /// The source.
    public var source: AttributeSource
    /// The attribute name.
    public var name: String
    /// Creates a reference.
    public init(source: AttributeSource, name: String) {
        self.source = source
        self.name = name
    }
    /// `source.name`.
    public var description: String { "\(source.rawValue).\(name)" }
}

/// Rolling metrics of the feature state usable in `metric_condition`.
public enum RollingMetric: String, Sendable, Hashable, CaseIterable {
    /// Contacts in the last 7 days.
    case contacts7d = "contacts_7d"
    /// Contacts in the last 30 days.
    case contacts30d = "contacts_30d"
    /// Impressions in the last 30 days.
    case impressions30d = "impressions_30d"
    /// Conversions in the last 90 days.
    case conversions90d = "conversions_90d"
    /// Days since the last contact (missing when never contacted).
    case daysSinceLastContact = "days_since_last_contact"
}

/// `attribute_condition` config.
public struct AttributeCondition: Sendable, Hashable {
    /// The attribute compared.
    public var attribute: AttributeReference
    /// The operator.
    public var op: ConditionOperator
    /// The operand (`nil` for exists/not_exists; an array for in/not_in).
    public var value: JSONValue?
    /// Creates a condition.
    public init(attribute: AttributeReference, op: ConditionOperator, value: JSONValue?) {
        self.attribute = attribute
        self.op = op
        self.value = value
    }
}

/// `metric_condition` config.
public struct MetricCondition: Sendable, Hashable {
    /// The metric compared.
    public var metric: RollingMetric
    /// The operator (eq, neq, gt, gte, lt, lte).
    public var op: ConditionOperator
    /// The operand.
    public var value: Double
    /// Creates a condition.
    public init(metric: RollingMetric, op: ConditionOperator, value: Double) {
        self.metric = metric
        self.op = op
        self.value = value
    }
}

/// A rule's condition, by type.
public enum RuleCondition: Sendable, Hashable {
    /// `attribute_condition`.
    case attribute(AttributeCondition)
    /// `metric_condition`.
    case metric(MetricCondition)
    /// `propensity_threshold`: passes when P ≥ threshold.
    case propensity(threshold: Double)
}

/// A qualification rule.
public struct QualificationRule: Sendable, Hashable {
    /// Unique name (used in explanations).
    public var name: String
    /// The offer it applies to; `nil` means every offer.
    public var offer: String?
    /// Eligibility or match.
    public var stage: RuleStage
    /// Score multiplier when a match rule fails (0.1–1.0); `nil` for eligibility rules.
    public var decay: Double?
    /// Behaviour when the input is missing.
    public var onMissing: OnMissing
    /// The condition.
    public var condition: RuleCondition

    /// Creates a rule.
    public init(name: String, offer: String?, stage: RuleStage = .eligibility, decay: Double? = nil,
                onMissing: OnMissing = .fail, condition: RuleCondition) {
        self.name = name
        self.offer = offer
        self.stage = stage
        self.decay = decay
        self.onMissing = onMissing
        self.condition = condition
    }

    /// The rule type implied by its condition.
    public var type: RuleType {
        switch condition {
        case .attribute: .attributeCondition
        case .metric: .metricCondition
        case .propensity: .propensityThreshold
        }
    }
}
