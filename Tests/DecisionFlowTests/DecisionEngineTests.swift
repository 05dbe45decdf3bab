import DecisionFlow
import Learning
import Projection
import Testing
import XSellCore

@Suite struct DecisionEngineTests {
    static let offers = [
        Fixture.offer("card", priority: 80, businessValue: 80, holding: "hasCard"),
        Fixture.offer("loan", priority: 60, businessValue: 90),
        Fixture.offer("save", priority: 70, businessValue: 40),
        Fixture.offer("old", priority: 99, status: .paused),
    ]
    static let formula = ScoreNode(method: .formula, formula: FormulaWeights(
        propensityWeight: 0.5, relevanceWeight: 0, impactWeight: 0.5, emphasisWeight: 0, upliftWeight: 1))
    /// By propensity and uplift the loan is best, then savings, then the card; by priority the reverse.
    static let estimates = [
        "card": Fixture.estimate(p: 0.1, tau: -0.05), "loan": Fixture.estimate(p: 0.6, tau: 0.1),
        "save": Fixture.estimate(p: 0.5, tau: 0.0),
    ]
    static let view = FixedDecisionView(customer: Fixture.customer(["hasCard": .boolean(false)]), estimates: estimates)
    static func holdoutEveryone(_ action: ControlGroupAction) -> ExperimentConfig {
        ExperimentConfig(enabled: true, holdoutPercent: 100, controlGroupAction: action)
    }

    @Test(arguments: [
        (Fixture.request(flowKey: "nope"), ReplyErrorCode.notFound, "unknown decisionFlowKey \"nope\""),
        (Fixture.request(channel: "fax"), .badRequest, "unknown channel \"fax\""),
        (Fixture.request(channel: "branch"), .badRequest, "channel \"branch\" is inactive"),
        (Fixture.request(customerId: ""), .badRequest, "customerId: must not be empty"),
        (Fixture.request(limit: 0), .badRequest, "limit: must be at least 1, got 0"),
    ])
    func rejections(request: RecommendationRequest, code: ReplyErrorCode, message: String) {
        let outcome = DecisionEngine(config: Fixture.config(offers: Self.offers))
            .decide(request: request, view: Self.view, now: Fixture.now, ids: Fixture.ids, pendingContacts: [])
        #expect(outcome == .rejected(ReplyError(code: code, message: message)))
        #expect(outcome.reply(requestId: "r-9") == .error(requestId: "r-9", code: code, message: message))
    }

