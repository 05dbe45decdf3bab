import XSellCore

extension DecisionEngine {
    /// The reply to `request` rebuilt from the decision that already answered it, found in the
    /// log (`decision.made.v1` with the request's id): a request delivered again is answered
    /// with the same recommendation and interaction ids, offers, ranks and scores, and nothing
    /// is decided or published again.
    ///
    /// Offer names and priorities come from this configuration (the offer id and priority 0
    /// for an offer it no longer has). The log records the eligible candidates but not the
    /// earlier funnel stages, so every `meta` count is the logged candidate count, and
    /// `explanation` is not rebuilt (`xsell explain --decision` audits a logged decision).
    public func reply(to request: RecommendationRequest, from logged: DecisionEvent) -> RecommendationResponse {
        let decisions = logged.decisions.sorted { $0.rank < $1.rank }.map { entry in
            let offer = offer(entry.offerId)
            return ResponseDecision(
                offerId: entry.offerId, offerName: offer?.name ?? entry.offerId, score: entry.score ?? 0,
                rank: entry.rank, priority: offer?.priority ?? 0)
        }
        let eligible = logged.candidates.count
        return RecommendationResponse(
            requestId: request.requestId, interactionId: logged.interactionId,
            recommendationId: logged.recommendationId, customerId: logged.customerId,
            decisionFlowKey: logged.decisionFlowKey, decisionFlowVersion: logged.decisionFlowVersion,
            channel: logged.channel, controlGroup: logged.arm == .control, decisions: decisions,
            meta: ResponseMeta(
                totalCandidates: eligible, afterQualification: eligible, afterSuppression: eligible,
                afterContactPolicy: eligible, degradedScoring: false))
    }

    private func offer(_ id: String) -> Offer? {
        inventory.first { $0.offer.id == id }?.offer ?? inactiveOffers.first { $0.id == id }
    }
}
