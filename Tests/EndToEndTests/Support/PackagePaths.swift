import Foundation

/// Paths of this package's checkout and its build products.
enum PackagePaths {
    /// The package root (this file is `Tests/EndToEndTests/Support/…`).
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The tansu broker binary.
    static var tansu: String {
        ProcessInfo.processInfo.environment["XSELL_TANSU_BIN"] ?? root + "/.tools/bin/tansu"
    }

    /// The `xsell` executable built with the tests (next to the test product, else
    /// `.build/debug/xsell`, or `$XSELL_BIN`), checked to be built from this checkout's sources:
    /// a subprocess test of a stale binary would test old code.
    static func xsell() throws -> String { try located.get() }

    private static let located: Result<String, TestFailure> = Result {
        let binary = try findXsell()
        if ProcessInfo.processInfo.environment["XSELL_BIN"] == nil { try checkFresh(binary) }
        return binary
    }.mapError { $0 as? TestFailure ?? TestFailure("\($0)") }

    /// Fresh when scripts/build.sh recorded the digest of exactly these sources, or else when no
    /// source is newer than the binary (a plain `swift build` or `swift test`). Times alone
    /// cannot decide: the compiler skips a touched file whose contents did not change.
    private static func checkFresh(_ binary: String) throws {
        let recorded = try? String(contentsOfFile: root + "/.build/xsell-sources.digest", encoding: .utf8)
        if let recorded, recorded.trimmingCharacters(in: .whitespacesAndNewlines) == (try sourceDigest()) { return }
        let sources = [root + "/Sources", root + "/Package.swift"]
        if let newer = try BinaryFreshness.newerSource(than: binary, sources: sources, excluding: [root + "/Sources/xsell-bench"]) {
            throw TestFailure("\(binary) is older than \(newer) and scripts/build.sh did not build these sources: "
                + "run scripts/build.sh (scripts/test.sh builds first)")
        }
    }

    /// scripts/source-digest.sh of the checkout.
    private static func sourceDigest() throws -> String {
        let (status, output, error) = try runToCompletion(root + "/scripts/source-digest.sh", [])
        guard status == 0 else { throw TestFailure("scripts/source-digest.sh failed: \(error)") }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `executable arguments…` to completion and returns its exit status, standard output
    /// and standard error.
    static func runToCompletion(_ executable: String, _ arguments: [String]) throws
        -> (status: Int32, output: String, error: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    private static func findXsell() throws -> String {
        let fm = FileManager.default
        var candidates: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["XSELL_BIN"] { candidates.append(explicit) }
        if let test = Bundle.main.executableURL ?? URL(string: "file://" + CommandLine.arguments[0]) {
            var dir = test.resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<4 {  // the test product may sit inside an .xctest bundle
                candidates.append(dir.appendingPathComponent("xsell").path)
                dir.deleteLastPathComponent()
            }
        }
        candidates.append(root + "/.build/debug/xsell")
        guard let found = candidates.first(where: { fm.isExecutableFile(atPath: $0) && !BinaryFreshness.isDirectory($0) }) else {
            throw TestFailure("no xsell executable (build it first: scripts/build.sh); looked at \(candidates)")
        }
        return found
    }

}

/// Whether a build product is older than the files it is built from (modification times).
enum BinaryFreshness {
    /// A file under `sources` (files or directories, walked) modified after `binary`, outside
    /// `excluding`; nil when the binary is at least as new as all of them.
    static func newerSource(than binary: String, sources: [String], excluding: [String] = []) throws -> String? {
        let fm = FileManager.default
        let built = try modified(binary)
        for source in sources {
            let files = isDirectory(source)
                ? (fm.enumerator(atPath: source)?.compactMap { ($0 as? String).map { source + "/" + $0 } } ?? [])
                : [source]
            for file in files where !isDirectory(file) && !excluding.contains(where: { file.hasPrefix($0 + "/") }) {
                if try modified(file) > built { return file }
            }
        }
        return nil
    }

    /// Whether `path` is a directory.
    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    private static func modified(_ path: String) throws -> Date {
        guard let date = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date else {
            throw TestFailure("no modification time for \(path)")
        }
        return date
    }
}
