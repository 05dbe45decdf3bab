import Foundation
import Testing
import ConfigLoading
@testable import XSellCore

@Suite struct TopicSpecTests {
    @Test func loadsAllTopicSpecs() throws {
        let specs = try TopicSpec.loadAll(directory: RepoFiles.path("topics"))
        #expect(specs.map(\.name) == XSellTopic.allCases.map(\.rawValue).sorted())
        #expect(specs.allSatisfy { $0.partitions == 6 })
        #expect(specs.filter { $0.key == "customerId" }.count == 5)
        let profile = try #require(specs.first { $0.name == "customer.profile.v1" })
        #expect(profile.configs == ["cleanup.policy": "compact", "retention.ms": "-1"])
        #expect(specs.filter { $0.cleanupPolicy == "delete" }.count == 5)
        #expect(specs.allSatisfy { $0.valueSchema.objectValue != nil && !$0.examples.isEmpty })
    }

    @Test func examplesDecodeWithTheCodecs() throws {
        let schema = try ConfigLoader.load(path: RepoFiles.path("config/cross-sell.yaml")).schema
        for spec in try TopicSpec.loadAll(directory: RepoFiles.path("topics")) {
            for example in spec.examples {
                let bytes = example.serialized()
                switch XSellTopic(rawValue: spec.name) {
                case .profile, .decision, .interaction:
                    let e = try EventCodec.decode(topic: spec.name, value: bytes, schema: schema)
                    #expect(try DomainEvent(binary: e.binaryEncoded()) == e)
                case .requested: _ = try RequestCodec.decode(value: bytes, schema: schema)
                case .returned: #expect(ResponseCodec.encode(try ResponseCodec.decode(value: bytes)) == bytes)
                case .deadLetter:
                    let d = try DeadLetterCodec.decode(value: bytes)
                    #expect(DeadLetterCodec.payload(of: d) == Array(#"{"outcome":"purchase"}"#.utf8))
                case nil: Issue.record("unknown topic \(spec.name)")
                }
            }
        }
    }

    @Test func tutorialCustomersAreValidProfiles() throws {
        let schema = try ConfigLoader.load(path: RepoFiles.path("config/cross-sell.yaml")).schema
        let text = try String(contentsOfFile: RepoFiles.path("topics/examples/tutorial-customers.jsonl"), encoding: .utf8)
        var profiles: [String: ProfileEvent] = [:]
        for line in text.split(separator: "\n") {
            guard case .profile(let p) = try EventCodec.decode(topic: "customer.profile.v1", value: Array(line.utf8), schema: schema) else {
                Issue.record("not a profile"); continue
            }
            profiles[p.customerId] = p
        }
        #expect(profiles.count == 5)
        let c42 = try #require(profiles["cust_42"]).attributes
        #expect(c42["tenureMonths"] == .integer(36) && c42["tier"] == .string("premium"))
        #expect(c42["hasCreditCard"] == .boolean(false) && c42["hasSavings"] == .boolean(false) && c42["hasChecking"] == .boolean(true))
        #expect(c42["hasMortgage"] == .boolean(true)) // mortgage fails "none yet"
        #expect(c42["avgMonthlyBalance"] == .decimal(12000)) // wealth fails "balance >= 50k"
    }

    @Test func invalidSpecReportsProblems() {
        let yaml = "name: t\npartitions: 0\ncleanupPolicy: forever\nretentionMs: x\nkey: customerId\nvalueSchema: {}\nextra: 1\n"
        #expect {
            try TopicSpec.parse(yaml: yaml, path: "t.yaml")
        } throws: { error in
            guard let e = error as? ConfigError else { return false }
            return e.problems.map(\.description) == [
                "extra: unknown key", "partitions: must be between 1 and 10000, got 0",
                "cleanupPolicy: \"forever\" is not one of compact, delete, compact,delete",
                "retentionMs: expected an integer, got string",
            ]
        }
    }
}
