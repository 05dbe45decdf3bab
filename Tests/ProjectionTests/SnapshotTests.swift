import Projection
import Testing
import XSellCore

@Suite("Snapshots")
struct SnapshotTests {
    static let events = SyntheticLog.generate(customers: 400).map(\.event)
    static let settings = ProjectionSettings(config: SyntheticLog.config)

    @Test("a snapshot round trip keeps the digest and the position")
    func roundTrip() throws {
        let state = Fixture.fold(Self.events, config: SyntheticLog.config)
        let bytes = ProjectionSnapshot.encode(state)
        let loaded = try ProjectionSnapshot.decode(bytes, settings: Self.settings)
        #expect(loaded.stateDigest == state.stateDigest)
        #expect(loaded.nextPosition == UInt64(Self.events.count))
        #expect(try ProjectionSnapshot.position(of: bytes) == UInt64(Self.events.count))
        #expect(ProjectionSnapshot.encode(loaded) == bytes)
        #expect(loaded.customer("c1") == state.customer("c1"))
    }

    @Test("snapshot + tail gives the same state as the full fold, at any cut")
    func snapshotPlusTail() throws {
        let full = Fixture.fold(Self.events, config: SyntheticLog.config)
        for cut in [1, Self.events.count / 3, Self.events.count / 2, Self.events.count - 1] {
            let head = Fixture.fold(Array(Self.events[..<cut]), config: SyntheticLog.config)
            var state = try ProjectionSnapshot.decode(ProjectionSnapshot.encode(head), settings: Self.settings)
            // Replaying from an earlier position is harmless: applied records are skipped.
            for (i, e) in Self.events.enumerated() { state.apply(e, position: UInt64(i)) }
            #expect(state.stateDigest == full.stateDigest, "cut at \(cut)")
        }
    }

    @Test("a damaged, foreign, old-version or other-settings snapshot is rejected")
    func rejection() throws {
        let bytes = ProjectionSnapshot.encode(Fixture.fold(Array(Self.events.prefix(200)), config: SyntheticLog.config))
        for index in [40, bytes.count / 2, bytes.count - 3] {
            var flipped = bytes
            flipped[index] ^= 0x10
            #expect(throws: SnapshotError.checksumMismatch) { try ProjectionSnapshot.decode(flipped, settings: Self.settings) }
        }
        var old = bytes
        old[4] = 0
        #expect(throws: SnapshotError.unsupportedVersion(found: 0, expected: ProjectionSnapshot.formatVersion)) {
            try ProjectionSnapshot.decode(old, settings: Self.settings)
        }
        var foreign = bytes
        foreign[0] = UInt8(ascii: "Z")
        #expect(throws: SnapshotError.badMagic) { try ProjectionSnapshot.decode(foreign, settings: Self.settings) }
        #expect(throws: SnapshotError.truncated(10)) { try ProjectionSnapshot.decode(Array(bytes.prefix(10)), settings: Self.settings) }
        #expect(throws: SnapshotError.checksumMismatch) {
            try ProjectionSnapshot.decode(Array(bytes.dropLast(1)), settings: Self.settings)
        }
        let other = ProjectionSettings(config: Fixture.config(window: 14))
        #expect(throws: SnapshotError.settingsMismatch(found: Self.settings.fingerprint, expected: other.fingerprint)) {
            try ProjectionSnapshot.decode(bytes, settings: other)
        }
    }
}
