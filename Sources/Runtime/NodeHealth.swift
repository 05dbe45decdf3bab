import Synchronization

/// Whether a node can do its work now, and if not, why (what `GET /readyz` answers).
public struct Readiness: Sendable, Equatable {
    /// The conditions not met, each a sentence for an operator; empty when ready.
    public var unmet: [String]

    /// Ready when nothing is unmet.
    public var isReady: Bool { unmet.isEmpty }

    /// A report with `unmet` conditions.
    public init(unmet: [String]) { self.unmet = unmet }
}

/// The node's latest ``Readiness``, written by ``NodeMonitor`` and read by the health endpoint.
public final class NodeHealth: Sendable {
    private let current = Mutex(Readiness(unmet: ["starting: recovery has not finished"]))

    /// A health record that is not ready yet.
    public init() {}

    /// The latest readiness.
    public var readiness: Readiness { current.withLock { $0 } }

    /// Replaces the readiness.
    func update(_ readiness: Readiness) {
        current.withLock { $0 = readiness }
    }
}

/// The readiness conditions of a node, evaluated from sampled facts (pure, table-tested).
///
/// With hysteresis: to *become* ready, ingest must be at the end of every partition and the
/// projection must have folded the whole log (so the first "ready" means everything published
/// before the start is answered); to *stay* ready, each may be up to ``maxIngestLag`` behind,
/// so steady traffic does not make the node flap.
public struct ReadinessRules: Sendable {
    /// Most messages ingest (and the fold) may be behind for a ready node to stay ready.
    public var maxIngestLag: Int64

    /// Rules with the given bound.
    public init(maxIngestLag: Int64 = 1_000) { self.maxIngestLag = maxIngestLag }

    /// The facts one sample gathers.
    public struct Facts: Sendable {
        /// Start-up recovery (log opened, projection restored) has finished.
        public var recovered: Bool
        /// Ingest's lag per assigned partition (nil entries: position not known yet); nil when the node does not ingest.
        public var ingestLag: [String: Int64?]?
        /// The worker's lag per assigned partition; nil when the node does not serve.
        public var serveLag: [String: Int64?]?
        /// Records in the log not folded yet; nil when the node does not serve.
        public var foldLag: UInt64?

        /// Facts.
        public init(recovered: Bool, ingestLag: [String: Int64?]?, serveLag: [String: Int64?]?, foldLag: UInt64?) {
            self.recovered = recovered
            self.ingestLag = ingestLag
            self.serveLag = serveLag
            self.foldLag = foldLag
        }
    }

    /// The unmet conditions of `facts` for a node that `wasReady` at the last evaluation.
    public func evaluate(_ facts: Facts, wasReady: Bool) -> Readiness {
        let bound = wasReady ? max(0, maxIngestLag) : 0
        var unmet: [String] = []
        if !facts.recovered { unmet.append("starting: recovery has not finished") }
        if let lag = facts.ingestLag {
            unmet += Self.partitionProblems(lag, consumer: "ingest", bound: bound)
        }
        if let lag = facts.serveLag {
            unmet += Self.partitionProblems(lag, consumer: "scoring worker", bound: nil)
        }
        if let records = facts.foldLag, records > UInt64(bound) {
            unmet.append("projection: \(records) log records not folded yet" + (bound > 0 ? " (ready at \(bound) or fewer)" : ""))
        }
        return Readiness(unmet: unmet)
    }

    private static func partitionProblems(_ lag: [String: Int64?], consumer: String, bound: Int64?) -> [String] {
        if lag.isEmpty { return ["\(consumer): no partitions assigned yet (joining its consumer group)"] }
        let unknown = lag.filter { $0.value == nil }.keys.sorted()
        if !unknown.isEmpty {
            return ["\(consumer): position not known yet on \(unknown.joined(separator: ", "))"]
        }
        guard let bound else { return [] }
        return lag.compactMap { partition, value in value.flatMap { $0 > bound ? (partition, $0) : nil } }
            .sorted { $0.0 < $1.0 }
            .map { "\(consumer): \($0.1) messages behind on \($0.0) (ready at \(bound) or fewer)" }
    }
}
