/// Scope of a contact policy count.
public enum PolicyScope: String, Sendable, Hashable, CaseIterable {
    /// All contacts of the customer.
    case global
    /// Contacts for the same offer (or the policy's `offer`).
    case offer
    /// Contacts on the same channel.
    case channel
}

/// Period of a customer total cap: a calendar period in UTC (the decision flow's
/// `CalendarPeriod`), so "4 a month" resets on the 1st.
public enum PeriodType: String, Sendable, Hashable, CaseIterable {
    /// The UTC day.
    case daily
    /// The ISO week, from Monday 00:00 UTC.
    case weekly
    /// The calendar month.
    case monthly

    /// The longest the period lasts, in days (how much history the projection must keep).
    public var days: Int {
        switch self {
        case .daily: 1
        case .weekly: 7
        case .monthly: 31
        }
    }
}

/// `frequency_cap`: at most N contacts per day/week/month in a scope.
public struct FrequencyCap: Sendable, Hashable {
    /// What is counted together.
    public var scope: PolicyScope
    /// Restrict to one offer (scope `offer`); `nil` means each offer separately.
    public var offer: String?
    /// Maximum in the last day.
    public var maxPerDay: Int?
    /// Maximum in the last 7 days.
    public var maxPerWeek: Int?
    /// Maximum in the last 30 days.
    public var maxPerMonth: Int?
    /// Creates a cap.
    public init(scope: PolicyScope, offer: String? = nil, maxPerDay: Int? = nil, maxPerWeek: Int? = nil, maxPerMonth: Int? = nil) {
        self.scope = scope
        self.offer = offer
        self.maxPerDay = maxPerDay
        self.maxPerWeek = maxPerWeek
        self.maxPerMonth = maxPerMonth
    }
}

/// `customer_total_cap`: at most `maxTotal` contacts per period across everything.
public struct CustomerTotalCap: Sendable, Hashable {
    /// Maximum contacts.
    public var maxTotal: Int
    /// The period.
    public var periodType: PeriodType
    /// Creates a cap.
    public init(maxTotal: Int, periodType: PeriodType) {
        self.maxTotal = maxTotal
        self.periodType = periodType
    }
}

/// `cooldown`: no new contact within `hours` of the last one in scope.
public struct Cooldown: Sendable, Hashable {
    /// Hours to wait.
    public var hours: Double
    /// What is counted together.
    public var scope: PolicyScope
    /// Restrict to one offer.
    public var offer: String?
    /// Creates a cooldown.
    public init(hours: Double, scope: PolicyScope = .offer, offer: String? = nil) {
        self.hours = hours
        self.scope = scope
        self.offer = offer
    }
}

/// `outcome_based`: after one of `outcomes`, suppress for `suppressForDays`.
public struct OutcomeBased: Sendable, Hashable {
    /// Triggering outcomes.
    public var outcomes: [Outcome]
    /// Days to suppress.
    public var suppressForDays: Int
    /// `offer` suppresses the offer concerned; `global` every offer; `channel` the channel.
    public var scope: PolicyScope
    /// Creates the policy.
    public init(outcomes: [Outcome], suppressForDays: Int, scope: PolicyScope = .offer) {
        self.outcomes = outcomes
        self.suppressForDays = suppressForDays
        self.scope = scope
    }
}

/// `mutual_exclusion`: after a contact for one of `offers`, the others are blocked for `withinDays`.
public struct MutualExclusion: Sendable, Hashable {
    /// The mutually exclusive offers (at least two).
    public var offers: [String]
    /// Days of exclusion.
    public var withinDays: Int
    /// Creates the policy.
    public init(offers: [String], withinDays: Int) {
        self.offers = offers
        self.withinDays = withinDays
    }
}

/// The rule of a contact policy, by type.
public enum ContactPolicyRule: Sendable, Hashable {
    /// `frequency_cap`.
    case frequencyCap(FrequencyCap)
    /// `customer_total_cap`.
    case customerTotalCap(CustomerTotalCap)
    /// `cooldown`.
    case cooldown(Cooldown)
    /// `outcome_based`.
    case outcomeBased(OutcomeBased)
    /// `mutual_exclusion`.
    case mutualExclusion(MutualExclusion)
}

/// A contact policy.
public struct ContactPolicy: Sendable, Hashable {
    /// Name used in explanations; defaults to `contactPolicies[i]` when absent.
    public var name: String
    /// Apply only to requests on this channel; `nil` means every channel.
    public var channel: String?
    /// The rule.
    public var rule: ContactPolicyRule
    /// Creates a policy.
    public init(name: String, channel: String? = nil, rule: ContactPolicyRule) {
        self.name = name
        self.channel = channel
        self.rule = rule
    }
}

