import Learning
import Projection
import XSellCore

/// A report of an analyst command, as JSON (`--json`) and as text tables.
public struct ReportDocument: Sendable {
    /// The machine-readable form.
    public var json: JSONValue
    /// The human-readable form.
    public var text: String
    /// The rows written by `--csv FILE`.
    public var csv: ReportTable? = nil
}

/// Builds the reports of `xsell replay`, `xsell experiment`, `xsell uplift` (from a settled
/// projection) and `xsell backtest`. Every number in the text is also in the JSON, where undefined values are `null`.
public enum Reports {
    /// `xsell replay`: digest, counts, the log clock, and committed exposures per flow and offer.
    public static func replay(_ result: LogReplay.Result) -> ReportDocument {
        let state = result.state
        let digest = FNV1a64.hex(state.stateDigest)
        let rows = state.experimentReport()
        var json: [String: JSONValue] = [
            "stateDigest": .string(digest), "records": number(result.records), "folded": number(result.folded),
            "nextPosition": number(state.nextPosition), "customers": .number(Double(state.customerCount)),
            "clock": state.clockMillis.map { .string(Timestamp(millisecondsSinceEpoch: $0).rfc3339) } ?? .null,
            "until": result.until.map { .string($0.rfc3339) } ?? .null,
        ]
        json["exposures"] = .array(rows.map { row in
            var o = counts(row.counts)
            o["flowKey"] = .string(row.flowKey)
            o["offerId"] = .string(row.offerId)
            return .object(o)
        })
        var lines = [
            "state digest   \(digest)",
            "records        \(result.records) read, \(result.folded) folded"
                + (result.until.map { " (occurredAt ≤ \($0.rfc3339))" } ?? ""),
            "customers      \(state.customerCount)",
            "log clock      " + (state.clockMillis.map { Timestamp(millisecondsSinceEpoch: $0).rfc3339 } ?? "—"),
            "",
            "committed exposures (labelled) per flow and offer:",
        ]
        var table = ReportTable(headers: ["flow", "offer", "treated", "conv", "control", "conv"])
        table.rows = rows.map { r in
            [r.flowKey, r.offerId, "\(r.counts.treated)", "\(r.counts.treatedConversions)", "\(r.counts.control)",
             "\(r.counts.controlConversions)"]
        }
        lines.append(table.rendered)
        return ReportDocument(json: .object(json), text: lines.joined(separator: "\n"), csv: table)
    }

    /// `xsell experiment`: per flow and offer, the holdout statistics of guide §6.
    public static func experiment(_ state: ProjectionState) -> ReportDocument {
        let rows = state.experimentReport()
        let json = JSONValue.object(["experiments": .array(rows.map { row in
            let s = row.statistics
            var o = counts(row.counts)
            o["flowKey"] = .string(row.flowKey)
            o["offerId"] = .string(row.offerId)
            o["treatedRate"] = optional(s.treatedRate)
            o["controlRate"] = optional(s.controlRate)
            o["absoluteUplift"] = optional(s.absoluteUplift)
            o["relativeUplift"] = optional(s.relativeUplift)
            o["zScore"] = optional(s.zScore)
            o["pValue"] = optional(s.pValue)
            o["differenceInterval"] = interval(s.differenceInterval)
            o["incrementalConversions"] = optional(s.incrementalConversions)
            o["incrementalConversionsInterval"] = interval(s.incrementalConversionsInterval)
            o["incrementalRevenue"] = optional(s.incrementalRevenue)
            o["incrementalRevenueInterval"] = interval(s.incrementalRevenueInterval)
            return .object(o)
        })])
        var table = ReportTable(headers: [
            "flow", "offer", "treated", "rate T", "control", "rate C", "abs uplift", "rel uplift", "z", "p",
            "95% CI (diff)", "incr conv", "95% CI", "incr revenue", "95% CI",
        ])
        table.rows = rows.map { r in
            let s = r.statistics
            return [
                r.flowKey, r.offerId, "\(s.treatedConversions)/\(s.treatedCount)", ReportTable.percent(s.treatedRate),
                "\(s.controlConversions)/\(s.controlCount)", ReportTable.percent(s.controlRate),
                ReportTable.fixed(s.absoluteUplift), ReportTable.percent(s.relativeUplift), ReportTable.fixed(s.zScore, 3),
                ReportTable.fixed(s.pValue), ReportTable.interval(s.differenceInterval?.lower, s.differenceInterval?.upper),
                ReportTable.fixed(s.incrementalConversions, 1),
                ReportTable.interval(s.incrementalConversionsInterval?.lower, s.incrementalConversionsInterval?.upper, 1),
                ReportTable.fixed(s.incrementalRevenue, 2),
                ReportTable.interval(s.incrementalRevenueInterval?.lower, s.incrementalRevenueInterval?.upper, 2),
            ]
        }
        let text = rows.isEmpty ? "no committed exposures yet (attribution windows still open?)" : table.rendered
        return ReportDocument(json: json, text: text, csv: table)
    }

