import DecisionFlow
import Projection
import Testing
import XSellCore

@Suite struct HoldoutAssignmentTests {
    @Test(arguments: [
        ("", 0xcbf2_9ce4_8422_2325 as UInt64), ("a", 0xaf63_dc4c_8601_ec8c), ("foobar", 0x8594_4171_f739_67e8),
    ])
    func fnv1a64KnownVectors(text: String, hash: UInt64) {
        #expect(FNV1a64.hash(text.utf8) == hash)
    }

    @Test func bucketHashesFlowKeyColonCustomerId() {
        #expect(HoldoutAssignment.bucket(flowKey: "cross-sell", customerId: "cust_42")
            == Int(FNV1a64.hash("cross-sell:cust_42".utf8) % 10_000))
    }

    @Test(arguments: [10.0, 2.5, 50.0])
    func controlShareMatchesHoldoutPercent(percent: Double) {
        let holdout = HoldoutAssignment(ExperimentConfig(enabled: true, holdoutPercent: percent))
        let n = 100_000
        let control = (0..<n).count { holdout.arm(flowKey: "cross-sell", customerId: "cust_\($0)") == .control }
        #expect(abs(Double(control) / Double(n) * 100 - percent) <= 0.5)
    }

    @Test func armIsStablePerCustomer() {
        let holdout = HoldoutAssignment(ExperimentConfig(enabled: true, holdoutPercent: 10))
        for i in 0..<1000 {
            let id = "cust_\(i)"
            #expect(holdout.arm(flowKey: "f", customerId: id) == holdout.arm(flowKey: "f", customerId: id))
        }
    }

    @Test func extremesAndDisabled() {
        let everyone = HoldoutAssignment(ExperimentConfig(enabled: true, holdoutPercent: 100))
        let nobody = HoldoutAssignment(ExperimentConfig(enabled: true, holdoutPercent: 0))
        let disabled = HoldoutAssignment(ExperimentConfig(enabled: false, holdoutPercent: 100))
        for i in 0..<200 {
            #expect(everyone.arm(flowKey: "f", customerId: "c\(i)") == .control)
            #expect(nobody.arm(flowKey: "f", customerId: "c\(i)") == .treatment)
            #expect(disabled.arm(flowKey: "f", customerId: "c\(i)") == .treatment)
        }
    }
}
