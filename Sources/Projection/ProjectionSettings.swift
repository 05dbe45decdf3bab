import Learning
import XSellCore

/// What the fold needs from the configuration, derived once from an `XSellConfig`.
/// Its `fingerprint` is stored in snapshots: a snapshot made under other settings is rejected.
public struct ProjectionSettings: Sendable, Equatable {
    /// What the fold needs to know about one offer.
    public struct OfferInfo: Sendable, Equatable, Hashable {
        /// Category, for propensity shrinkage.
        public var category: String
        /// The schema boolean a conversion sets, if any.
        public var holding: String?
        /// Revenue of one conversion, for the experiment report.
        public var revenueValue: Double
    }

    /// The feature encoding of the schema.
    public private(set) var encoder: FeatureEncoder
    /// Every schema field's name, in schema order.
    public private(set) var schemaFields: [String]
    /// How stored feature vectors are packed.
    var packing: FeaturePacking
    /// Offer ids in ascending order.
    private(set) var sortedOfferIds: [String]
    /// Each offer's number: its index in `sortedOfferIds` (what ledgers store).
    private(set) var offerNumbers: [String: UInt16]
    /// Every configured offer (whatever its status), by id.
    public private(set) var offers: [String: OfferInfo]
    /// Channels whose `impressionMode` is `explicit`: there only `impression` interactions are
    /// contacts; elsewhere the offers returned by a treatment decision are.
    public var explicitImpressionChannels: Set<String>
    /// The uplift models' parameters (from `learning`).
    public var uplift: UpliftParameters
    /// The uplift models' learners: bending learners over the encoder's layout by default.
    public var learner: UpliftLearnerSettings
    /// Attribution window, days.
    public var attributionWindowDays: Int
    /// History kept behind the log clock, days: contacts, outcomes, de-duplication ids and
    /// unresolved exposures. Decisions and interactions older than this on arrival are ignored.
    public var horizonDays: Int

    /// Settings for `config`. The horizon is the longest of 90 days, `lookbackDays +
    /// attributionWindowDays`, and every contact policy window.
    public init(config: XSellConfig, varcharBuckets: Int = 16) {
        encoder = FeatureEncoder(schema: config.schema, varcharBuckets: varcharBuckets)
        schemaFields = config.schema.fields.map(\.name)
        packing = FeaturePacking(encoder: encoder)
        var offers: [String: OfferInfo] = [:]
        for o in config.offers where offers[o.id] == nil {
            offers[o.id] = OfferInfo(category: o.category, holding: o.holding, revenueValue: o.revenueValue)
        }
        self.offers = offers
        sortedOfferIds = offers.keys.sorted()
        offerNumbers = Dictionary(uniqueKeysWithValues: sortedOfferIds.enumerated().map { ($1, UInt16($0)) })
        explicitImpressionChannels = config.explicitImpressionChannels
        let l = config.learning
        uplift = UpliftParameters(
            method: l.upliftMethod == .xLearner ? .xLearner : .tLearner,
            minTreated: l.minTreated, minControl: l.minControl,
            persuadableThreshold: l.persuadableThreshold, sleepingDogThreshold: l.sleepingDogThreshold,
            baseRateThreshold: l.baseRateThreshold, lookbackDays: l.lookbackDays)
        learner = UpliftLearnerSettings(bending: BendingSettings(layout: encoder.layout))
        attributionWindowDays = max(l.attributionWindowDays, 1)
        let policyDays = config.contactPolicies.map { Self.windowDays(of: $0.rule) }.max() ?? 0
        horizonDays = max(90, l.lookbackDays + attributionWindowDays, policyDays)
    }

    /// `offerId` as the settings' own string when it is a configured offer: records keep that
    /// one shared copy instead of one per event (an id longer than 15 bytes is a heap object).
    func canonical(offerId: String) -> String {
        offerNumbers[offerId].map { sortedOfferIds[Int($0)] } ?? offerId
    }

    /// Attribution window in ms.
    var windowMillis: Int64 { Int64(attributionWindowDays) * Timestamp.millisecondsPerDay }
    /// Horizon in ms.
    var horizonMillis: Int64 { Int64(horizonDays) * Timestamp.millisecondsPerDay }
    /// Examples older than this behind the clock cannot be in any live model generation.
    var exampleRetentionMillis: Int64 {
        let lookback = max(uplift.lookbackDays, 1)
        let bucket = min(max(uplift.bucketDays, 1), lookback)
        return Int64(lookback + bucket) * Timestamp.millisecondsPerDay
    }


    /// A hash of everything that changes what the fold computes.
    public var fingerprint: UInt64 {
        var h = FNV1a64()
        h.combine("encoder")
        h.combine(UInt64(encoder.varcharBuckets))
        for s in encoder.slots {
            h.combine(s.field)
            h.combine(s.type.rawValue)
        }
        h.combine("offers")
        for id in sortedOfferIds {
            let o = offers[id]!
            h.combine(id)
            h.combine(o.category)
            h.combine(o.holding ?? "\u{0}")
            h.combine(o.revenueValue.bitPattern)
        }
        h.combine("channels")
        for c in explicitImpressionChannels.sorted() { h.combine(c) }
        let u = uplift
        h.combine("learning")
        h.combine(u.method.rawValue)
        for v in [u.minTreated, u.minControl, u.lookbackDays, u.bucketDays, u.pseudoOutcomeWarmup,
                  attributionWindowDays, horizonDays] {
            h.combine(UInt64(bitPattern: Int64(v)))
        }
        for v in [u.persuadableThreshold, u.sleepingDogThreshold, u.baseRateThreshold] { h.combine(v.bitPattern) }
        h.combine(String(describing: learner))
        return h.value
    }

    static func windowDays(of rule: ContactPolicyRule) -> Int {
        switch rule {
        case .frequencyCap(let c):
            if c.maxPerMonth != nil { return 30 }
            if c.maxPerWeek != nil { return 7 }
            return 1
        case .customerTotalCap(let c): return c.periodType.days
        case .cooldown(let c): return c.hours.isFinite ? Int(min(max(c.hours, 0), 24 * 36_500) / 24) + 1 : 0
        case .outcomeBased(let o): return o.suppressForDays
        case .mutualExclusion(let m): return m.withinDays
        }
    }
}
