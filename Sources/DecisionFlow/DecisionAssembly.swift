import Learning
import Projection
import XSellCore

/// The funnel of one decision: the counts of `meta` and, when explaining, every dropped offer.
struct DecisionFunnel {
    /// The stage that dropped an offer, as named in `explanation.dropped[].stage`.
    enum Stage: String {
        case inventory, qualify, suppression, experiment, rank
        case contactPolicy = "contact_policy"
    }

    /// Dropped offers in the order they were dropped; `nil` when not explaining.
    private(set) var dropped: [DroppedOffer]?
    var totalCandidates: Int
    var afterQualification = 0
    var afterSuppression = 0
    var afterContactPolicy = 0
    var degradedScoring = false

    init(explain: Bool, totalCandidates: Int) {
        dropped = explain ? [] : nil
        self.totalCandidates = totalCandidates
    }

    /// Records that `offerId` was dropped; the reason is only rendered when explaining.
    mutating func drop(_ offerId: String, at stage: Stage, rule: String? = nil, reason: @autoclosure () -> String) {
        dropped?.append(DroppedOffer(offerId: offerId, stage: stage.rawValue, rule: rule, reason: reason()))
    }

    var meta: ResponseMeta {
        ResponseMeta(
            totalCandidates: totalCandidates, afterQualification: afterQualification, afterSuppression: afterSuppression,
            afterContactPolicy: afterContactPolicy, degradedScoring: degradedScoring)
    }
}

extension DecisionEngine {
    /// The response stage: the reply, the `decision.made.v1` event and the contacts of a decision.
    func assemble(
        request: RecommendationRequest, flow: Flow, channel: String, arm: ExperimentArm, now: Timestamp,
        ids: DecisionIdentifiers, customer: EnrichedCustomer, eligibleOfferIds: [String], returned: ArraySlice<Candidate>,
        weights: FormulaWeights, funnel: DecisionFunnel
    ) -> DecisionOutcome {
        let explain = funnel.dropped != nil
        var decisions: [ResponseDecision] = []
        var entries: [DecisionEntry] = []
        var contacts: [Contact] = []
        let loggingPropensity = HoldoutAssignment(flow.experiment).share(of: arm)
        decisions.reserveCapacity(returned.count)
        entries.reserveCapacity(returned.count)
        for (position, candidate) in returned.enumerated() {
            let plan = candidate.plan
            decisions.append(ResponseDecision(
                offerId: plan.offer.id, offerName: plan.offer.name, score: candidate.score, rank: position + 1,
                priority: plan.offer.priority,
                rankingScores: explain ? Self.rankingScores(of: candidate, weights: weights) : nil))
            entries.append(DecisionEntry(
                offerId: plan.offer.id, rank: position + 1, score: candidate.score,
                propensity: loggingPropensity, tau: candidate.estimate?.uplift.tau))
            if arm == .treatment {
                contacts.append(Contact(eventId: ids.decisionEventId, offerId: plan.offer.id, channel: channel, at: now, kind: .decision))
            }
        }
        let response = RecommendationResponse(
            requestId: request.requestId, interactionId: ids.interactionId, recommendationId: ids.recommendationId,
            customerId: request.customerId, decisionFlowKey: flow.key, decisionFlowVersion: flow.version,
            channel: channel, controlGroup: arm == .control, decisions: decisions, meta: funnel.meta,
            dropped: funnel.dropped)
        let event = DecisionEvent(
            eventId: ids.decisionEventId, occurredAt: now, customerId: request.customerId,
            recommendationId: ids.recommendationId, interactionId: ids.interactionId, decisionFlowKey: flow.key,
            decisionFlowVersion: flow.version, channel: channel, arm: arm, candidates: eligibleOfferIds,
            decisions: entries, features: customer.features, requestId: request.requestId,
            configFingerprint: configFingerprint)
        return .decided(response: response, event: event, contacts: contacts)
    }

    /// `explanation.rankingScores` of a scored candidate.
    static func rankingScores(of candidate: Candidate, weights: FormulaWeights) -> RankingScores {
        let terms = candidate.terms
        let uplift: UpliftExplanation
        if let estimate = candidate.estimate {
            uplift = UpliftExplanation(
                tau: estimate.uplift.tau, muTreated: estimate.uplift.muTreated, muControl: estimate.uplift.muControl,
                segment: XSellCore.UpliftSegment(rawValue: estimate.uplift.segment.rawValue) ?? .uncertain,
                factor: terms.upliftFactor, status: estimate.uplift.status.rawValue)
        } else {
            uplift = UpliftExplanation(
                tau: 0, muTreated: nil, muControl: nil, segment: .uncertain, factor: terms.upliftFactor,
                status: candidate.learnerAsked ? "unavailable" : "not_used")
        }
        return RankingScores(
            propensity: terms.propensity, relevance: terms.relevance, impact: terms.impact, emphasis: terms.emphasis,
            uplift: uplift, weights: weights, fitMultiplier: terms.fitMultiplier, score: candidate.score)
    }
}
