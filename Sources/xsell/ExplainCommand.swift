import Analytics
import ArgumentParser
import Foundation
import XSellCore

/// `xsell explain`.
struct Explain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Re-derive a logged decision with the configuration that made it and check it equals the log (audit).",
        discussion: """
            Finds the decision (--decision EVENT_ID, or --request REQUEST_ID) in the log under \
            --data-dir, loads the configuration whose fingerprint the decision records from \
            <data-dir>/configs (every node keeps each configuration it decides with there), \
            rebuilds the projection as of the decision's log position and re-runs the flow. \
            Prints the funnel, the scores with their uplift terms and the dropped offers, and \
            checks that the re-derived decision equals the logged one (arm, candidates, offers, \
            ranks, logged propensities, scores and τ to 1e-12, features). Exits 1 and prints the \
            differences when it does not, and says so when the configuration is missing. --config \
            is not used: the decision names its own configuration.
            """
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "The decision event's eventId.") var decision: String?
    @Option(help: "The requestId of the request the decision answered.") var request: String?
    @Option(help: "Log positions before the decision's own record to search for the state the worker saw.")
    var search: UInt64 = 10_000
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        if (decision == nil) == (request == nil) { throw ValidationError("give exactly one of --decision ID or --request ID") }
    }

    func run() async throws {
        let selector: DecisionAudit.Selector = decision.map { .decision($0) } ?? .request(request ?? "")
        let result: DecisionAudit.Result
        do {
            result = try DecisionAudit.explain(
                selector, dataDirectory: common.dataDir, searchRecords: search, progress: ReportSupport.progress("explain"))
        } catch let error as DecisionAudit.AuditError {
            FileHandle.standardError.write(Data("xsell explain: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if json {
            print(String(decoding: Self.json(result).serialized(), as: UTF8.self))
        } else {
            print(Self.text(result))
        }
        if !result.reproduced { throw ExitCode(1) }
    }

    static func text(_ r: DecisionAudit.Result) -> String {
        var lines = [
            "decision \(r.logged.eventId) (request \(r.logged.requestId ?? "—")) at \(r.logged.occurredAt.rfc3339), "
                + "log position \(r.position), configuration \(r.fingerprint)",
            ReplyText.render(.response(r.response)),
        ]
        if let at = r.reproducedAt {
            lines.append("reproduced: the re-derived decision equals the logged one (offers, ranks, scores and τ to 1e-12) "
                + (at == r.position ? "on the state just before its record" : "on the state before log position \(at)"))
        } else {
            lines.append("NOT reproduced: the re-derived decision differs from the logged one:")
            lines += r.differences.map { "  " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ r: DecisionAudit.Result) -> JSONValue {
        .object([
            "decisionId": .string(r.logged.eventId), "requestId": r.logged.requestId.map(JSONValue.string) ?? .null,
            "position": .number(Double(r.position)), "configFingerprint": .string(r.fingerprint),
            "reproduced": .bool(r.reproduced), "reproducedAt": r.reproducedAt.map { .number(Double($0)) } ?? .null,
            "differences": .array(r.differences.map(JSONValue.string)),
            "logged": EventCodec.jsonValue(.decision(r.logged)), "rederived": EventCodec.jsonValue(.decision(r.rederived)),
            "reply": ResponseCodec.jsonValue(.response(r.response)),
        ])
    }
}
