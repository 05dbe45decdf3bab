import ConfigLoading
import DecisionFlow
import EventLog
import Projection
import XSellCore

/// `xsell explain`: the audit of one logged decision. It finds the decision in the log, loads the
/// configuration whose fingerprint the decision records from the data directory's archive, folds
/// the log up to the decision, re-runs the flow (with explanation) and checks that the re-derived
/// decision equals the logged one: arm, eligible candidates, offers, ranks, logged propensities,
/// scores and τ (to 1e-12), and the feature snapshot.
///
/// The worker decided from its projection as it stood then, which had folded every record before
/// some position at or before the decision's own record (records from other customers may have
/// arrived in between). The audit re-derives the decision on the state just before its own
/// record; when that differs, on the state before each of the `searchRecords` positions before it,
/// and reports the latest that reproduces it; when none does, the differences at its own position.
public enum DecisionAudit {
    /// Which decision to audit.
    public enum Selector: Sendable, CustomStringConvertible {
        /// By the decision event's `eventId`.
        case decision(String)
        /// By the request that asked for it.
        case request(String)

        func matches(_ d: DecisionEvent) -> Bool {
            switch self {
            case .decision(let id): d.eventId == id
            case .request(let id): d.requestId == id
            }
        }

        public var description: String {
            switch self {
            case .decision(let id): "decision \(id)"
            case .request(let id): "the decision of request \(id)"
            }
        }
    }

    /// The audit's result.
    public struct Result: Sendable {
        /// The decision as logged.
        public var logged: DecisionEvent
        /// Its record's log position.
        public var position: UInt64
        /// The configuration fingerprint it records.
        public var fingerprint: String
        /// The log position whose state reproduced it (records before it folded), when one did.
        public var reproducedAt: UInt64?
        /// The re-derived reply (with explanation) and event, at `reproducedAt` or else at `position`.
        public var response: RecommendationResponse
        /// The re-derived decision event.
        public var rederived: DecisionEvent
        /// What differs between the logged and the re-derived decision (empty when reproduced).
        public var differences: [String]

        /// Whether the re-derived decision equals the logged one.
        public var reproduced: Bool { reproducedAt != nil }
    }

    /// Why a decision cannot be audited.
    public enum AuditError: Error, CustomStringConvertible {
        /// No decision in the log matches.
        case notFound(Selector)
        /// The decision records no configuration fingerprint.
        case noFingerprint(eventId: String)
        /// The data directory does not keep the configuration.
        case configurationMissing(fingerprint: String, path: String)
        /// The configuration refuses the request (for example its flow no longer exists).
        case rejected(ReplyError)

        public var description: String {
            switch self {
            case .notFound(let s): "\(s) is not in the log"
            case .noFingerprint(let id):
                "decision \(id) records no configuration fingerprint (made by an upstream service or an xsell without the audit trail): it cannot be re-derived"
            case .configurationMissing(let f, let path):
                "the configuration \(f) that made this decision is not kept in this data directory (expected \(path)); copy it there from the node that made the decision"
            case .rejected(let e): "the configuration refuses the request: \(e.code.rawValue): \(e.message)"
            }
        }
    }

    /// Scores and τ must agree to this absolute tolerance.
    public static let tolerance = 1e-12

    /// Audits the decision `selector` names in the data directory `dataDirectory`.
    public static func explain(
        _ selector: Selector, dataDirectory: String, searchRecords: UInt64 = 10_000,
        progress: (LogReplay.Progress) -> Void = { _ in }
    ) throws -> Result {
        let directory = DataDirectory(dataDirectory).log
        var found: (DecisionEvent, UInt64)?
        try stopping { try LogReplay.forEachEvent(directory: directory, progress: progress) { event, position in
            if case .decision(let d) = event, selector.matches(d) {
                found = (d, position)
                throw Stop()
            }
        } }
        guard let (logged, position) = found else { throw AuditError.notFound(selector) }
        guard let fingerprint = logged.configFingerprint else { throw AuditError.noFingerprint(eventId: logged.eventId) }
        let archive = ConfigArchive(dataDirectory: dataDirectory)
        guard let config = try archive.load(fingerprint: fingerprint) else {
            throw AuditError.configurationMissing(fingerprint: fingerprint, path: archive.path(fingerprint: fingerprint))
        }
        let engine = DecisionEngine(config: config)
        // First the state just before the decision's own record (the usual case), then, if that
        // does not reproduce it, each of the `searchRecords` states before.
        var own: (RecommendationResponse, DecisionEvent)?
        try fold(directory: directory, config: config, until: position, checkingFrom: position, progress: progress) { p, state in
            own = try rederive(logged, engine: engine, view: state.view(customerId: logged.customerId))
        }
        guard let (response, rederived) = own else { throw AuditError.notFound(selector) }
        let differences = differences(logged: logged, rederived: rederived)
        var result = Result(
            logged: logged, position: position, fingerprint: fingerprint, reproducedAt: differences.isEmpty ? position : nil,
            response: response, rederived: rederived, differences: differences)
        guard !differences.isEmpty, searchRecords > 0, position > 0 else { return result }
        try fold(
            directory: directory, config: config, until: position - 1,
            checkingFrom: position > searchRecords ? position - searchRecords : 0, progress: progress
        ) { p, state in
            let (response, event) = try rederive(logged, engine: engine, view: state.view(customerId: logged.customerId))
            guard Self.differences(logged: logged, rederived: event).isEmpty else { return }
            result.reproducedAt = p
            result.response = response
            result.rederived = event
            result.differences = []
        }
        return result
    }

