import DecisionFlow
import Projection
import Testing
import XSellCore

@Suite struct QualificationTests {
    static let customer: [String: AttributeValue] = [
        "tenureMonths": .integer(36), "tier": .string("premium"), "hasCard": .boolean(false),
        "balance": .decimal(12000.5), "since": .timestamp(Timestamp(rfc3339: "2020-01-01T00:00:00Z")!),
    ]

    static func rule(_ attribute: String, _ op: ConditionOperator, _ value: JSONValue?, onMissing: OnMissing = .fail,
                     stage: RuleStage = .eligibility, decay: Double? = nil) -> QualificationRule {
        let parts = attribute.split(separator: ".", maxSplits: 1).map(String.init)
        let reference = AttributeReference(source: AttributeSource(rawValue: parts[0])!, name: parts[1])
        return QualificationRule(name: "\(attribute) \(op.rawValue)", offer: "o", stage: stage, decay: decay,
                                 onMissing: onMissing, condition: .attribute(AttributeCondition(attribute: reference, op: op, value: value)))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var attribute: String
        var op: ConditionOperator
        var value: JSONValue?
        var passes: Bool
        var onMissing: OnMissing = .fail
        var testDescription: String { "\(attribute) \(op.rawValue) \(value.map { "\($0)" } ?? "") → \(passes)" }
    }

    static let operatorCases: [Case] = [
        // integers
        Case(attribute: "customer.tenureMonths", op: .eq, value: 36, passes: true),
        Case(attribute: "customer.tenureMonths", op: .eq, value: 35, passes: false),
        Case(attribute: "customer.tenureMonths", op: .neq, value: 35, passes: true),
        Case(attribute: "customer.tenureMonths", op: .neq, value: 36, passes: false),
        Case(attribute: "customer.tenureMonths", op: .gt, value: 35, passes: true),
        Case(attribute: "customer.tenureMonths", op: .gt, value: 36, passes: false),
        Case(attribute: "customer.tenureMonths", op: .gte, value: 36, passes: true),
        Case(attribute: "customer.tenureMonths", op: .gte, value: 37, passes: false),
        Case(attribute: "customer.tenureMonths", op: .lt, value: 37, passes: true),
        Case(attribute: "customer.tenureMonths", op: .lt, value: 36, passes: false),
        Case(attribute: "customer.tenureMonths", op: .lte, value: 36, passes: true),
        Case(attribute: "customer.tenureMonths", op: .lte, value: 35, passes: false),
        Case(attribute: "customer.tenureMonths", op: .in, value: [12, 36], passes: true),
        Case(attribute: "customer.tenureMonths", op: .in, value: [12, 24], passes: false),
        Case(attribute: "customer.tenureMonths", op: .notIn, value: [12, 24], passes: true),
        Case(attribute: "customer.tenureMonths", op: .notIn, value: [36], passes: false),
        // decimals
        Case(attribute: "customer.balance", op: .gte, value: 12000.5, passes: true),
        Case(attribute: "customer.balance", op: .gt, value: 12000.5, passes: false),
        Case(attribute: "customer.balance", op: .lt, value: 50000, passes: true),
        // strings
        Case(attribute: "customer.tier", op: .eq, value: "premium", passes: true),
        Case(attribute: "customer.tier", op: .eq, value: "basic", passes: false),
        Case(attribute: "customer.tier", op: .neq, value: "basic", passes: true),
        Case(attribute: "customer.tier", op: .in, value: ["premium", "private"], passes: true),
        Case(attribute: "customer.tier", op: .in, value: ["basic"], passes: false),
        Case(attribute: "customer.tier", op: .notIn, value: ["premium"], passes: false),
        Case(attribute: "customer.tier", op: .lt, value: "z", passes: true),
        Case(attribute: "customer.tier", op: .gt, value: "z", passes: false),
        // booleans
        Case(attribute: "customer.hasCard", op: .eq, value: false, passes: true),
        Case(attribute: "customer.hasCard", op: .eq, value: true, passes: false),
        Case(attribute: "customer.hasCard", op: .neq, value: true, passes: true),
        // timestamps against RFC 3339 operands
        Case(attribute: "customer.since", op: .lt, value: "2021-01-01T00:00:00Z", passes: true),
        Case(attribute: "customer.since", op: .gte, value: "2020-01-01T00:00:00Z", passes: true),
        Case(attribute: "customer.since", op: .gt, value: "2020-01-01T00:00:00Z", passes: false),
        Case(attribute: "customer.since", op: .eq, value: "2020-01-01T01:00:00+01:00", passes: true),
        // a different kind never equals, so only neq holds
        Case(attribute: "customer.tier", op: .eq, value: 3, passes: false),
        Case(attribute: "customer.tier", op: .neq, value: 3, passes: true),
        Case(attribute: "customer.tier", op: .gt, value: 3, passes: false),
        // existence
        Case(attribute: "customer.tier", op: .exists, value: nil, passes: true),
        Case(attribute: "customer.segment", op: .exists, value: nil, passes: false),
        Case(attribute: "customer.tier", op: .notExists, value: nil, passes: false),
        Case(attribute: "customer.segment", op: .notExists, value: nil, passes: true),
        Case(attribute: "customer.segment", op: .exists, value: nil, passes: false, onMissing: .pass),
        // a missing attribute fails every comparison (even neq and not_in) unless onMissing: pass
        Case(attribute: "customer.segment", op: .eq, value: "x", passes: false),
        Case(attribute: "customer.segment", op: .neq, value: "x", passes: false),
        Case(attribute: "customer.segment", op: .notIn, value: ["x"], passes: false),
        Case(attribute: "customer.segment", op: .neq, value: "x", passes: true, onMissing: .pass),
        Case(attribute: "customer.segment", op: .gte, value: 1, passes: true, onMissing: .pass),
        // request attributes
        Case(attribute: "request.placement", op: .eq, value: "home", passes: true),
        Case(attribute: "request.tier", op: .eq, value: "premium", passes: false),
    ]

