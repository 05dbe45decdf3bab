import Foundation
import Learning
import XSellCore

/// The canonical serialisation of a `ProjectionState` (the snapshot payload, format 5): a table
/// of the words it uses (attribute names, offers, channels, flows, kinds, string values), then
/// the clock, the customers in key order (SnapshotRecords.swift), the learners, the experiment
/// counts, the pending exposures and the request index. Integers are varints, feature vectors
/// stay packed.
enum SnapshotPayload {
    static func write(_ s: ProjectionState) -> [UInt8] {
        var w = ByteWriter()
        w.optional(s.clockMillis) { $0.i64($1) }
        w.optional(s.cutoffMillis) { $0.i64($1) }
        w.int(s.customers.count)
        for id in s.customers.keys.sorted() { writeRecord(&w, s.record(id)!, s.attributeNames, s.settings) }
        w.int(s.learners.count)
        for id in s.learners.keys.sorted() {
            w.word(id)
            writeLearner(&w, s.learners[id]!)
        }
        w.int(s.experiments.count)
        for key in s.experiments.keys.sorted() {
            let c = s.experiments[key]!
            w.word(key.flowKey)
            w.word(key.offerId)
            for v in [c.treated, c.control, c.treatedConversions, c.controlConversions] { w.int(v) }
        }
        let pending = s.pending.elements
        w.int(pending.count)
        for p in pending {
            w.i64(p.windowEnd)
            w.i64(p.at)
            w.string(p.decisionId)
            w.word(p.offerId)
            w.string(p.customerId)
        }
        let requestIds = s.requests.decisions.keys.sorted()
        w.int(requestIds.count)
        for id in requestIds { w.blob(DomainEvent.decision(s.requests.decisions[id]!).binaryEncoded()) }
        return w.withWordTable
    }

    static func read(_ r: inout ByteReader, settings: ProjectionSettings, payloadEnd: Int) throws(SnapshotError)
        -> ProjectionState
    {
        var s = ProjectionState(settings: settings)
        try r.readWordTable()
        s.clockMillis = try r.optional { r throws(SnapshotError) in try r.i64() }
        s.cutoffMillis = try r.optional { r throws(SnapshotError) in try r.i64() }
        var context = RecordReading(settings: settings, names: s.attributeNames, wordCount: r.words.count)
        for _ in 0..<(try r.count()) {
            let record = try readRecord(&r, &context)
            s.customers[record.customerId] = record
        }
        s.attributeNames = context.names
        let learnerCount = try r.count()
        guard learnerCount == s.learners.count else { throw .malformed("\(learnerCount) learners, expected \(s.learners.count)") }
        for _ in 0..<learnerCount {
            let id = try r.word()
            guard s.learners[id] != nil else { throw .malformed("learner for unknown offer \(id)") }
            s.learners[id] = try readLearner(&r, packing: settings.packing)
        }
        for _ in 0..<(try r.count()) {
            let key = ExperimentKey(flowKey: try r.word(), offerId: try r.word())
            s.experiments[key] = ArmCounts(
                treated: try r.int(), control: try r.int(), treatedConversions: try r.int(), controlConversions: try r.int())
        }
        s.pending = PendingQueue(sorted: try r.array { r throws(SnapshotError) in
            PendingExposure(
                windowEnd: try r.i64(), at: try r.i64(), decisionId: try r.string(), offerId: try r.word(),
                customerId: try r.string())
        })
        for _ in 0..<(try r.count()) {
            guard case .decision(let d)? = try? DomainEvent(binary: try r.blob()) else {
                throw .malformed("request index entry")
            }
            s.requests.insert(d, dayStart: nil)
        }
        guard r.offset == payloadEnd else { throw .malformed("trailing bytes after the payload") }
        return s
    }

    // MARK: - Learners

    private static let floatStrategy = (
        encoding: JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
            positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan"),
        decoding: JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(
            positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan"))

    /// A learner as it is (not settled first: writing a snapshot never learns): its model, its
    /// stored examples and its progress (`OfferLearner.Progress`).
    private static func writeLearner(_ w: inout ByteWriter, _ l: OfferLearner) {
        writeModel(&w, l.model)
        writeExamples(&w, Array(l.examples))
        let progress = l.progress
        w.optional(progress.rebuild) { writeModel(&$0, $1) }
        w.int(progress.learned)
        writeExamples(&w, progress.late)
        w.optional(progress.dirtyFrom) {
            $0.i64($1.at)
            $0.string($1.decisionId)
        }
    }

    private static func readLearner(_ r: inout ByteReader, packing: FeaturePacking) throws(SnapshotError) -> OfferLearner {
        let model = try readModel(&r, packing)
        let examples = try readExamples(&r, packing)
        let rebuild = try r.optional { r throws(SnapshotError) in try readModel(&r, packing) }
        let learned = try r.count()
        guard learned <= examples.count else { throw .malformed("\(learned) examples learned of \(examples.count)") }
        let late = try readExamples(&r, packing)
        let dirtyFrom = try r.optional { r throws(SnapshotError) in Example.Key(at: try r.i64(), decisionId: try r.string()) }
        let progress = OfferLearner.Progress(rebuild: rebuild, learned: learned, late: late, dirtyFrom: dirtyFrom)
        return OfferLearner(model: model, packing: packing, sortedExamples: examples, progress: progress)
    }

    private static func writeModel(_ w: inout ByteWriter, _ model: UpliftModel) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = floatStrategy.encoding
        // Numbers, strings and enums only: encoding cannot fail; an empty blob would be rejected on load.
        w.blob(Array((try? encoder.encode(model)) ?? Data()))
    }

    private static func readModel(_ r: inout ByteReader, _ packing: FeaturePacking) throws(SnapshotError) -> UpliftModel {
        let blob = try r.blob()
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = floatStrategy.decoding
        guard let model = try? decoder.decode(UpliftModel.self, from: Data(blob)) else { throw .malformed("uplift model") }
        guard model.inputDimension == packing.dimension else { throw .malformed("model dimension \(model.inputDimension)") }
        return model
    }

    /// Examples in key order.
    private static func writeExamples(_ w: inout ByteWriter, _ examples: [Example]) {
        w.int(examples.count)
        for e in examples {
            w.string(e.decisionId)
            w.i64(e.at)
            writePacked(&w, e.x)
            w.bool(e.treated)
            w.f64(e.y)
        }
    }

    private static func readExamples(_ r: inout ByteReader, _ packing: FeaturePacking) throws(SnapshotError) -> [Example] {
        let examples = try r.array { r throws(SnapshotError) in
            Example(decisionId: try r.string(), at: try r.i64(), x: try readPacked(&r, packing), treated: try r.bool(), y: try r.f64())
        }
        guard zip(examples, examples.dropFirst()).allSatisfy({ $0.key < $1.key }) else { throw .malformed("examples out of order") }
        return examples
    }
}