    /// Folds the log with `config` and calls `check(p, state)` with the settled state before
    /// record `p` for every `p` in `checkingFrom...until`.
    private static func fold(
        directory: String, config: XSellConfig, until: UInt64, checkingFrom: UInt64,
        progress: (LogReplay.Progress) -> Void, check: (UInt64, ProjectionState) throws -> Void
    ) throws {
        var state = ProjectionState(config: config)
        try stopping { try LogReplay.forEachEvent(directory: directory, progress: progress) { event, p in
            if p >= checkingFrom {
                // Settling is canonical (ADR 0003): the live runner's state after any batch is
                // the settled fold of the records before it.
                state.settle()
                try check(p, state)
            }
            if p >= until { throw Stop() }
            state.apply(event, position: p)
        } }
    }

    /// Re-runs the flow for the logged decision: same customer, channel, flow, time and ids, with
    /// explanation, asking for as many offers as were logged (the request's `limit` is not logged).
    static func rederive(
        _ d: DecisionEvent, engine: DecisionEngine, view: some DecisionView
    ) throws -> (RecommendationResponse, DecisionEvent) {
        let request = RecommendationRequest(
            requestId: d.requestId ?? d.eventId, customerId: d.customerId, channel: d.channel, decisionFlowKey: d.decisionFlowKey,
            limit: d.decisions.isEmpty ? nil : d.decisions.count, explain: true)
        let ids = DecisionIdentifiers(recommendationId: d.recommendationId, interactionId: d.interactionId, decisionEventId: d.eventId)
        switch engine.decide(request: request, view: view, now: d.occurredAt, ids: ids, pendingContacts: []) {
        case .decided(let response, let event, _): return (response, event)
        case .rejected(let error): throw AuditError.rejected(error)
        }
    }

    /// The differences between a logged and a re-derived decision, one line each.
    public static func differences(logged: DecisionEvent, rederived: DecisionEvent) -> [String] {
        var out: [String] = []
        func close(_ a: Double?, _ b: Double?) -> Bool {
            switch (a, b) {
            case (nil, nil): true
            case (let a?, let b?): abs(a - b) <= tolerance
            default: false
            }
        }
        func text(_ v: Double?) -> String { v.map { "\($0)" } ?? "—" }
        if logged.arm != rederived.arm { out.append("arm: logged \(logged.arm.rawValue), re-derived \(rederived.arm.rawValue)") }
        if logged.candidates != rederived.candidates {
            out.append("candidates: logged \(logged.candidates), re-derived \(rederived.candidates)")
        }
        if logged.decisions.map(\.offerId) != rederived.decisions.map(\.offerId) {
            out.append("offers: logged \(logged.decisions.map(\.offerId)), re-derived \(rederived.decisions.map(\.offerId))")
        }
        for (a, b) in zip(logged.decisions, rederived.decisions) where a.offerId == b.offerId {
            if a.rank != b.rank { out.append("\(a.offerId).rank: logged \(a.rank), re-derived \(b.rank)") }
            if !close(a.score, b.score) { out.append("\(a.offerId).score: logged \(text(a.score)), re-derived \(text(b.score))") }
            if !close(a.tau, b.tau) { out.append("\(a.offerId).tau: logged \(text(a.tau)), re-derived \(text(b.tau))") }
            if !close(a.propensity, b.propensity) {
                out.append("\(a.offerId).propensity: logged \(text(a.propensity)), re-derived \(text(b.propensity))")
            }
        }
        if let features = logged.features, features != rederived.features {
            let keys = Set(features.keys).union(rederived.features.map { Array($0.keys) } ?? []).sorted()
            for key in keys where features[key] != rederived.features?[key] {
                out.append("features.\(key): logged \(features[key].map { "\($0)" } ?? "—"), "
                    + "re-derived \(rederived.features?[key].map { "\($0)" } ?? "—")")
            }
        }
        return out
    }

    private struct Stop: Error {}

    private static func stopping(_ body: () throws -> Void) throws {
        do { try body() } catch is Stop {}
    }
}
