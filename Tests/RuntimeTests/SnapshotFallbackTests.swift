import Foundation
import Logging
import Projection
import Testing
import XSellCore
import XSellTestSupport

@testable import Runtime

/// Which snapshot a restart uses: the newest one that decodes, matches the configuration and is
/// not past the log's end; anything else falls back to an older one, or to none (rebuild).
@Suite("snapshot fallback")
struct SnapshotFallbackTests {
    enum Damage: Sendable { case none, truncated, flippedPayloadByte, otherVersion, otherSettings }

    struct Case: Sendable, CustomStringConvertible {
        let description: String
        /// Snapshots written (position, damage), oldest first.
        let snapshots: [(position: UInt64, damage: Damage)]
        let logEnd: UInt64
        let expected: UInt64?
    }

    static let cases: [Case] = [
        Case(description: "the newest valid one", snapshots: [(10, .none), (20, .none)], logEnd: 30, expected: 20),
        Case(description: "newest truncated: the older", snapshots: [(10, .none), (20, .truncated)], logEnd: 30, expected: 10),
        Case(description: "newest fails its checksum: the older", snapshots: [(10, .none), (20, .flippedPayloadByte)], logEnd: 30, expected: 10),
        Case(description: "newest of another format version: the older", snapshots: [(10, .none), (20, .otherVersion)], logEnd: 30, expected: 10),
        Case(description: "newest of other settings: the older", snapshots: [(10, .none), (20, .otherSettings)], logEnd: 30, expected: 10),
        Case(description: "newest ahead of the log: the older", snapshots: [(10, .none), (20, .none)], logEnd: 15, expected: 10),
        Case(description: "none usable: rebuild", snapshots: [(10, .truncated), (20, .otherVersion)], logEnd: 30, expected: nil),
    ]

    static func state(_ config: XSellConfig, through position: UInt64) -> ProjectionState {
        var state = ProjectionState(config: config)
        state.apply(.profile(ProfileEvent(
            eventId: "p\(position)", customerId: "c\(position)", occurredAt: Timestamp(millisecondsSinceEpoch: 1_750_000_000_000),
            attributes: ["tenureMonths": .integer(Int64(position))])), position: position - 1)
        return state
    }

    @Test("restores from", arguments: cases)
    func restores(_ c: Case) throws {
        let config = try RuntimeFixtures.tutorialConfig()
        var other = config
        other.learning.attributionWindowDays += 1
        let directory = FileManager.default.temporaryDirectory.path + "/xsell-snapfall-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = SnapshotStore(directory: directory)
        for (position, damage) in c.snapshots {
            try store.save(Self.state(damage == .otherSettings ? other : config, through: position), position: position)
            let path = directory + "/" + String(format: "projection-%020llu.snapshot", position)
            var bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
            switch damage {
            case .none, .otherSettings: continue
            case .truncated: bytes.removeLast(bytes.count / 2)
            case .flippedPayloadByte: bytes[30 + 3] ^= 0x40  // past the 30-byte header
            case .otherVersion:
                bytes[4] &+= 1
                bytes.replaceSubrange((bytes.count - 8)..., with: withUnsafeBytes(of: FNV1a64.hash(bytes.dropLast(8)).littleEndian, Array.init))
            }
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        }
        let restored = store.load(matching: ProjectionState(config: config), logEnd: c.logEnd, logger: .test("xsell.snapshot-test"))
        #expect(restored?.position == c.expected)
        if let restored { #expect(restored.state.customer("c\(restored.position)") != nil, "the state of that snapshot") }
    }
}
