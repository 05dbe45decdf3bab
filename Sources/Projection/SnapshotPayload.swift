import Foundation
import Learning
import XSellCore

/// The canonical serialisation of a `ProjectionState` (the snapshot payload).
enum SnapshotPayload {
    static func write(_ s: ProjectionState) -> [UInt8] {
        var w = ByteWriter()
        w.optional(s.clockMillis) { $0.i64($1) }
        w.optional(s.cutoffMillis) { $0.i64($1) }
        w.int(s.customers.count)
        for id in s.customers.keys.sorted() { writeRecord(&w, s.record(id)!, s.attributeNames, s.settings) }
        w.int(s.learners.count)
        for id in s.learners.keys.sorted() {
            w.string(id)
            writeLearner(&w, s.learners[id]!, s.settings.packing)
        }
        w.int(s.experiments.count)
        for key in s.experiments.keys.sorted() {
            let c = s.experiments[key]!
            w.string(key.flowKey)
            w.string(key.offerId)
            for v in [c.treated, c.control, c.treatedConversions, c.controlConversions] { w.int(v) }
        }
        let pending = s.pending.elements
        w.int(pending.count)
        for p in pending {
            w.i64(p.windowEnd)
            w.i64(p.at)
            w.string(p.decisionId)
            w.string(p.offerId)
            w.string(p.customerId)
        }
        let requestIds = s.requests.decisions.keys.sorted()
        w.int(requestIds.count)
        for id in requestIds { w.blob(DomainEvent.decision(s.requests.decisions[id]!).binaryEncoded()) }
        return w.bytes
    }

