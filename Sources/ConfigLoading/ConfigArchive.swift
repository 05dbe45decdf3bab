import EventLog
import Foundation
import XSellCore

/// The configurations a node has decided with, kept in the data directory by content
/// (`configs/<sha-256 hex>.json`, the canonical text of ``ConfigSource``), so that `xsell
/// explain` can re-run any logged decision with the configuration whose fingerprint it records.
public struct ConfigArchive: Sendable {
    /// `<data dir>/configs`.
    public let directory: String

    /// The archive of the data directory `dataDirectory`.
    public init(dataDirectory: String) {
        directory = DataDirectory(dataDirectory).configs
    }

    /// The path a fingerprint is kept under.
    public func path(fingerprint: String) -> String {
        directory + "/" + ConfigSource.archiveFileName(fingerprint: fingerprint)
    }

    /// Keeps `source` (durably: temporary file, fsync, rename, directory fsync); a no-op when it
    /// is already kept.
    public func store(_ source: ConfigSource) throws {
        let target = path(fingerprint: source.fingerprint)
        if FileManager.default.fileExists(atPath: target) { return }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try DurableFileWriter().replace(target, with: Array(source.canonicalText.utf8))
    }

    /// The configuration with `fingerprint`, or `nil` when the archive does not keep it.
    /// - Throws: ``ConfigArchiveError`` when the kept file does not load or no longer has its fingerprint.
    public func load(fingerprint: String) throws -> XSellConfig? {
        let file = path(fingerprint: fingerprint)
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        let config: XSellConfig
        do { config = try ConfigLoader.load(path: file) } catch {
            throw ConfigArchiveError(path: file, reason: "does not load: \(error)")
        }
        guard config.source?.fingerprint == fingerprint else {
            throw ConfigArchiveError(path: file, reason: "its content has fingerprint \(config.source?.fingerprint ?? "—"), not \(fingerprint)")
        }
        return config
    }
}

/// A kept configuration that is damaged.
public struct ConfigArchiveError: Error, CustomStringConvertible {
    /// The file.
    public var path: String
    /// What is wrong with it.
    public var reason: String

    /// Describes the problem.
    public var description: String { "configuration archive \(path) \(reason)" }
}