    /// `xsell uplift`: per offer (or only `offerId`) the serving model's sample sizes and its
    /// μ_T, μ_C and τ averaged over the offer's exposures in the lookback; then, for each named
    /// subject (a customer or a profile line), the estimates for its features.
    public static func uplift(
        _ state: ProjectionState, offerId: String? = nil, subjects: [(name: String, features: [String: AttributeValue])] = []
    ) -> ReportDocument {
        let offers = state.upliftReport(offerId: offerId, features: subjects.map(\.features))
        let json = JSONValue.object(["offers": .array(offers.map { offer in
            var o = estimate(offer.average)
            o["offerId"] = .string(offer.offerId)
            o["category"] = .string(offer.category)
            for (key, value) in counts(offer.counts) { o[key] = value }
            o["estimates"] = .array(zip(subjects, offer.rows).map { subject, row in
                var e = estimate(row)
                e["subject"] = .string(subject.name)
                return .object(e)
            })
            return .object(o)
        })])
        var averages = ReportTable(headers: ["offer", "treated", "control", "μ_T", "μ_C", "τ", "raw τ", "segment", "status"])
        averages.rows = offers.map { o in
            [o.offerId, "\(o.counts.treated)", "\(o.counts.control)"] + cells(o.average)
        }
        var text = "uplift per offer (serving model, averaged over its exposures in the lookback):\n" + averages.rendered
        if !subjects.isEmpty {
            var each = ReportTable(headers: ["subject", "offer", "μ_T", "μ_C", "τ", "raw τ", "segment", "status"])
            for (i, subject) in subjects.enumerated() {
                each.rows += offers.map { [subject.name, $0.offerId] + cells($0.rows[i]) }
            }
            text += "\n\nestimates for the given features:\n" + each.rendered
            return ReportDocument(json: json, text: text, csv: each)
        }
        return ReportDocument(json: json, text: text, csv: averages)
    }

