import Learning
import Projection
import Testing
import XSellCore

@Suite("Exposures and labels")
struct LabelTests {
    private func labels(_ state: ProjectionState, _ customer: String = "c1") -> [String: Double?] {
        Dictionary(uniqueKeysWithValues: state.exposures(customerId: customer).map { ("\($0.decisionId)/\($0.offerId)", $0.label) })
    }

    @Test("a conversion within the window labels the exposure 1; it is committed when the window closes")
    func conversionWithinWindow() {
        var state = Fixture.fold([
            Fixture.decision("d1", "c1", at: 0, offers: ["card", "savings"]),
            Fixture.interaction("i1", "c1", at: 10, .conversion),
        ])
        #expect(labels(state) == ["d1/card": 1, "d1/savings": nil])
        #expect(state.exposures(customerId: "c1").allSatisfy { !$0.committed })
        state.apply(Fixture.profile("tick", "c2", at: 30, [:]), position: 2)
        #expect(labels(state) == ["d1/card": 1, "d1/savings": 0])
        #expect(state.exposures(customerId: "c1").allSatisfy { $0.committed })
        let row = state.experimentReport().first { $0.offerId == "card" }
        #expect(row?.counts == ArmCounts(treated: 1, control: 0, treatedConversions: 1, controlConversions: 0))
    }

    @Test("a conversion after the window does not label; the closed window gives 0")
    func conversionAfterWindow() {
        let state = Fixture.fold([
            Fixture.decision("d1", "c1", at: 0),
            Fixture.interaction("i1", "c1", at: 30.5, .conversion),
        ])
        #expect(labels(state) == ["d1/card": 0])
        #expect(state.experimentReport().first?.counts.treatedConversions == 0)
    }

    @Test("a negative outcome labels 0 at once, and the conversion goes to the latest open exposure")
    func negativeOutcome() {
        let state = Fixture.fold([
            Fixture.decision("d1", "c1", at: 0, arm: .control),
            Fixture.decision("d2", "c1", at: 1),
            Fixture.interaction("n1", "c1", at: 2, .notInterested),
            Fixture.interaction("i1", "c1", at: 3, .conversion),
        ])
        #expect(labels(state) == ["d1/card": 1, "d2/card": 0])
        let neg = Fixture.fold([Fixture.decision("d1", "c1", at: 0), Fixture.interaction("n1", "c1", at: 0.5, .dismiss)])
        #expect(labels(neg) == ["d1/card": 0])
    }

    @Test("a conversion logged before its decision gives the same labels and state as in order")
    func conversionBeforeDecision() {
        let inOrder = [
            Fixture.decision("d1", "c1", at: 0),
            Fixture.interaction("i1", "c1", at: 5, .conversion),
            Fixture.decision("d2", "c1", at: 40, arm: .control),
            Fixture.profile("tick", "c2", at: 80, [:]),
        ]
        let reordered = [inOrder[1], inOrder[0], inOrder[2], inOrder[3]]
        let a = Fixture.fold(inOrder), b = Fixture.fold(reordered)
        #expect(labels(a) == ["d1/card": 1, "d2/card": 0])
        #expect(labels(b) == labels(a))
        #expect(a.stateDigest == b.stateDigest)
        // Even after the window has closed: a late conversion revises a committed label.
        let late = Fixture.fold([inOrder[0], inOrder[2], inOrder[1], inOrder[3]])
        #expect(labels(late) == labels(a))
        #expect(late.stateDigest == a.stateDigest)
    }

    @Test("a late exposure takes the conversion from an earlier one, as in event-time order")
    func lateExposure() {
        let events = [
            Fixture.decision("d1", "c1", at: 0),
            Fixture.decision("d2", "c1", at: 2),
            Fixture.interaction("i1", "c1", at: 3, .conversion),
            Fixture.profile("tick", "c2", at: 60, [:]),
        ]
        let inOrder = Fixture.fold(events)
        let late = Fixture.fold([events[0], events[2], events[3], events[1]])
        #expect(labels(inOrder) == ["d1/card": 0, "d2/card": 1])
        #expect(labels(late) == labels(inOrder))
        #expect(late.experimentReport() == inOrder.experimentReport())
        #expect(late.stateDigest == inOrder.stateDigest)
    }
}
