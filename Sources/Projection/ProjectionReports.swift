import Learning
import XSellCore

/// One flow × offer row of `xsell experiment` (guide §6).
public struct ExperimentReportRow: Sendable, Equatable {
    /// The decision flow.
    public var flowKey: String
    /// The offer.
    public var offerId: String
    /// Committed (labelled) exposures and conversions of both arms, over the whole log.
    public var counts: ArmCounts
    /// Rates, uplift, z-test, intervals, incremental conversions and revenue.
    public var statistics: ExperimentStatistics
}

/// One offer of `xsell uplift`.
public struct OfferUpliftReport: Sendable, Equatable {
    /// The offer.
    public var offerId: String
    /// Its category.
    public var category: String
    /// Labelled exposures in the lookback (the serving model's counts).
    public var counts: ArmCounts
    /// μ_T, μ_C and τ averaged over the feature snapshots of the offer's committed exposures in
    /// the lookback, with the segment of the averages; the model's empty-state estimate when
    /// there are none.
    public var average: UpliftEstimate
    /// The estimate for each requested feature row, in order.
    public var rows: [UpliftEstimate]
}

extension ProjectionState {
    /// The holdout experiment report: one row per flow and offer with committed exposures,
    /// sorted by flow key then offer id. Revenue uses the offer's `revenueValue`.
    public func experimentReport() -> [ExperimentReportRow] {
        experiments.keys.sorted().map { key in
            let c = experiments[key]!
            return ExperimentReportRow(
                flowKey: key.flowKey, offerId: key.offerId, counts: c,
                statistics: ExperimentStatistics(
                    treatedConversions: c.treatedConversions, treatedCount: c.treated,
                    controlConversions: c.controlConversions, controlCount: c.control,
                    revenueValue: settings.offers[key.offerId]?.revenueValue ?? 0))
        }
    }

    /// The uplift report of every configured offer (or only `offerId`), sorted by offer id,
    /// with the estimates for `features` rows. Computed on a settled copy of the state.
    public func upliftReport(offerId: String? = nil, features: [[String: AttributeValue]] = []) -> [OfferUpliftReport] {
        var settled = self
        settled.settle()
        let xs = features.map(settings.encoder.encode)
        return settings.sortedOfferIds.filter { offerId == nil || $0 == offerId }.compactMap { id in
            guard let learner = settled.learners[id], let info = settings.offers[id] else { return nil }
            let model = learner.model
            return OfferUpliftReport(
                offerId: id, category: info.category, counts: model.counts,
                average: Self.average(model: model, examples: learner.examples, packing: settings.packing),
                rows: xs.map { model.estimate(x: $0) })
        }
    }

    private static func average(model: UpliftModel, examples: ChunkedArray<Example>, packing: FeaturePacking) -> UpliftEstimate {
        let empty = model.estimate(x: [])
        guard !examples.isEmpty else { return empty }
        var tau = 0.0, raw = 0.0, muT = 0.0, muC = 0.0
        for e in examples {
            let est = model.estimate(x: packing.unpack(e.x))
            tau += est.tau
            raw += est.rawTau
            muT += est.muTreated
            muC += est.muControl
        }
        let n = Double(examples.count)
        var result = empty
        (result.tau, result.rawTau, result.muTreated, result.muControl) = (tau / n, raw / n, muT / n, muC / n)
        if result.status == .ok {
            result.segment = UpliftSegment.classify(tau: result.rawTau, muControl: result.muControl, parameters: model.parameters)
        }
        return result
    }
}

/// The labelling state of one exposure (for `xsell uplift --customer` and diagnostics).
public struct ExposureStatus: Sendable, Equatable {
    /// The decision's `eventId`.
    public var decisionId: String
    /// The offer.
    public var offerId: String
    /// Exposure (decision) time.
    public var at: Timestamp
    /// Treatment or control arm.
    public var treated: Bool
    /// The label by the event-time rule as of the log clock, `nil` while still open.
    public var label: Double?
    /// Whether the example has been committed to the learner (its window has closed).
    public var committed: Bool
}

extension ProjectionState {
    /// The customer's exposures inside the horizon with their current labels, by offer id then
    /// exposure time.
    public func exposures(customerId: String) -> [ExposureStatus] {
        guard let record = record(customerId), let clock = clockMillis else { return [] }
        return record.ledgers.offers.flatMap { offer in
            let labels = record.ledgers.labels(offer, windowMillis: settings.windowMillis, clockMillis: clock)
            return record.ledgers.exposures[record.ledgers.exposureRange(offer)].enumerated().map { i, e in
                ExposureStatus(
                    decisionId: e.decisionId, offerId: settings.sortedOfferIds[Int(offer)], at: Timestamp(millisecondsSinceEpoch: e.at),
                    treated: e.treated, label: e.committed ?? labels[i], committed: e.committed != nil)
            }
        }
    }
}
