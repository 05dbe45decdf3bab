import ArgumentParser
import Foundation
import KafkaClient
import XSellClient
import XSellCore

/// `xsell recommend`.
struct Recommend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Send one recommendation request and print its reply."
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "Customer id.") var customer: String
    @Option(help: "Channel (email, in_app, branch, …).") var channel: String
    @Option(help: "Decision flow key.") var flow: String = "cross-sell"
    @Option(parsing: .unconditional, help: "Most offers to return.") var limit: Int?
    @Flag(help: "Ask for the ranking breakdown and the dropped offers.") var explain = false
    @Flag(help: "Print the reply as JSON.") var json = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit \(limit): expected 1 or more") }
    }

    /// Everything (reaching Kafka, positioning the reply reader, the reply) within `--timeout`.
    func run() async throws {
        let deadline = ContinuousClock.now + common.timeLimit
        let logger = CommandSetup.logger("xsell.recommend")
        let (kafka, _) = try await CommandSetup.reach(
            common, required: [XSellTopic.requested.rawValue, XSellTopic.returned.rawValue], logger: logger)
        let client = try RecommendationClient(kafka: kafka, logger: logger)
        try await client.start()
        let request = RecommendationRequest(
            requestId: "cli-\(UUID().uuidString.lowercased())", customerId: customer, channel: channel,
            decisionFlowKey: flow, limit: limit, explain: explain, attributes: nil, replyTo: nil)
        let reply: RecommendationReply
        do {
            reply = try await client.recommend(request, timeout: max(.zero, deadline - .now))
        } catch let error as KafkaError where error.code == .timedOut {
            try? await client.close()
            throw CommandFailure(
                "no reply to \(request.requestId) within \(common.timeout) s: is `xsell serve` (or `xsell run`) "
                    + "running against \(kafka["bootstrap.servers"] ?? "this Kafka") and ready (GET /readyz)?")
        }
        try await client.close()
        if json {
            print(String(decoding: ResponseCodec.encode(reply), as: UTF8.self))
        } else {
            print(ReplyText.render(reply))
        }
        if case .error = reply { throw ExitCode(1) }
    }
}

/// Renders a reply for people.
enum ReplyText {
    static func render(_ reply: RecommendationReply) -> String {
        switch reply {
        case .error(let requestId, let code, let message):
            return "request \(requestId) failed: \(code): \(message)"
        case .response(let r):
            var lines = [
                "\(r.customerId) on \(r.channel) — flow \(r.decisionFlowKey) v\(r.decisionFlowVersion), "
                    + (r.controlGroup ? "control group (holdout: no offers)" : "treatment")
                    + ", recommendationId \(r.recommendationId)"
            ]
            lines.append(row("rank", "offer", "offerId", "score", "priority"))
            for d in r.decisions {
                lines.append(row("\(d.rank)", d.offerName, d.offerId, fixed(d.score), "\(d.priority)"))
                if let s = d.rankingScores {
                    lines.append("       P=\(fixed(s.propensity)) R=\(fixed(s.relevance)) I=\(fixed(s.impact)) "
                        + "E=\(fixed(s.emphasis)) U=\(fixed(s.uplift.factor)) (τ=\(fixed(s.uplift.tau)), "
                        + "\(s.uplift.segment.rawValue), \(s.uplift.status)) fit=\(fixed(s.fitMultiplier))")
                }
            }
            let m = r.meta
            lines.append("funnel: \(m.totalCandidates) candidates → \(m.afterQualification) qualified → "
                + "\(m.afterSuppression) after suppression → \(m.afterContactPolicy) after contact policy"
                + (m.degradedScoring ? " (degraded scoring: priority fallback)" : ""))
            for dropped in r.dropped ?? [] {
                lines.append("  dropped \(dropped.offerId) at \(dropped.stage)"
                    + (dropped.rule.map { " by \"\($0)\"" } ?? "") + ": \(dropped.reason)")
            }
            return lines.joined(separator: "\n")
        }
    }

    private static func row(_ a: String, _ b: String, _ c: String, _ d: String, _ e: String) -> String {
        "  " + [pad(a, 5), pad(b, 28), pad(c, 28), pad(d, 8), e].joined(separator: " ")
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    private static func fixed(_ x: Double) -> String { String(format: "%.4f", x) }
}
