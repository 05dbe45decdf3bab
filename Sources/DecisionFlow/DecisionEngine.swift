import Learning
import Projection
import XSellCore

/// The decision flow of guide §4 for one configuration: inventory → enrich → qualify → suppression
/// → contact_policy → experiment → score → rank → response.
///
/// ``decide(request:view:now:ids:pendingContacts:)`` is a pure function of its arguments and the
/// configuration (no clock, no randomness, no I/O), so the live worker, replay and backtest run
/// the same code. Everything that depends on the configuration alone (compiled rules, per-channel
/// weights and relevance, holdout parameters) is computed once, in `init`.
public struct DecisionEngine: Sendable {
    /// An active offer with everything its stages need (a class, so that candidates refer to it
    /// without copying its strings and tables).
    final class OfferPlan: Sendable {
        let offer: Offer
        let qualification: OfferQualification
        /// R per channel, indexed like `channels`.
        let relevanceByChannel: [Double]

        init(offer: Offer, qualification: OfferQualification, relevanceByChannel: [Double]) {
            self.offer = offer
            self.qualification = qualification
            self.relevanceByChannel = relevanceByChannel
        }
    }

    /// A flow with its per-channel scoring resolved.
    struct FlowPlan: Sendable {
        let flow: Flow
        let holdout: HoldoutAssignment
        /// Indexed like `channels`.
        let scoringByChannel: [ScoringPlan]
        let qualifies: Bool
        let appliesContactPolicies: Bool
    }

    /// The inventory stage's result: the active offers, in configuration order (`totalCandidates`).
    let inventory: [OfferPlan]
    /// Offers that are not active (reported as dropped at inventory when explaining).
    let inactiveOffers: [Offer]
    /// Channels by name, with their index into the per-channel tables.
    let channels: [String: (index: Int, channel: Channel)]
    let flows: [String: FlowPlan]
    let enricher: Enricher
    let contactPolicies: ContactPolicyStage
    /// The fingerprint of the configuration, recorded in every decision event (audit trail).
    public let configFingerprint: String?

    /// Compiles `config` (expected to be validated by `ConfigLoader`).
    public init(config: XSellConfig) {
        var channels: [String: (index: Int, channel: Channel)] = [:]
        for (index, channel) in config.channels.enumerated() where channels[channel.name] == nil {
            channels[channel.name] = (index, channel)
        }
        self.channels = channels
        inventory = config.activeOffers.map { offer in
            OfferPlan(
                offer: offer, qualification: OfferQualification(rules: config.rules(forOffer: offer.id)),
                relevanceByChannel: config.channels.map { offer.relevance(on: $0.name) })
        }
        inactiveOffers = config.offers.filter { $0.status != .active }
        var flows: [String: FlowPlan] = [:]
        for flow in config.flows where flows[flow.key] == nil {
            flows[flow.key] = FlowPlan(
                flow: flow, holdout: HoldoutAssignment(flow.experiment),
                scoringByChannel: config.channels.map { ScoringPlan(scoreNode: flow.score, channel: $0.name) },
                qualifies: flow.includes(.qualify), appliesContactPolicies: flow.includes(.contactPolicy))
        }
        self.flows = flows
        enricher = Enricher(schema: config.schema, channels: config.channels)
        contactPolicies = ContactPolicyStage(policies: config.contactPolicies)
        configFingerprint = config.source?.fingerprint
    }