/// What the control arm gets.
public enum ControlGroupAction: String, Sendable, Hashable, CaseIterable {
    /// No offers.
    case noOffers = "no_offers"
    /// Offers ranked by priority only.
    case priorityFallback = "priority_fallback"
}

/// The holdout experiment of a flow.
public struct ExperimentConfig: Sendable, Hashable {
    /// Whether a holdout is drawn.
    public var enabled: Bool
    /// Percent of customers in control, 0–100.
    public var holdoutPercent: Double
    /// What control customers get.
    public var controlGroupAction: ControlGroupAction
    /// Creates an experiment config.
    public init(enabled: Bool = false, holdoutPercent: Double = 0, controlGroupAction: ControlGroupAction = .noOffers) {
        self.enabled = enabled
        self.holdoutPercent = holdoutPercent
        self.controlGroupAction = controlGroupAction
    }
}

/// A flow node type, in phase order.
public enum FlowPhase: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Load active offers.
    case inventory
    /// Load the customer's feature state.
    case enrich
    /// Apply qualification rules.
    case qualify
    /// Apply contact policies.
    case contactPolicy = "contact_policy"
    /// Score.
    case score
    /// Rank.
    case rank
    /// Build the response.
    case response

    /// Position in the required order.
    public var order: Int { FlowPhase.allCases.firstIndex(of: self)! }
    /// Orders by phase.
    public static func < (a: FlowPhase, b: FlowPhase) -> Bool { a.order < b.order }
}

/// The scoring method.
public enum ScoreMethod: String, Sendable, Hashable, CaseIterable {
    /// (priority/100)·fit.
    case priorityWeighted = "priority_weighted"
    /// P·fit.
    case propensity
    /// PRIE-U.
    case formula
}

/// Per-channel formula weights.
public struct ScoreOverride: Sendable, Hashable {
    /// The channel.
    public var channel: String
    /// Its weights.
    public var formula: FormulaWeights
    /// Creates an override.
    public init(channel: String, formula: FormulaWeights) {
        self.channel = channel
        self.formula = formula
    }
}

/// The score node.
public struct ScoreNode: Sendable, Hashable {
    /// The method.
    public var method: ScoreMethod
    /// Weights for `formula` (required then).
    public var formula: FormulaWeights?
    /// Per-channel weights.
    public var overrides: [ScoreOverride]
    /// Creates a score node.
    public init(method: ScoreMethod, formula: FormulaWeights? = nil, overrides: [ScoreOverride] = []) {
        self.method = method
        self.formula = formula
        self.overrides = overrides
    }
    /// The weights for `channel`: its override, else `formula`.
    public func weights(forChannel channel: String) -> FormulaWeights? {
        overrides.first { $0.channel == channel }?.formula ?? formula
    }
}

/// The ranking method.
public enum RankMethod: String, Sendable, Hashable, CaseIterable {
    /// Best N by score.
    case topN
}

/// The rank node.
public struct RankNode: Sendable, Hashable {
    /// The method.
    public var method: RankMethod
    /// Default number of decisions (≥ 1).
    public var maxCandidates: Int
    /// Creates a rank node.
    public init(method: RankMethod = .topN, maxCandidates: Int) {
        self.method = method
        self.maxCandidates = maxCandidates
    }
}

/// A decision flow.
public struct Flow: Sendable, Hashable {
    /// Key requests name, e.g. `cross-sell`.
    public var key: String
    /// Display name.
    public var name: String
    /// Version recorded on decisions.
    public var version: Int
    /// The holdout.
    public var experiment: ExperimentConfig
    /// The node types present, in phase order.
    public var phases: [FlowPhase]
    /// The score node.
    public var score: ScoreNode
    /// The rank node.
    public var rank: RankNode
    /// Creates a flow.
    public init(key: String, name: String, version: Int, experiment: ExperimentConfig, phases: [FlowPhase] = FlowPhase.allCases,
                score: ScoreNode, rank: RankNode) {
        self.key = key
        self.name = name
        self.version = version
        self.experiment = experiment
        self.phases = phases
        self.score = score
        self.rank = rank
    }
    /// Whether the flow has a node of `phase`.
    public func includes(_ phase: FlowPhase) -> Bool { phases.contains(phase) }
}
