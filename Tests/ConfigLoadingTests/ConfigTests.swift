import Foundation
import Testing
import ConfigLoading
@testable import XSellCore

enum RepoFiles {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
    static var tutorialYAML: String { (try? String(contentsOfFile: path("config/cross-sell.yaml"), encoding: .utf8)) ?? "" }
}

@Suite struct ConfigTests {
    /// Issue 9: a ~600-byte "billion laughs" document (each level repeats the previous ten
    /// times, 10^9 leaves) is refused by its node budget instead of filling memory.
    @Test func aliasBombIsRefused() {
        var yaml = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...8 {
            yaml += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        #expect(yaml.utf8.count < 700)
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(yaml: yaml) }
        #expect(error?.problems.map(\.message) == ["the document expands to more than 200000 nodes (nested aliases?)"])
    }

    @Test func oversizedDocumentIsRefused() {
        let yaml = "# " + String(repeating: "x", count: YAMLDocument.maximumBytes) + "\n"
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.load(yaml: yaml) }
        #expect(error?.problems.first?.message.contains("at most 1048576 allowed") == true)
    }

    @Test func tutorialConfigLoads() throws {
        let c = try ConfigLoader.load(path: RepoFiles.path("config/cross-sell.yaml"))
        #expect(c.schema.fields.count == 9)
        #expect(c.schema.uniqueField?.name == "customer_id")
        #expect(c.offers.map(\.id) == ["high-yield-savings", "rewards-credit-card", "wealth-management-account", "mortgage-pre-approval"])
        #expect(c.activeOffers.count == 4)
        let card = try #require(c.offer(id: "rewards-credit-card"))
        #expect(card.priority == 80 && card.businessValue == 80 && card.revenueValue == 90 && card.holding == "hasCreditCard")
        #expect(card.relevance(on: "in_app") == 1.0 && card.category == "cross-sell")
        #expect(c.offer(id: "mortgage-pre-approval")?.revenueValue == 500)
        #expect(c.qualificationRules.count == 9)
        #expect(c.qualificationRules.allSatisfy { $0.stage == .eligibility && $0.onMissing == .fail })
        #expect(c.rules(forOffer: "wealth-management-account").map(\.name)
            == ["Wealth — no brokerage yet", "Wealth — premium tier", "Wealth — balance >= 50k"])
        let tier = c.qualificationRules[5].condition
        #expect(tier == .attribute(AttributeCondition(
            attribute: AttributeReference(source: .customer, name: "tier"), op: .in, value: ["premium", "private"])))
        #expect(c.channels.map(\.name) == ["email", "in_app", "branch"])
        #expect(c.channels.allSatisfy { $0.status == .active && $0.couplingMode == .partial && $0.impressionMode == .implicit })
        #expect(c.contactPolicies.isEmpty)
        let flow = try #require(c.flow(key: "cross-sell"))
        #expect(flow.name == "Cross-Sell" && flow.version == 2)
        #expect(flow.experiment == ExperimentConfig(enabled: true, holdoutPercent: 10, controlGroupAction: .noOffers))
        #expect(flow.phases == FlowPhase.allCases)
        #expect(flow.score.method == .formula)
        #expect(flow.score.weights(forChannel: "email") == FormulaWeights(
            propensityWeight: 0.4, relevanceWeight: 0.15, impactWeight: 0.35, emphasisWeight: 0.1, upliftWeight: 0.5))
        #expect(flow.rank == RankNode(method: .topN, maxCandidates: 5))
        #expect(c.learning == LearningConfig())
    }

    @Test func jsonIsAcceptedAndDefaultsApply() throws {
        let json = """
        {"schema":{"fields":[{"name":"id","type":"varchar","unique":true},{"name":"vip","type":"boolean"}]},
         "channels":[{"name":"email"}],
         "offers":[{"id":"a","name":"A","status":"active","category":"c","priority":50,"businessValue":10,"revenueValue":1,
                    "channels":{"email":0.5}}],
         "qualificationRules":[{"name":"r","type":"metric_condition","offer":"a","stage":"match","decay":0.5,
                                "config":{"metric":"contacts_7d","operator":"lt","value":3}},
                               {"name":"p","type":"propensity_threshold","stage":"eligibility","onMissing":"pass","config":{"threshold":0.02}},
                               {"name":"q","type":"attribute_condition","stage":"eligibility","config":{"attribute":"request.segment","operator":"exists"}}],
         "contactPolicies":[{"type":"customer_total_cap","maxTotal":4,"periodType":"monthly"},
                            {"type":"frequency_cap","name":"email weekly","channel":"email","scope":"offer","maxPerWeek":2},
                            {"type":"cooldown","hours":48},
                            {"type":"outcome_based","outcomes":["not_interested","opt_out"],"suppressForDays":30},
                            {"type":"mutual_exclusion","offers":["a","a2"],"withinDays":7}],
         "flows":[{"key":"f","name":"F","version":1,"nodes":[{"type":"score","method":"priority_weighted"},{"type":"rank","maxCandidates":3}]}]}
        """
        do {
            _ = try ConfigLoader.load(yaml: json)
            Issue.record("mutual_exclusion with unknown offer a2 accepted")
        } catch {
            #expect(error.problems == [ConfigProblem(path: "contactPolicies[4].offers[1]", message: "unknown offer \"a2\"")])
        }
        let c = try ConfigLoader.load(yaml: json.replacingOccurrences(of: "\"a2\"", with: "\"a\",\"a\"").replacingOccurrences(
            of: #"{"type":"mutual_exclusion","offers":["a","a","a"],"withinDays":7}"#, with: #"{"type":"cooldown","hours":1,"scope":"global"}"#))
        #expect(c.offers[0].relevance(on: "email") == 0.5 && c.offers[0].relevance(on: "sms") == 0)
        #expect(c.qualificationRules[0].decay == 0.5 && c.qualificationRules[0].type == .metricCondition)
        #expect(c.qualificationRules[1].offer == nil && c.qualificationRules[1].onMissing == .pass)
        #expect(c.rules(forOffer: "a").count == 3)
        #expect(c.contactPolicies[0].rule == .customerTotalCap(CustomerTotalCap(maxTotal: 4, periodType: .monthly)))
        #expect(c.contactPolicies[0].name == "contactPolicies[0]")
        #expect(c.contactPolicies[1].channel == "email" && c.contactPolicies[1].name == "email weekly")
        #expect(c.contactPolicies[2].rule == .cooldown(Cooldown(hours: 48, scope: .offer)))
        #expect(c.contactPolicies[3].rule == .outcomeBased(OutcomeBased(outcomes: [.notInterested, .optOut], suppressForDays: 30)))
        #expect(c.flows[0].experiment.enabled == false && c.flows[0].phases == [.score, .rank])
        #expect(c.channels[0] == Channel(name: "email"))
    }

    /// (replace, with, expected problem): each edit of the tutorial file yields that problem.
    static let invalid: [(String, String, String)] = [
        ("emphasisWeight: 0.1", "emphasisWeight: 0.05", "flows[0].nodes[4].formula: weights sum to 0.95, must be 1.0"),
        ("upliftWeight: 0.5", "upliftWeight: 2.5", "flows[0].nodes[4].formula.upliftWeight: must be between 0 and 2, got 2.5"),
        ("priority: 70", "priority: 170", "offers[0].priority: must be between 0 and 100, got 170"),
        ("businessValue: 80", "businessValue: -1", "offers[1].businessValue: must be between 0 and 100, got -1"),
        ("offer: mortgage-pre-approval\n    stage", "offer: mortgage\n    stage", "qualificationRules[7].offer: unknown offer \"mortgage\""),
        ("customer.hasBrokerage", "customer.hasYacht", "qualificationRules[4].config.attribute: \"customer.hasYacht\" is not a schema field"),
        ("customer.hasChecking", "hasChecking", "qualificationRules[0].config.attribute: \"hasChecking\" must be customer.<field> or request.<name>"),
        ("value: 6 }", "value: six }", "qualificationRules[3].config.value: expected integer (the schema type of the attribute), got string"),
        ("value: [premium, private]", "value: premium", "qualificationRules[5].config.value: in needs a non-empty list"),
        ("stage: eligibility\n    config: { attribute: customer.hasChecking", "stage: match\n    decay: 0.05\n    config: { attribute: customer.hasChecking",
         "qualificationRules[0].decay: must be between 0.1 and 1, got 0.05"),
        ("name: Card — no card yet", "name: Savings — has checking", "qualificationRules[2].name: duplicate rule name \"Savings — has checking\""),
        ("upliftWeight: 0.5", "upliftWeight: 0.5\n        overrides:\n          - channel: fax\n            formula: { propensityWeight: 0.25, relevanceWeight: 0.25, impactWeight: 0.25, emphasisWeight: 0.25 }",
         "flows[0].nodes[4].overrides[0].channel: unknown channel \"fax\""),
        ("holding: hasSavings", "holding: hasSavings\n    channels: { email: 0.5, fax: 1 }", "offers[0].channels.fax: unknown channel \"fax\""),
        ("holding: hasSavings", "holding: tier", "offers[0].holding: \"tier\" is varchar, must be a boolean schema field"),
        ("holding: hasMortgage", "holding: hasYacht", "offers[3].holding: \"hasYacht\" is not a schema field"),
        ("id: rewards-credit-card", "id: high-yield-savings", "offers[1].id: duplicate offer id \"high-yield-savings\""),
        ("{ name: branch,", "{ name: email,", "channels[2].name: duplicate channel \"email\""),
        ("{ id: enr,  type: enrich }", "{ id: enr,  type: contact_policy }",
         "flows[0].nodes[2]: qualify node is out of phase order (after contact_policy; order is inventory, enrich, qualify, contact_policy, score, rank, response)"),
        ("{ id: out,  type: response }", "{ id: out,  type: rank, maxCandidates: 2 }", "flows[0].nodes[6]: duplicate rank node"),
        ("type: varchar, unique: true", "type: varchar", "schema.fields: exactly one field must be unique, found 0"),
        ("{ name: tier,              type: varchar }", "{ name: tier, type: varchar, unique: true }",
         "schema.fields: exactly one field must be unique, found 2"),
        ("{ name: hasSavings,        type: boolean }", "{ name: hasSavings, type: bool }",
         "schema.fields[4].type: \"bool\" is not one of varchar, integer, decimal, boolean, timestamp"),
        ("revenueValue: 40", "revenueValue: 40\n    colour: blue", "offers[0].colour: unknown key"),
        ("holdoutPercent: 10", "holdoutPercent: 110", "flows[0].experiment.holdoutPercent: must be between 0 and 100, got 110"),
        ("upliftMethod: t_learner", "upliftMethod: s_learner", "learning.upliftMethod: \"s_learner\" is not one of t_learner, x_learner"),
        ("lookbackDays: 90", "lookbackDays: 7", "learning.lookbackDays: must be at least attributionWindowDays (30), got 7"),
        ("maxCandidates: 5", "maxCandidates: 0", "flows[0].nodes[5].maxCandidates: must be at least 1, got 0"),
        ("version: 2", "version: two", "flows[0].version: expected an integer, got string"),
        ("contactPolicies: []", "contactPolicies:\n  - { type: customer_total_cap, maxTotal: 4, periodType: yearly }",
         "contactPolicies[0].periodType: \"yearly\" is not one of daily, weekly, monthly"),
        ("contactPolicies: []", "contactPolicies:\n  - { type: frequency_cap, scope: offer, offer: loan, maxPerDay: 1 }",
         "contactPolicies[0].offer: unknown offer \"loan\""),
        ("contactPolicies: []", "contactPolicies:\n  - { type: outcome_based, outcomes: [dismiss, ignored], suppressForDays: 30 }",
         "contactPolicies[0].outcomes[1]: unknown outcome \"ignored\""),
        ("contactPolicies: []", "contactPolicies:\n  - { type: blocklist }",
         "contactPolicies[0].type: \"blocklist\" is not one of cooldown, customer_total_cap, frequency_cap, mutual_exclusion, outcome_based"),
        ("\nflows:", "\nflowz:", "flowz: unknown key"),
        ("\nflows:", "\nflowz:", "flows: required key is missing"),
        ("schema:\n  name: customer", "schema:\n  name: [customer", "invalid YAML"),
    ]

    @Test(arguments: invalid)
    func invalidConfigReportsPathAndMessage(replace: String, with: String, expected: String) {
        let text = RepoFiles.tutorialYAML
        #expect(text.contains(replace), "fixture edit target missing: \(replace)")
        do {
            _ = try ConfigLoader.load(yaml: text.replacingOccurrences(of: replace, with: with), path: "cfg.yaml")
            Issue.record("accepted an invalid config (\(expected))")
        } catch {
            #expect(error.problems.contains { $0.description.hasPrefix(expected) }, "\(error.description)")
        }
    }

    @Test func requestAttributesAreFree() throws {
        let text = RepoFiles.tutorialYAML.replacingOccurrences(of: "customer.tier", with: "request.tier")
        let c = try ConfigLoader.load(yaml: text)
        guard case .attribute(let a) = c.qualificationRules[5].condition else { Issue.record("not attribute"); return }
        #expect(a.attribute.description == "request.tier")
    }

    @Test func reportsEveryProblemAtOnce() {
        var text = RepoFiles.tutorialYAML
        for (a, b) in [("emphasisWeight: 0.1", "emphasisWeight: 0.05"), ("priority: 70", "priority: 170"),
                       ("customer.hasBrokerage", "customer.hasYacht"), ("revenueValue: 40", "revenueValue: 40\n    colour: blue"),
                       ("holdoutPercent: 10", "holdoutPercent: 110")] {
            text = text.replacingOccurrences(of: a, with: b)
        }
        do {
            _ = try ConfigLoader.load(yaml: text, path: "config/bad.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.problems.count == 5, "\(error.description)")
            let lines = error.description.split(separator: "\n").map(String.init)
            #expect(lines.allSatisfy { $0.hasPrefix("config/bad.yaml: ") })
            #expect(lines.contains("config/bad.yaml: flows[0].nodes[4].formula: weights sum to 0.95, must be 1.0"))
            #expect(lines.contains("config/bad.yaml: offers[0].priority: must be between 0 and 100, got 170"))
            #expect(lines.contains("config/bad.yaml: offers[0].colour: unknown key"))
        }
    }

    @Test func missingFileIsAProblem() {
        #expect(throws: ConfigError.self) { try ConfigLoader.load(path: "/nonexistent/x.yaml") }
    }
}