    /// Decides `request` for the customer seen through `view` at `now`.
    ///
    /// - Parameters:
    ///   - ids: the ids of the reply and the decision event, chosen by the caller.
    ///   - pendingContacts: the caller's own recent decisions' contacts that `view` may not
    ///     reflect yet (read-your-writes). Those whose event `view.customer` already holds are
    ///     skipped, so no contact counts twice.
    public func decide(
        request: RecommendationRequest, view: some DecisionView, now: Timestamp, ids: DecisionIdentifiers,
        pendingContacts: [Contact]
    ) -> DecisionOutcome {
        guard let flowPlan = flows[request.decisionFlowKey] else {
            return .rejected(ReplyError(code: .notFound, message: "unknown decisionFlowKey \"\(request.decisionFlowKey)\""))
        }
        guard let (channelIndex, channel) = channels[request.channel] else {
            return .rejected(ReplyError(code: .badRequest, message: "unknown channel \"\(request.channel)\""))
        }
        guard channel.status == .active else {
            return .rejected(ReplyError(code: .badRequest, message: "channel \"\(request.channel)\" is \(channel.status.rawValue)"))
        }
        guard !request.customerId.isEmpty else {
            return .rejected(ReplyError(code: .badRequest, message: "customerId: must not be empty"))
        }
        if let limit = request.limit, limit < 1 {
            return .rejected(ReplyError(code: .badRequest, message: "limit: must be at least 1, got \(limit)"))
        }

        var funnel = DecisionFunnel(explain: request.explain ?? false, totalCandidates: inventory.count)
        for offer in inactiveOffers {
            funnel.drop(offer.id, at: .inventory, reason: "status is \(offer.status.rawValue), inventory loads active offers only")
        }
        let customer = enricher.enrich(customer: view.customer, request: request, pendingContacts: pendingContacts, now: now)

        var learnerInput = LearnerInput(features: customer.features)
        var candidates: [Candidate] = []
        candidates.reserveCapacity(inventory.count)
        for plan in inventory {
            var candidate = Candidate(plan: plan)
            if flowPlan.qualifies {
                if plan.qualification.needsPropensity { candidate.askLearner(view, input: &learnerInput) }
                switch plan.qualification.qualify(customer: customer, propensity: candidate.estimate?.propensity.value) {
                case .eligible(let fit): candidate.fitMultiplier = fit
                case .ineligible(let rule, let observed):
                    funnel.drop(plan.offer.id, at: .qualify, rule: rule.rule.name, reason: rule.reason(observed: observed))
                    continue
                }
            }
            candidates.append(candidate)
        }
        funnel.afterQualification = candidates.count

        // Manual in-place filtering (rather than `removeAll(where:)` closures): no Offer copies,
        // no closure contexts; the survivors keep their order.
        var kept = 0
        for i in candidates.indices {
            let plan = candidates[i].plan
            if let holding = plan.offer.holding, customer.value(of: holding, from: .customer) == .boolean(true) {
                funnel.drop(plan.offer.id, at: .suppression, reason: "customer already holds it (\(holding) is true)")
                continue
            }
            if kept != i { candidates.swapAt(kept, i) }
            kept += 1
        }
        candidates.removeLast(candidates.count - kept)
        funnel.afterSuppression = candidates.count

        if flowPlan.appliesContactPolicies {
            kept = 0
            for i in candidates.indices {
                let plan = candidates[i].plan
                if let block = contactPolicies.block(offerId: plan.offer.id, channel: channel.name, customer: customer, now: now) {
                    funnel.drop(plan.offer.id, at: .contactPolicy, rule: block.policy, reason: block.reason)
                    continue
                }
                if kept != i { candidates.swapAt(kept, i) }
                kept += 1
            }
            candidates.removeLast(candidates.count - kept)
        }
        funnel.afterContactPolicy = candidates.count
        let eligibleOfferIds = candidates.map { $0.plan.offer.id }

        let arm = flowPlan.holdout.arm(flowKey: flowPlan.flow.key, customerId: request.customerId)
        let returned: ArraySlice<Candidate>
        var scoring = flowPlan.scoringByChannel[channelIndex]
        if arm == .control && flowPlan.flow.experiment.controlGroupAction == .noOffers {
            for offerId in eligibleOfferIds {
                funnel.drop(offerId, at: .experiment, reason: "control arm (holdout, controlGroupAction no_offers)")
            }
            returned = [][...]
        } else {
            if arm == .control {
                scoring = .priorityOnly
            } else if scoring.needsLearner {
                for i in candidates.indices where !candidates[i].learnerAsked {
                    candidates[i].askLearner(view, input: &learnerInput)
                }
                if candidates.contains(where: { $0.estimate == nil }) {
                    funnel.degradedScoring = true
                    scoring = .priorityOnly
                }
            }
            for i in candidates.indices {
                let plan = candidates[i].plan
                candidates[i].terms = ScoringPlan.terms(
                    offer: plan.offer, relevance: plan.relevanceByChannel[channelIndex],
                    fitMultiplier: candidates[i].fitMultiplier, estimate: candidates[i].estimate)
                candidates[i].score = candidates[i].terms.score(weights: scoring.weights)
            }
            let limit = request.limit ?? flowPlan.flow.rank.maxCandidates
            let ranked = RankKey.rank(candidates, limit: limit) { candidate in
                RankKey(score: candidate.score, priority: candidate.plan.offer.priority, offerId: candidate.plan.offer.id)
            }
            for (position, candidate) in ranked.cut.enumerated() {
                funnel.drop(
                    candidate.plan.offer.id, at: .rank,
                    reason: "ranked \(limit + position + 1), below the limit of \(limit)")
            }
            returned = ranked.kept
        }

        return assemble(
            request: request, flow: flowPlan.flow, channel: channel.name, arm: arm, now: now, ids: ids,
            customer: customer, eligibleOfferIds: eligibleOfferIds, returned: returned, weights: scoring.weights,
            funnel: funnel)
    }
}

/// One offer moving through the stages of one decision.
struct Candidate {
    /// The offer.
    let plan: DecisionEngine.OfferPlan
    var fitMultiplier = 1.0
    /// Whether the learners were asked for this offer (an unanswered ask leaves `estimate` nil).
    private(set) var learnerAsked = false
    private(set) var estimate: OfferEstimate?
    var terms = ScoreTerms(propensity: 0, relevance: 0, impact: 0, emphasis: 0, upliftFactor: 1, fitMultiplier: 1)
    var score = 0.0

    init(plan: DecisionEngine.OfferPlan) {
        self.plan = plan
    }

    mutating func askLearner(_ view: some DecisionView, input: inout LearnerInput) {
        estimate = view.estimate(offerId: plan.offer.id, encoded: input.encoded(by: view))
        learnerAsked = true
    }
}

/// The decision's features, encoded by the view the first time a learner is asked.
struct LearnerInput {
    let features: [String: AttributeValue]
    private var cache: EncodedFeatures?

    init(features: [String: AttributeValue]) {
        self.features = features
    }

    mutating func encoded(by view: some DecisionView) -> EncodedFeatures {
        if let cache { return cache }
        let encoded = view.encode(features)
        cache = encoded
        return encoded
    }
}
