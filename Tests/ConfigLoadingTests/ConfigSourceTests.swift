import Foundation
import Testing
import ConfigLoading
import XSellCore

/// The configuration fingerprint of the audit trail.
@Suite struct ConfigSourceTests {
    /// FIPS 180-4 test vectors (one block, two blocks, the empty message).
    @Test(arguments: [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ])
    func sha256(message: String, digest: String) {
        #expect(SHA256.hex(Array(message.utf8)) == digest)
    }

    /// Comments, key order and flow vs block style do not change the fingerprint; a value does;
    /// the canonical text loads back to the same configuration and fingerprint.
    @Test func fingerprintIsOfTheCanonicalDocument() throws {
        let yaml = Self.minimal(holdout: 10)
        let reformatted = "# a comment\n" + yaml.replacingOccurrences(
            of: "experiment: { enabled: true, holdoutPercent: 10, controlGroupAction: no_offers }",
            with: "experiment:\n      controlGroupAction: no_offers\n      holdoutPercent: 10\n      enabled: true")
        #expect(reformatted != yaml)
        let a = try #require(try ConfigLoader.load(yaml: yaml).source)
        let b = try #require(try ConfigLoader.load(yaml: reformatted).source)
        let c = try #require(try ConfigLoader.load(yaml: Self.minimal(holdout: 20)).source)
        #expect(a.fingerprint == b.fingerprint && a.fingerprint != c.fingerprint)
        #expect(a.fingerprint.hasPrefix("sha256:") && a.fingerprint.count == 7 + 64)
        let reloaded = try ConfigLoader.load(yaml: a.canonicalText)
        let original = try ConfigLoader.load(yaml: yaml)
        #expect(reloaded.source?.fingerprint == a.fingerprint && reloaded == original)
        #expect(a.archiveFileName == String(a.fingerprint.dropFirst(7)) + ".json")
    }

    static func minimal(holdout: Int) -> String {
        """
        schema:
          name: customer
          fields:
            - { name: customer_id, type: varchar, unique: true }
            - { name: hasCard, type: boolean }
        offers:
          - { id: card, name: Card, status: active, category: credit, priority: 80, businessValue: 80, revenueValue: 90, holding: hasCard }
        channels:
          - { name: in_app, status: active, couplingMode: partial, impressionMode: implicit }
        flows:
          - key: cross-sell
            name: Cross-sell
            version: 1
            experiment: { enabled: true, holdoutPercent: \(holdout), controlGroupAction: no_offers }
            nodes:
              - { type: score, method: priority_weighted }
              - { type: rank, method: topN, maxCandidates: 1 }
        """
    }
}
