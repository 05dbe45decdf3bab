import Projection
import XSellCore

/// The rolling contact and outcome metrics of a customer at the decision instant (guide §3
/// `metric_condition`). All windows are rolling (see ``CountingWindow``).
public struct RollingMetrics: Sendable, Hashable {
    /// Contacts in the last 7 × 24 h.
    public var contacts7d: Int
    /// Contacts in the last 30 × 24 h.
    public var contacts30d: Int
    /// Impressions in the last 30 × 24 h: explicit impressions, plus decision contacts on
    /// channels whose `impressionMode` is `implicit` (returning the offer was the impression).
    public var impressions30d: Int
    /// `conversion` outcomes in the last 90 × 24 h.
    public var conversions90d: Int
    /// Whole days (rounded down) since the latest contact; `nil` when never contacted.
    public var daysSinceLastContact: Int?

    /// Creates metrics.
    public init(contacts7d: Int, contacts30d: Int, impressions30d: Int, conversions90d: Int, daysSinceLastContact: Int?) {
        self.contacts7d = contacts7d
        self.contacts30d = contacts30d
        self.impressions30d = impressions30d
        self.conversions90d = conversions90d
        self.daysSinceLastContact = daysSinceLastContact
    }

    /// Computes the metrics from a contact history and outcomes at `now`, by binary searches
    /// in their indexes (the length of the history costs nothing).
    /// - Parameter implicitImpressionChannels: channels where a decision contact is an impression.
    public init(history: ContactHistory, outcomes: Timeline<OutcomeRecord>, now: Timestamp, implicitImpressionChannels: Set<String>) {
        let week = CountingWindow.days(7).lowerBound(at: now)
        let month = CountingWindow.days(30).lowerBound(at: now)
        let quarter = CountingWindow.days(90).lowerBound(at: now)
        let implicitDecisions = implicitImpressionChannels.map { ContactKey.channel($0, .decision) }
        let impressions30d = history.count(admittedBy: month, keys: [.kind(.impression)] + implicitDecisions)
        let conversions90d = outcomes.count(admittedBy: quarter, key: .outcome(.conversion))
        let daysSince = history.latest.map {
            Int((now.millisecondsSinceEpoch - $0.at.millisecondsSinceEpoch) / Timestamp.millisecondsPerDay)
        }
        self.init(
            contacts7d: history.count(admittedBy: week), contacts30d: history.count(admittedBy: month),
            impressions30d: impressions30d, conversions90d: conversions90d,
            daysSinceLastContact: daysSince.map { max(0, $0) })
    }

    /// The value of `metric`, or `nil` when it is undefined (never contacted).
    public func value(of metric: RollingMetric) -> Double? {
        switch metric {
        case .contacts7d: Double(contacts7d)
        case .contacts30d: Double(contacts30d)
        case .impressions30d: Double(impressions30d)
        case .conversions90d: Double(conversions90d)
        case .daysSinceLastContact: daysSinceLastContact.map(Double.init)
        }
    }
}

/// The enrich stage's result: everything the later stages read about the customer.
public struct EnrichedCustomer: Sendable {
    /// Profile attributes from the feature state (holdings included).
    public var profile: [String: AttributeValue]
    /// The request's `attributes`.
    public var requestAttributes: [String: AttributeValue]
    /// The contact history: the state's contacts and the caller's pending contacts that the
    /// state does not hold yet.
    public var history: ContactHistory
    /// Recorded outcomes.
    public var outcomes: Timeline<OutcomeRecord>
    /// Rolling metrics at the decision instant.
    public var metrics: RollingMetrics
    /// The feature snapshot `x` of this decision: the schema fields (except the unique key) of
    /// the profile, with request attributes of the same name overriding them.
    public var features: [String: AttributeValue]

    /// The value of attribute `name` read from `source` (`customer.X` or `request.X`), or `nil`
    /// when missing or null. `customer.X` is the request's `X` when the request carries it (request
    /// attributes override), else the profile's; `request.X` is the request's only.
    public func value(of name: String, from source: AttributeSource) -> AttributeValue? {
        // Most requests carry no attributes: skip hashing the name for an empty dictionary.
        let fromRequest = requestAttributes.isEmpty ? nil : requestAttributes[name]
        let found: AttributeValue? = switch source {
        case .customer: fromRequest ?? profile[name]
        case .request: fromRequest
        }
        if case .null = found { return nil }
        return found
    }
}

/// The enrich stage: builds an ``EnrichedCustomer`` from the feature state, the request and the
/// caller's not-yet-folded decisions.
public struct Enricher: Sendable {
    /// Schema fields that go into the feature snapshot (all but the unique key).
    public let featureFields: Set<String>
    /// Channels whose decision contacts count as impressions.
    public let implicitImpressionChannels: Set<String>

    /// Creates the stage for a schema and channel set.
    public init(schema: CustomerSchema, channels: [Channel]) {
        featureFields = Set(schema.fields.filter { !$0.isUnique }.map(\.name))
        implicitImpressionChannels = Set(channels.filter { $0.impressionMode == .implicit }.map(\.name))
    }

    /// Enriches `customer` (nil for a customer never seen) for `request` at `now`.
    ///
    /// Read-your-writes: every contact of `pendingContacts` counts at once, unless the state
    /// already holds contacts of its event (it came back through the log), so none counts twice.
    public func enrich(
        customer: CustomerState?, request: RecommendationRequest, pendingContacts: [Contact], now: Timestamp
    ) -> EnrichedCustomer {
        let profile = customer?.attributes ?? [:]
        let requestAttributes = request.attributes ?? [:]
        let history = ContactHistory(stored: customer?.contacts ?? Timeline(), pending: pendingContacts)
        let outcomes = customer?.outcomes ?? Timeline()
        return EnrichedCustomer(
            profile: profile, requestAttributes: requestAttributes, history: history, outcomes: outcomes,
            metrics: RollingMetrics(
                history: history, outcomes: outcomes, now: now, implicitImpressionChannels: implicitImpressionChannels),
            features: features(profile: profile, requestAttributes: requestAttributes))
    }

    /// The feature snapshot: schema fields only, request values overriding profile values.
    func features(profile: [String: AttributeValue], requestAttributes: [String: AttributeValue]) -> [String: AttributeValue] {
        // Removing the few non-schema keys (the unique key) from a copy hashes far less than
        // rebuilding the dictionary with `filter`.
        var snapshot = profile
        for name in profile.keys where !featureFields.contains(name) { snapshot.removeValue(forKey: name) }
        for (name, value) in requestAttributes where featureFields.contains(name) { snapshot[name] = value }
        return snapshot
    }
}
