/// The layout of a node's `--data-dir`: one place that names its parts, for the node, the
/// offline commands and the tools that rewrite it.
public struct DataDirectory: Sendable, Hashable {
    /// The data directory itself.
    public let root: String

    /// The data directory at `root`.
    public init(_ root: String) { self.root = root }

    /// `<root>/log`: the append-only event log.
    public var log: String { root + "/log" }
    /// `<root>/snapshots`: projection snapshots.
    public var snapshots: String { root + "/snapshots" }
    /// `<root>/configs`: the configurations decided with, by fingerprint.
    public var configs: String { root + "/configs" }
    /// `<root>/quarantine`: records taken out of the log, and backups of what was replaced.
    public var quarantine: String { root + "/quarantine" }
}
