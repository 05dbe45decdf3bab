/// The whole decisioning setup (guide §3), as loaded and validated by ``ConfigLoader``.
public struct XSellConfig: Sendable, Hashable {
    /// The customer schema.
    public var schema: CustomerSchema
    /// All offers, whatever their status.
    public var offers: [Offer]
    /// Qualification rules, in file order.
    public var qualificationRules: [QualificationRule]
    /// Delivery channels.
    public var channels: [Channel]
    /// Contact policies, in file order.
    public var contactPolicies: [ContactPolicy]
    /// Decision flows.
    public var flows: [Flow]
    /// Learning parameters.
    public var learning: LearningConfig
    /// The canonical text and fingerprint of the file it was loaded from (`nil` when built in code).
    public var source: ConfigSource?

    /// Creates a configuration (not validated: use ``ConfigLoader`` for files).
    public init(
        schema: CustomerSchema, offers: [Offer], qualificationRules: [QualificationRule], channels: [Channel],
        contactPolicies: [ContactPolicy], flows: [Flow], learning: LearningConfig = LearningConfig()
    ) {
        self.schema = schema
        self.offers = offers
        self.qualificationRules = qualificationRules
        self.channels = channels
        self.contactPolicies = contactPolicies
        self.flows = flows
        self.learning = learning
    }

    /// The offer with `id`.
    public func offer(id: String) -> Offer? { offers.first { $0.id == id } }
    /// The flow with `key`.
    public func flow(key: String) -> Flow? { flows.first { $0.key == key } }
    /// The channel called `name`.
    public func channel(named name: String) -> Channel? { channels.first { $0.name == name } }
    /// Channels whose contacts are explicit `impression` interactions: there a returned offer is
    /// not a contact by itself (guide §3), in the projection and in the worker's overlay alike.
    public var explicitImpressionChannels: Set<String> {
        Set(channels.filter { $0.impressionMode == .explicit }.map(\.name))
    }
    /// Offers with status `active` (what inventory loads), in file order.
    public var activeOffers: [Offer] { offers.filter { $0.status == .active } }
    /// Rules that apply to `offerId`: those scoped to it and those with no offer scope, in file order.
    public func rules(forOffer offerId: String) -> [QualificationRule] {
        qualificationRules.filter { $0.offer == nil || $0.offer == offerId }
    }
}

/// Lifecycle status of an offer.
public enum OfferStatus: String, Sendable, Hashable, CaseIterable {
    /// Being prepared.
    case draft
    /// Offered.
    case active
    /// Temporarily withheld.
    case paused
    /// Retired.
    case archived
}

/// A product that can be recommended.
public struct Offer: Sendable, Hashable {
    /// Stable id, e.g. `rewards-credit-card`.
    public var id: String
    /// Display name.
    public var name: String
    /// Status; only `active` offers are candidates.
    public var status: OfferStatus
    /// Category (used for propensity shrinkage).
    public var category: String
    /// 0–100; E = priority/100.
    public var priority: Int
    /// 0–100; I = businessValue/100.
    public var businessValue: Double
    /// Revenue of one conversion (currency units).
    public var revenueValue: Double
    /// The boolean schema field a conversion sets (the customer then holds the product).
    public var holding: String?
    /// Relevance 0–1 per channel; `nil` means 1.0 everywhere.
    public var channels: [String: Double]?

    /// Creates an offer.
    public init(
        id: String, name: String, status: OfferStatus = .active, category: String, priority: Int,
        businessValue: Double, revenueValue: Double, holding: String? = nil, channels: [String: Double]? = nil
    ) {
        self.id = id
        self.name = name
        self.status = status
        self.category = category
        self.priority = priority
        self.businessValue = businessValue
        self.revenueValue = revenueValue
        self.holding = holding
        self.channels = channels
    }

    /// R for `channel`: the configured relevance, 1.0 when no map is given, 0 for a channel
    /// missing from a given map.
    public func relevance(on channel: String) -> Double {
        guard let channels else { return 1.0 }
        return channels[channel] ?? 0
    }
}

/// Status of a channel.
public enum ChannelStatus: String, Sendable, Hashable, CaseIterable {
    /// In use.
    case active
    /// Not in use.
    case inactive
}

/// How placements in a channel relate.
public enum CouplingMode: String, Sendable, Hashable, CaseIterable {
    /// Each placement is decided independently.
    case partial
    /// All placements are filled or none.
    case atomic
}

/// When a returned offer counts as an impression.
public enum ImpressionMode: String, Sendable, Hashable, CaseIterable {
    /// Returning it to a treated customer is the impression.
    case implicit
    /// Only an `impression` interaction counts.
    case explicit
}

/// A delivery channel.
public struct Channel: Sendable, Hashable {
    /// Name, e.g. `in_app`.
    public var name: String
    /// Status.
    public var status: ChannelStatus
    /// Coupling mode.
    public var couplingMode: CouplingMode
    /// Impression mode.
    public var impressionMode: ImpressionMode

    /// Creates a channel.
    public init(name: String, status: ChannelStatus = .active, couplingMode: CouplingMode = .partial,
                impressionMode: ImpressionMode = .implicit) {
        self.name = name
        self.status = status
        self.couplingMode = couplingMode
        self.impressionMode = impressionMode
    }
}

/// The uplift learner.
public enum UpliftMethod: String, Sendable, Codable, Hashable, CaseIterable {
    /// τ = μ_T − μ_C.
    case tLearner = "t_learner"
    /// Künzel et al. 2019.
    case xLearner = "x_learner"
}

/// Learning parameters (guide §6).
public struct LearningConfig: Sendable, Hashable {
    /// The uplift learner.
    public var upliftMethod: UpliftMethod
    /// Days after an exposure in which a conversion is attributed to it.
    public var attributionWindowDays: Int
    /// Only exposures of the last this many days count.
    public var lookbackDays: Int
    /// Labelled treated exposures needed before τ is trusted.
    public var minTreated: Int
    /// Labelled control exposures needed before τ is trusted.
    public var minControl: Int
    /// τ above this is persuadable.
    public var persuadableThreshold: Double
    /// τ below this is a lost cause or sleeping dog.
    public var sleepingDogThreshold: Double
    /// μ_C at or above this makes a negative τ a sleeping dog.
    public var baseRateThreshold: Double

    /// Creates learning parameters; defaults are guide §6's.
    public init(
        upliftMethod: UpliftMethod = .tLearner, attributionWindowDays: Int = 30, lookbackDays: Int = 90,
        minTreated: Int = 200, minControl: Int = 50, persuadableThreshold: Double = 0.05,
        sleepingDogThreshold: Double = -0.05, baseRateThreshold: Double = 0.10
    ) {
        self.upliftMethod = upliftMethod
        self.attributionWindowDays = attributionWindowDays
        self.lookbackDays = lookbackDays
        self.minTreated = minTreated
        self.minControl = minControl
        self.persuadableThreshold = persuadableThreshold
        self.sleepingDogThreshold = sleepingDogThreshold
        self.baseRateThreshold = baseRateThreshold
    }
}