    @Test(arguments: operatorCases)
    func attributeOperator(_ c: Case) {
        let customer = Fixture.enriched(Self.customer, requestAttributes: ["placement": .string("home")])
        let outcome = CompiledRule(Self.rule(c.attribute, c.op, c.value, onMissing: c.onMissing))
            .evaluate(customer: customer, propensity: nil)
        #expect((outcome == .passed) == c.passes)
    }

    @Test func nullCountsAsMissing() {
        let customer = Fixture.enriched(["tier": .null])
        let rule = CompiledRule(Self.rule("customer.tier", .neq, "basic"))
        #expect(rule.evaluate(customer: customer, propensity: nil) == .failed(.missing))
        #expect(CompiledRule(Self.rule("customer.tier", .notExists, nil)).evaluate(customer: customer, propensity: nil) == .passed)
    }

    @Test func missingAttributeReasonSaysSo() {
        let rule = CompiledRule(Self.rule("customer.segment", .eq, "x"))
        let outcome = rule.evaluate(customer: Fixture.enriched(), propensity: nil)
        #expect(outcome == .failed(.missing))
        #expect(rule.reason(observed: .missing) == "customer.segment is missing (a rule on a missing value fails unless onMissing: pass)")
    }

    @Test func requestAttributesOverrideCustomerOnes() {
        let customer = Fixture.enriched(["tier": .string("basic")], requestAttributes: ["tier": .string("premium")])
        #expect(CompiledRule(Self.rule("customer.tier", .eq, "premium")).evaluate(customer: customer, propensity: nil) == .passed)
        #expect(customer.features["tier"] == .string("premium"))
    }

    @Test(arguments: [
        (RollingMetric.contacts7d, ConditionOperator.lt, 2.0, true), (.contacts7d, .lt, 1.0, false),
        (.contacts30d, .eq, 2.0, true), (.impressions30d, .eq, 2.0, true), (.conversions90d, .gte, 1.0, true),
        (.daysSinceLastContact, .gte, 3.0, true), (.daysSinceLastContact, .gt, 3.0, false),
    ])
    func metricCondition(metric: RollingMetric, op: ConditionOperator, value: Double, passes: Bool) {
        let customer = Fixture.enriched(
            contacts: [Fixture.contact("a", ago: 3 * Fixture.day + 1), Fixture.contact("b", ago: 20 * Fixture.day)],
            outcomes: [OutcomeRecord(eventId: "i", offerId: "a", channel: "email", outcome: .conversion,
                                     at: Fixture.now.adding(days: -80))])
        let rule = QualificationRule(name: "m", offer: nil, condition: .metric(MetricCondition(metric: metric, op: op, value: value)))
        #expect((CompiledRule(rule).evaluate(customer: customer, propensity: nil) == .passed) == passes)
    }

    @Test func daysSinceLastContactIsMissingWhenNeverContacted() {
        let rule = QualificationRule(name: "m", offer: nil, condition: .metric(MetricCondition(metric: .daysSinceLastContact, op: .gte, value: 7)))
        #expect(CompiledRule(rule).evaluate(customer: Fixture.enriched(), propensity: nil) == .failed(.missing))
        var passing = rule
        passing.onMissing = .pass
        #expect(CompiledRule(passing).evaluate(customer: Fixture.enriched(), propensity: nil) == .passed)
    }

    @Test(arguments: [(0.05 as Double?, true), (0.049, false), (nil, false)])
    func propensityThreshold(propensity: Double?, passes: Bool) {
        let rule = CompiledRule(QualificationRule(name: "p", offer: nil, condition: .propensity(threshold: 0.05)))
        #expect(rule.needsPropensity)
        #expect((rule.evaluate(customer: Fixture.enriched(), propensity: propensity) == .passed) == passes)
    }

    @Test func eligibilityDropsAndMatchDecays() {
        let customer = Fixture.enriched(Self.customer)
        let qualification = OfferQualification(rules: [
            Self.rule("customer.tenureMonths", .gte, 6),
            Self.rule("customer.tier", .eq, "private", stage: .match, decay: 0.5),
            Self.rule("customer.balance", .gte, 50000, stage: .match, decay: 0.8),
            Self.rule("customer.hasCard", .eq, false, stage: .match, decay: 0.1),
        ])
        guard case .eligible(let fit) = qualification.qualify(customer: customer, propensity: nil) else {
            Issue.record("expected eligible"); return
        }
        #expect(abs(fit - 0.4) < 1e-12)

        let strict = OfferQualification(rules: [
            Self.rule("customer.tenureMonths", .gte, 6), Self.rule("customer.tier", .eq, "private"),
            Self.rule("customer.hasCard", .eq, true),
        ])
        guard case .ineligible(let rule, let observed) = strict.qualify(customer: customer, propensity: nil) else {
            Issue.record("expected ineligible"); return
        }
        #expect(rule.rule.name == "customer.tier eq")
        #expect(rule.reason(observed: observed) == "customer.tier is \"premium\", needs eq \"private\"")
    }
}