    @Test func treatmentDecisionResponseEventAndContacts() throws {
        let engine = DecisionEngine(config: Fixture.config(offers: Self.offers, flow: Fixture.flow(score: Self.formula, maxCandidates: 2)))
        let decided = try #require(Fixture.decide(engine, Fixture.request(), view: Self.view))
        #expect(decided.response.decisions.map(\.offerId) == ["loan", "save"])
        #expect(decided.response.decisions.allSatisfy { $0.rankingScores == nil && $0.personalization.isEmpty })
        #expect(decided.response.dropped == nil)
        #expect(decided.response.meta == ResponseMeta(
            totalCandidates: 3, afterQualification: 3, afterSuppression: 3, afterContactPolicy: 3, degradedScoring: false))
        #expect(decided.response.recommendationId == "rec-1" && decided.response.interactionId == "int-1")
        #expect(decided.event == DecisionEvent(
            eventId: "dec-1", occurredAt: Fixture.now, customerId: "c-1", recommendationId: "rec-1", interactionId: "int-1",
            decisionFlowKey: "flow", decisionFlowVersion: 3, channel: "email", arm: .treatment,
            candidates: ["card", "loan", "save"],
            decisions: decided.response.decisions.map { d in
                DecisionEntry(offerId: d.offerId, rank: d.rank, score: d.score,
                              propensity: 1, tau: Self.estimates[d.offerId]?.uplift.tau)
            },
            features: ["hasCard": .boolean(false)], requestId: Fixture.request().requestId))
        #expect(decided.contacts == [
            Contact(eventId: "dec-1", offerId: "loan", channel: "email", at: Fixture.now, kind: .decision),
            Contact(eventId: "dec-1", offerId: "save", channel: "email", at: Fixture.now, kind: .decision),
        ])
    }

    @Test func explainListsScoresAndEveryOfferNotReturned() throws {
        let engine = DecisionEngine(config: Fixture.config(offers: Self.offers, flow: Fixture.flow(score: Self.formula, maxCandidates: 1)))
        let view = FixedDecisionView(customer: Fixture.customer(["hasCard": .boolean(true)]), estimates: Self.estimates)
        let decided = try #require(Fixture.decide(engine, Fixture.request(explain: true), view: view))
        let loan = try #require(decided.response.decisions.first?.rankingScores)
        #expect(loan.propensity == 0.6 && loan.impact == 0.9 && loan.emphasis == 0.6 && loan.relevance == 1)
        #expect(loan.weights == Self.formula.formula && loan.fitMultiplier == 1)
        #expect(loan.uplift.tau == 0.1 && loan.uplift.muTreated == 0.6 && loan.uplift.status == "ok")
        #expect(abs(loan.uplift.factor - UpliftFactor.value(tau: 0.1)) < 1e-12)
        #expect(abs(loan.score - (0.6 * 0.9).squareRoot() * UpliftFactor.value(tau: 0.1)) < 1e-12)
        #expect(decided.response.dropped == [
            DroppedOffer(offerId: "old", stage: "inventory", reason: "status is paused, inventory loads active offers only"),
            DroppedOffer(offerId: "card", stage: "suppression", reason: "customer already holds it (hasCard is true)"),
            DroppedOffer(offerId: "save", stage: "rank", reason: "ranked 2, below the limit of 1"),
        ])
        #expect(decided.response.meta.afterSuppression == 2)
    }

    @Test func noOffersControlRepliesEmptyButLogsCandidates() throws {
        let flow = Fixture.flow(score: Self.formula, experiment: Self.holdoutEveryone(.noOffers))
        let engine = DecisionEngine(config: Fixture.config(offers: Self.offers, flow: flow))
        let decided = try #require(Fixture.decide(engine, Fixture.request(explain: true), view: Self.view))
        #expect(decided.response.controlGroup && decided.response.decisions.isEmpty)
        #expect(decided.response.meta.afterContactPolicy == 3)
        #expect(decided.event.arm == .control && decided.event.decisions.isEmpty)
        #expect(decided.event.candidates == ["card", "loan", "save"])
        #expect(decided.contacts.isEmpty)
        #expect(decided.response.dropped?.filter { $0.stage == "experiment" }.map(\.offerId) == ["card", "loan", "save"])
    }

    @Test func controlArmIsDrawnEvenWithoutCandidates() throws {
        let flow = Fixture.flow(experiment: Self.holdoutEveryone(.noOffers))
        let engine = DecisionEngine(config: Fixture.config(offers: [Fixture.offer("card", holding: "hasCard")], flow: flow))
        let view = FixedDecisionView(customer: Fixture.customer(["hasCard": .boolean(true)]))
        let decided = try #require(Fixture.decide(engine, Fixture.request(), view: view))
        #expect(decided.response.controlGroup && decided.event.arm == .control && decided.event.candidates.isEmpty)
    }

    @Test func priorityFallbackControlRanksByPriorityWithoutLearner() throws {
        let flow = Fixture.flow(score: Self.formula, experiment: Self.holdoutEveryone(.priorityFallback))
        let engine = DecisionEngine(config: Fixture.config(offers: Self.offers, flow: flow))
        let decided = try #require(Fixture.decide(engine, Fixture.request(), view: FixedDecisionView(customer: Self.view.customer)))
        #expect(decided.response.controlGroup)
        #expect(decided.response.decisions.map(\.offerId) == ["card", "save", "loan"])
        #expect(decided.response.decisions.map(\.score) == [0.8, 0.7, 0.6])
        #expect(decided.response.meta.degradedScoring == false)
        #expect(decided.event.arm == .control && decided.event.decisions.count == 3)
        #expect(decided.event.decisions.allSatisfy { $0.propensity == 1 && $0.tau == nil })
        #expect(decided.contacts.isEmpty)
    }

    /// The logged propensity is the probability the logging policy showed the offer: the ranking
    /// is deterministic given the arm, so it is the arm's share (μ_T stays in the explanation).
    @Test(arguments: [ControlGroupAction.noOffers, .priorityFallback])
    func loggedPropensityIsTheArmShare(action: ControlGroupAction) throws {
        let flow = Fixture.flow(
            score: Self.formula, experiment: ExperimentConfig(enabled: true, holdoutPercent: 25, controlGroupAction: action))
        let engine = DecisionEngine(config: Fixture.config(offers: Self.offers, flow: flow))
        let customers = (0..<40).map { "c-\($0)" }
        let arms = customers.map { HoldoutAssignment(flow.experiment).arm(flowKey: "flow", customerId: $0) }
        let treated = try #require(customers.indices.first { arms[$0] == .treatment })
        let control = try #require(customers.indices.first { arms[$0] == .control })
        let t = try #require(Fixture.decide(engine, Fixture.request(customerId: customers[treated], explain: true), view: Self.view))
        #expect(!t.event.decisions.isEmpty && t.event.decisions.allSatisfy { $0.propensity == 0.75 })
        #expect(t.response.decisions.first?.rankingScores?.propensity == 0.6)
        let c = try #require(Fixture.decide(engine, Fixture.request(customerId: customers[control]), view: Self.view))
        #expect(c.event.decisions.allSatisfy { $0.propensity == 0.25 })
        #expect(c.event.decisions.isEmpty == (action == .noOffers))
    }

    @Test func missingEstimateDegradesToPriority() throws {
        let engine = DecisionEngine(config: Fixture.config(offers: Self.offers, flow: Fixture.flow(score: Self.formula)))
        var estimates = Self.estimates
        estimates["save"] = nil
        let view = FixedDecisionView(customer: Self.view.customer, estimates: estimates)
        let decided = try #require(Fixture.decide(engine, Fixture.request(explain: true), view: view))
        #expect(decided.response.meta.degradedScoring)
        #expect(decided.response.decisions.map(\.offerId) == ["card", "save", "loan"])
        #expect(decided.response.decisions.map(\.score) == [0.8, 0.7, 0.6])
        #expect(decided.response.decisions[1].rankingScores?.uplift.status == "unavailable")
        #expect(decided.response.decisions[0].rankingScores?.weights == ScoringPlan.priorityOnly.weights)
    }

    @Test func limitAndTiesByPriorityThenId() throws {
        let offers = [Fixture.offer("b", priority: 50), Fixture.offer("a", priority: 50), Fixture.offer("c", priority: 40)]
        let match = QualificationRule(name: "c fit", offer: "c", stage: .match, decay: 0.1, condition: .metric(
            MetricCondition(metric: .contacts7d, op: .gt, value: 0)))
        let engine = DecisionEngine(config: Fixture.config(offers: offers, rules: [match]))
        let all = try #require(Fixture.decide(engine, Fixture.request(explain: true), view: FixedDecisionView()))
        #expect(all.response.decisions.map(\.offerId) == ["a", "b", "c"])
        #expect(all.response.decisions[2].rankingScores?.fitMultiplier == 0.1)
        #expect(abs(all.response.decisions[2].score - 0.04) < 1e-12)
        let one = try #require(Fixture.decide(engine, Fixture.request(limit: 1), view: FixedDecisionView()))
        #expect(one.response.decisions.map(\.offerId) == ["a"] && one.event.decisions.count == 1)
        #expect(one.event.candidates == ["b", "a", "c"])
    }

    @Test func channelOverrideChangesTheRanking() throws {
        let byImpact = FormulaWeights(propensityWeight: 0, relevanceWeight: 0, impactWeight: 1, emphasisWeight: 0, upliftWeight: 0)
        var node = Self.formula
        node.overrides = [ScoreOverride(channel: "in_app", formula: byImpact)]
        let offers = [Fixture.offer("card", priority: 80, businessValue: 95), Fixture.offer("loan", priority: 60, businessValue: 10)]
        let engine = DecisionEngine(config: Fixture.config(offers: offers, flow: Fixture.flow(score: node)))
        let email = try #require(Fixture.decide(engine, Fixture.request(channel: "email"), view: Self.view))
        let inApp = try #require(Fixture.decide(engine, Fixture.request(channel: "in_app"), view: Self.view))
        #expect(email.response.decisions.map(\.offerId) == ["loan", "card"])
        #expect(inApp.response.decisions.map(\.offerId) == ["card", "loan"])
        #expect(inApp.response.decisions[0].score == 0.95)
    }

    @Test func readYourWritesThroughTheEngine() throws {
        let cap = ContactPolicy(name: "one a day", rule: .frequencyCap(FrequencyCap(scope: .offer, maxPerDay: 1)))
        let engine = DecisionEngine(config: Fixture.config(offers: [Fixture.offer("a"), Fixture.offer("b")], policies: [cap]))
        let first = try #require(Fixture.decide(engine, Fixture.request(limit: 1), view: FixedDecisionView(customer: Fixture.customer())))
        #expect(first.response.decisions.map(\.offerId) == ["a"])
        // Milliseconds later, before the decision is folded: its contact counts at once.
        let later = Fixture.now.adding(milliseconds: 1)
        let second = try #require(Fixture.decide(
            engine, Fixture.request(), view: FixedDecisionView(customer: Fixture.customer()), now: later, pending: first.contacts))
        #expect(second.response.decisions.map(\.offerId) == ["b"])
        #expect(second.response.meta.afterContactPolicy == 1)

        // Once folded, the same contact is in the state and pending: counted once, so a cap of 2 lets it through.
        let twice = ContactPolicy(name: "two a day", rule: .frequencyCap(FrequencyCap(scope: .offer, maxPerDay: 2)))
        let lenient = DecisionEngine(config: Fixture.config(offers: [Fixture.offer("a")], policies: [twice]))
        let folded = FixedDecisionView(customer: Fixture.customer(contacts: first.contacts))
        let third = try #require(Fixture.decide(lenient, Fixture.request(), view: folded, now: later, pending: first.contacts))
        #expect(third.response.decisions.map(\.offerId) == ["a"])
    }

    @Test func flowWithoutQualifyOrContactPolicyNodesSkipsThem() throws {
        let rule = QualificationRule(name: "never", offer: nil, condition: .attribute(AttributeCondition(
            attribute: AttributeReference(source: .customer, name: "tier"), op: .eq, value: "nobody")))
        let cap = ContactPolicy(name: "none", rule: .customerTotalCap(CustomerTotalCap(maxTotal: 0, periodType: .daily)))
        var flow = Fixture.flow()
        flow.phases = [.inventory, .enrich, .score, .rank, .response]
        let engine = DecisionEngine(config: Fixture.config(offers: [Fixture.offer("a")], rules: [rule], policies: [cap], flow: flow))
        let decided = try #require(Fixture.decide(engine, Fixture.request(), view: FixedDecisionView()))
        #expect(decided.response.decisions.map(\.offerId) == ["a"])
        flow.phases = FlowPhase.allCases
        let full = DecisionEngine(config: Fixture.config(offers: [Fixture.offer("a")], rules: [rule], policies: [cap], flow: flow))
        #expect(try #require(Fixture.decide(full, Fixture.request(), view: FixedDecisionView())).response.decisions.isEmpty)
    }

    @Test func decideIsPure() {
        let engine = DecisionEngine(config: Fixture.config(offers: Self.offers, flow: Fixture.flow(score: Self.formula)))
        let request = Fixture.request(explain: true)
        let outcomes = (0..<3).map { _ in
            engine.decide(request: request, view: Self.view, now: Fixture.now, ids: Fixture.ids, pendingContacts: [])
        }
        #expect(outcomes.allSatisfy { $0 == outcomes[0] })
    }
}