    static func read(_ r: inout ByteReader, settings: ProjectionSettings, payloadEnd: Int) throws(SnapshotError)
        -> ProjectionState
    {
        var s = ProjectionState(settings: settings)
        s.clockMillis = try r.optional { r throws(SnapshotError) in try r.i64() }
        s.cutoffMillis = try r.optional { r throws(SnapshotError) in try r.i64() }
        for record in try r.array({ r throws(SnapshotError) in try readRecord(&r, &s.attributeNames, settings) }) {
            s.customers[record.customerId] = record
        }
        let learnerCount = try r.count()
        guard learnerCount == s.learners.count else { throw .malformed("\(learnerCount) learners, expected \(s.learners.count)") }
        for _ in 0..<learnerCount {
            let id = try r.string()
            guard s.learners[id] != nil else { throw .malformed("learner for unknown offer \(id)") }
            s.learners[id] = try readLearner(&r, packing: settings.packing)
        }
        for _ in 0..<(try r.count()) {
            let key = ExperimentKey(flowKey: try r.string(), offerId: try r.string())
            s.experiments[key] = ArmCounts(
                treated: try r.int(), control: try r.int(), treatedConversions: try r.int(), controlConversions: try r.int())
        }
        s.pending = PendingQueue(sorted: try r.array { r throws(SnapshotError) in
            PendingExposure(
                windowEnd: try r.i64(), at: try r.i64(), decisionId: try r.string(), offerId: settings.canonical(offerId: try r.string()),
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

    // MARK: - Customers

    private static func writeRecord(_ w: inout ByteWriter, _ c: CustomerRecord, _ names: AttributeNames, _ settings: ProjectionSettings) {
        w.string(c.customerId)
        let current = c.attributes.current(names)
        w.int(current.count)
        for name in current.keys.sorted() {
            w.string(name)
            writeValue(&w, current[name]!)
        }
        var history: [(String, ArraySlice<AttributeHistory.Entry>)] = []
        c.attributes.forEachAttribute { history.append((names[$0], $1)) }
        history.sort { $0.0 < $1.0 }
        w.int(history.count)
        for (name, entries) in history {
            w.string(name)
            w.int(entries.count)
            for entry in entries {
                w.i64(entry.at)
                writeValue(&w, entry.value)
            }
        }
        w.int(c.contacts.count)
        for k in c.contacts {
            w.string(k.eventId)
            w.string(k.offerId)
            w.string(k.channel)
            w.i64(k.at.millisecondsSinceEpoch)
            w.string(k.kind.rawValue)
        }
        w.int(c.outcomes.count)
        for o in c.outcomes {
            w.string(o.eventId)
            w.string(o.offerId)
            w.string(o.channel)
            w.string(o.outcome.rawValue)
            w.i64(o.at.millisecondsSinceEpoch)
        }
        writeTimes(&w, c.seen)
        let offers = c.ledgers.offers
        w.int(offers.count)
        for offer in offers {
            w.string(settings.sortedOfferIds[Int(offer)])
            let exposures = c.ledgers.exposures[c.ledgers.exposureRange(offer)]
            w.int(exposures.count)
            for e in exposures {
                w.string(e.decisionId)
                w.i64(e.at)
                w.bool(e.treated)
                w.string(e.flowKey)
                w.optional(e.x) { $0.doubles(settings.packing.unpack($1)) }
                w.bool(e.hasSnapshot)
                w.optional(e.committed) { $0.f64($1) }
            }
            for marks in [c.ledgers.marks(offer, .conversion), c.ledgers.marks(offer, .negative)] {
                w.int(marks.count)
                for m in marks {
                    w.string(m.eventId)
                    w.i64(m.at)
                }
            }
        }
    }

    /// A record; its current attributes are derived from the histories (the snapshot's copy of
    /// them is read past, and must agree).
    private static func readRecord(_ r: inout ByteReader, _ names: inout AttributeNames, _ settings: ProjectionSettings) throws(SnapshotError) -> CustomerRecord {
        var c = CustomerRecord(customerId: try r.string())
        var current: [String: AttributeValue] = [:]
        for _ in 0..<(try r.count()) { current[try r.string()] = try readValue(&r) }
        for _ in 0..<(try r.count()) {
            let name = names.number(of: try r.string())
            c.attributes.restore(name, try r.array { r throws(SnapshotError) in (at: try r.i64(), value: try readValue(&r)) })
        }
        guard c.attributes.current(names) == current else { throw .malformed("current attributes of \(c.customerId)") }
        c.contacts = Timeline(try r.array { r throws(SnapshotError) in
            let (id, offer, channel, at) = (try r.string(), try r.string(), try r.string(), try r.i64())
            guard let kind = Contact.Kind(rawValue: try r.string()) else { throw .malformed("contact kind") }
            return Contact(eventId: id, offerId: settings.canonical(offerId: offer), channel: channel, at: Timestamp(millisecondsSinceEpoch: at), kind: kind)
        })
        c.outcomes = Timeline(try r.array { r throws(SnapshotError) in
            let (id, offer, channel) = (try r.string(), try r.string(), try r.string())
            guard let outcome = Outcome(rawValue: try r.string()) else { throw .malformed("outcome") }
            return OutcomeRecord(
                eventId: id, offerId: settings.canonical(offerId: offer), channel: channel, outcome: outcome,
                at: Timestamp(millisecondsSinceEpoch: try r.i64()))
        })
        c.seen = try readTimes(&r)
        var previous: UInt16?
        for _ in 0..<(try r.count()) {
            let id = try r.string()
            guard let offer = settings.offerNumbers[id], previous.map({ $0 < offer }) ?? true else {
                throw .malformed("ledger of \(id) (unknown or out of order)")
            }
            previous = offer
            let exposures = try r.array { r throws(SnapshotError) in
                let (decisionId, at, treated, flowKey) = (try r.string(), try r.i64(), try r.bool(), try r.string())
                let x = try r.optional { r throws(SnapshotError) in settings.packing.pack(try r.doubles()) }
                return Exposure(
                    decisionId: decisionId, at: at, offer: offer, treated: treated, hasSnapshot: try r.bool(), flowKey: flowKey,
                    x: x, committed: try r.optional { r throws(SnapshotError) in try r.f64() })
            }
            var marks: [Mark] = []
            for kind in [Mark.Kind.conversion, .negative] {
                marks += try r.array { r throws(SnapshotError) in Mark(eventId: try r.string(), at: try r.i64(), offer: offer, kind: kind) }
            }
            c.ledgers.restore(exposures: exposures, marks: marks)
        }
        return c
    }

    private static func writeTimes(_ w: inout ByteWriter, _ times: [String: Int64]) {
        w.int(times.count)
        for key in times.keys.sorted() {
            w.string(key)
            w.i64(times[key]!)
        }
    }

    private static func readTimes(_ r: inout ByteReader) throws(SnapshotError) -> [String: Int64] {
        var times: [String: Int64] = [:]
        for _ in 0..<(try r.count()) { times[try r.string()] = try r.i64() }
        return times
    }

    private static func writeValue(_ w: inout ByteWriter, _ v: AttributeValue) {
        switch v {
        case .string(let s): w.u8(0); w.string(s)
        case .integer(let i): w.u8(1); w.i64(i)
        case .decimal(let d): w.u8(2); w.f64(d)
        case .boolean(let b): w.u8(3); w.bool(b)
        case .timestamp(let t): w.u8(4); w.i64(t.millisecondsSinceEpoch)
        case .null: w.u8(5)
        }
    }

    private static func readValue(_ r: inout ByteReader) throws(SnapshotError) -> AttributeValue {
        switch try r.u8() {
        case 0: return .string(try r.string())
        case 1: return .integer(try r.i64())
        case 2: return .decimal(try r.f64())
        case 3: return .boolean(try r.bool())
        case 4: return .timestamp(Timestamp(millisecondsSinceEpoch: try r.i64()))
        case 5: return .null
        case let tag: throw .malformed("attribute tag \(tag)")
        }
    }

    // MARK: - Learners

    private static let floatStrategy = (
        encoding: JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
            positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan"),
        decoding: JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(
            positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan"))

    private static func writeLearner(_ w: inout ByteWriter, _ l: OfferLearner, _ packing: FeaturePacking) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = floatStrategy.encoding
        // Numbers, strings and enums only: encoding cannot fail; an empty blob would be rejected on load.
        w.blob(Array((try? encoder.encode(l.model)) ?? Data()))
        let examples = l.allExamples
        w.int(examples.count)
        for e in examples {
            w.string(e.decisionId)
            w.i64(e.at)
            w.doubles(packing.unpack(e.x))
            w.bool(e.treated)
            w.f64(e.y)
        }
    }

    private static func readLearner(_ r: inout ByteReader, packing: FeaturePacking) throws(SnapshotError) -> OfferLearner {
        let blob = try r.blob()
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = floatStrategy.decoding
        guard let model = try? decoder.decode(UpliftModel.self, from: Data(blob)) else { throw .malformed("uplift model") }
        guard model.inputDimension == packing.dimension else { throw .malformed("model dimension \(model.inputDimension)") }
        let examples = try r.array { r throws(SnapshotError) in
            Example(decisionId: try r.string(), at: try r.i64(), x: packing.pack(try r.doubles()), treated: try r.bool(), y: try r.f64())
        }
        guard zip(examples, examples.dropFirst()).allSatisfy({ $0.key < $1.key }) else { throw .malformed("examples out of order") }
        return OfferLearner(model: model, packing: packing, sortedExamples: examples)
    }
}

extension ByteReader {
    mutating func int() throws(SnapshotError) -> Int { Int(try i64()) }
}