    /// `xsell backtest`: per policy, the IPS, SNIPS and DR estimates per 1,000 decisions with
    /// their CIs, the overlap with the logged policy, and the candidate − baseline difference
    /// (see ``BacktestEvaluation`` and docs/backtesting.md). The CSV has one row per policy,
    /// estimator and metric.
    public static func backtest(_ report: BacktestEvaluation.Report) -> ReportDocument {
        func estimates(_ e: [OffPolicyEstimator: [OffPolicyMetric: OffPolicyEstimate]]) -> JSONValue {
            .object(Dictionary(uniqueKeysWithValues: OffPolicyEstimator.allCases.map { estimator in
                (estimator.rawValue, JSONValue.object(Dictionary(uniqueKeysWithValues: OffPolicyMetric.allCases.map { metric in
                    let v = e[estimator]![metric]!
                    return (metric.rawValue, JSONValue.object([
                        "value": .number(v.value), "standardError": .number(v.standardError),
                        "interval": interval(v.interval),
                    ]))
                })))
            }))
        }
        var json: [String: JSONValue] = [
            "loggedDecisions": .number(Double(report.loggedDecisions)), "evaluated": .number(Double(report.evaluated)),
            "unlabelled": .number(Double(report.unlabelled)), "treated": .number(Double(report.treated)),
            "control": .number(Double(report.control)), "conversions": .number(Double(report.conversions)),
            "attributedConversions": .number(Double(report.attributedConversions)),
            "warnings": .array(report.warnings.map(JSONValue.string)),
            "policies": .array(report.policies.map { p in
                let e = p.evaluation
                return .object([
                    "name": .string(p.name), "shownMatches": .number(Double(e.shownMatches)),
                    "controlMatches": .number(Double(e.controlMatches)),
                    "unmatchedTreatedPicks": .number(Double(e.unmatchedTreatedPicks)),
                    "effectiveSampleSize": .number(e.effectiveSampleSize), "estimates": estimates(e.estimates),
                    "overlap": .array(p.overlap.map { o in
                        .object([
                            "offerId": .string(o.offerId), "treatedPicks": .number(Double(o.treatedPicks)),
                            "shown": .number(Double(o.shown)), "shownShare": .number(o.shownShare),
                        ])
                    }),
                ])
            }),
        ]
        json["difference"] = report.difference.map(estimates) ?? .null
        let headers = ["policy", "estimator", "conversions", "95% CI", "incr conv", "95% CI", "incr revenue", "95% CI"]
        var table = ReportTable(headers: headers)
        var csv = ReportTable(headers: ["policy", "estimator", "metric", "value", "standardError", "lower", "upper"])
        let rows = report.policies.map { ($0.name, $0.evaluation.estimates) }
            + (report.difference.map { [("\(report.policies[0].name) − \(report.policies[1].name)", $0)] } ?? [])
        for (name, e) in rows {
            for estimator in OffPolicyEstimator.allCases {
                var row = [name, estimator.rawValue]
                for metric in OffPolicyMetric.allCases {
                    let v = e[estimator]![metric]!
                    let digits = metric == .incrementalRevenue ? 0 : 1
                    row += [ReportTable.fixed(v.value, digits), ReportTable.interval(v.interval.lower, v.interval.upper, digits)]
                    csv.rows.append([name, estimator.rawValue, metric.rawValue] + [v.value, v.standardError, v.interval.lower, v.interval.upper].map { "\($0)" })
                }
                table.rows.append(row)
            }
        }
        var overlap = ReportTable(headers: ["policy", "offer", "picked (treated)", "logged showed", "share"])
        for p in report.policies {
            overlap.rows += p.overlap.map { o in
                [p.name, o.offerId, "\(o.treatedPicks)", "\(o.shown)", ReportTable.percent(o.shownShare)]
            }
        }
        var samples = ReportTable(headers: ["policy", "shown matches", "control matches", "unmatched treated picks", "ESS (shown)"])
        samples.rows = report.policies.map { p in
            let e = p.evaluation
            return [p.name, "\(e.shownMatches)", "\(e.controlMatches)", "\(e.unmatchedTreatedPicks)", ReportTable.fixed(e.effectiveSampleSize, 1)]
        }
        var lines = [
            "\(report.evaluated) decisions evaluated (\(report.treated) treated, \(report.control) control) of "
                + "\(report.loggedDecisions) logged; \(report.unlabelled) in the window still inside their attribution window",
            "\(report.attributedConversions) of \(report.conversions) conversions labelled a logged decision (one decision each)",
            "", "per 1,000 decisions:", table.rendered, "", "samples:", samples.rendered, "",
            "overlap with the logged policy:", overlap.rendered,
        ]
        lines += report.warnings.map { "warning: " + $0 }
        return ReportDocument(json: .object(json), text: lines.joined(separator: "\n"), csv: csv)
    }

    private static func cells(_ e: UpliftEstimate) -> [String] {
        [ReportTable.fixed(e.muTreated), ReportTable.fixed(e.muControl), ReportTable.fixed(e.tau),
         ReportTable.fixed(e.rawTau), e.segment.rawValue, e.status.rawValue]
    }

    private static func estimate(_ e: UpliftEstimate) -> [String: JSONValue] {
        [
            "tau": .number(e.tau), "rawTau": .number(e.rawTau), "muTreated": .number(e.muTreated),
            "muControl": .number(e.muControl), "segment": .string(e.segment.rawValue), "status": .string(e.status.rawValue),
        ]
    }

    private static func counts(_ c: ArmCounts) -> [String: JSONValue] {
        [
            "treated": .number(Double(c.treated)), "treatedConversions": .number(Double(c.treatedConversions)),
            "control": .number(Double(c.control)), "controlConversions": .number(Double(c.controlConversions)),
        ]
    }

    private static func number(_ value: UInt64) -> JSONValue { .number(Double(value)) }

    private static func optional(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }

    private static func interval(_ value: ConfidenceInterval?) -> JSONValue {
        value.map { .array([.number($0.lower), .number($0.upper)]) } ?? .null
    }
}
