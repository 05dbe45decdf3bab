import Projection
import Testing
import XSellCore

@Suite("Request index (idempotent requests)")
struct RequestIndexTests {
    static func decision(_ id: String, request: String?, at days: Double, customer: String = "c1") -> DomainEvent {
        guard case .decision(var d) = Fixture.decision(id, customer, at: days, features: ["tier": .string("gold")]) else {
            fatalError("Fixture.decision makes decisions")
        }
        d.requestId = request
        return .decision(d)
    }

    @Test("a logged decision is found by its request id, without its feature snapshot")
    func lookup() {
        let state = Fixture.fold([Self.decision("d1", request: "req-1", at: 1), Self.decision("d2", request: nil, at: 1)])
        let found = state.loggedDecision(requestId: "req-1")
        #expect(found?.eventId == "d1")
        #expect(found?.recommendationId == "r-d1")
        #expect(found?.decisions.map(\.offerId) == ["card"])
        #expect(found?.features == nil)
        #expect(state.loggedDecision(requestId: "req-2") == nil)
    }

    /// (events in log order, request looked up, expected event id or nil)
    static let cases: [(String, [DomainEvent], String, String?)] = [
        ("two decisions of one request: the earliest wins", [
            decision("d2", request: "r", at: 1.2), decision("d1", request: "r", at: 1.1),
        ], "r", "d1"),
        ("same time: the smaller event id wins", [
            decision("b", request: "r", at: 1), decision("a", request: "r", at: 1),
        ], "r", "a"),
        ("kept until a full day before the clock's day", [
            decision("d1", request: "r", at: 0.5), decision("d2", request: "s", at: 1.9),
        ], "r", "d1"),
        ("dropped when the clock's day starts more than a day after it", [
            decision("d1", request: "r", at: 0.5), decision("d2", request: "s", at: 2.1),
        ], "r", nil),
        ("a decision arriving after its retention is not indexed", [
            decision("d2", request: "s", at: 2.1), decision("d1", request: "r", at: 0.5),
        ], "r", nil),
    ]

    @Test("retention and duplicates resolve the same in every arrival order", arguments: cases.indices)
    func table(_ index: Int) {
        let (name, events, request, expected) = Self.cases[index]
        let forward = Fixture.fold(events)
        let backward = Fixture.fold(events.reversed())
        #expect(forward.loggedDecision(requestId: request)?.eventId == expected, "\(name)")
        #expect(backward.loggedDecision(requestId: request)?.eventId == expected, "\(name), reversed")
        #expect(forward.stateDigest == backward.stateDigest, "\(name)")
    }

    @Test("the index is part of the snapshot and of the digest")
    func snapshot() throws {
        let config = Fixture.config()
        let state = Fixture.fold([Self.decision("d1", request: "req-1", at: 1)], config: config)
        let loaded = try ProjectionSnapshot.decode(ProjectionSnapshot.encode(state), settings: ProjectionSettings(config: config))
        #expect(loaded.loggedDecision(requestId: "req-1") == state.loggedDecision(requestId: "req-1"))
        #expect(loaded.stateDigest == state.stateDigest)
        let without = Fixture.fold([Self.decision("d1", request: nil, at: 1)], config: config)
        #expect(without.stateDigest != state.stateDigest)
    }
}
