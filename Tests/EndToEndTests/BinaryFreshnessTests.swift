import Foundation
import Testing

/// The check that keeps subprocess tests from running a binary older than its sources.
@Suite("binary freshness")
struct BinaryFreshnessTests {
    struct Case: Sendable, CustomStringConvertible {
        let description: String
        /// Seconds after the binary's time at which each source file was modified.
        let sources: [String: Double]
        let excluded: [String]
        let expected: String?
    }

    static let cases: [Case] = [
        Case(description: "all sources older", sources: ["a/x.swift": -60, "b.swift": -1], excluded: [], expected: nil),
        Case(description: "one nested source newer", sources: ["a/x.swift": -60, "a/y/z.swift": 5], excluded: [], expected: "a/y/z.swift"),
        Case(description: "a newer plain file", sources: ["a/x.swift": -60, "b.swift": 5], excluded: [], expected: "b.swift"),
        Case(description: "newer source excluded", sources: ["a/x.swift": -60, "a/bench/z.swift": 5], excluded: ["a/bench"], expected: nil),
    ]

    @Test("reports a source newer than the binary", arguments: cases)
    func newerSource(_ c: Case) throws {
        let scratch = try ScratchDirectory("freshness")
        defer { scratch.remove() }
        let fm = FileManager.default
        let built = Date(timeIntervalSince1970: 1_800_000_000)
        let binary = scratch.path + "/xsell"
        #expect(fm.createFile(atPath: binary, contents: Data([0])))
        try fm.setAttributes([.modificationDate: built], ofItemAtPath: binary)
        for (file, offset) in c.sources {
            let path = scratch.path + "/src/" + file
            try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            #expect(fm.createFile(atPath: path, contents: Data("//".utf8)))
            try fm.setAttributes([.modificationDate: built.addingTimeInterval(offset)], ofItemAtPath: path)
        }
        let sources = [scratch.path + "/src/a", scratch.path + "/src/b.swift"].filter { fm.fileExists(atPath: $0) }
        let found = try BinaryFreshness.newerSource(
            than: binary, sources: sources, excluding: c.excluded.map { scratch.path + "/src/" + $0 })
        #expect(found == c.expected.map { scratch.path + "/src/" + $0 })
    }
}
