import XSellCore

/// What reading customer records needs besides the bytes: the settings, the state's attribute
/// names, and each word's attribute number once it has been looked up.
struct RecordReading {
    let settings: ProjectionSettings
    var names: AttributeNames
    /// Attribute number by word number (`nil`: not looked up yet).
    private var attributeNumbers: [UInt32?]

    init(settings: ProjectionSettings, names: AttributeNames, wordCount: Int) {
        self.settings = settings
        self.names = names
        attributeNumbers = Array(repeating: nil, count: wordCount)
    }

    /// The attribute number of word `n` of `r`'s table.
    mutating func attribute(_ n: Int, _ r: ByteReader) -> UInt32 {
        if let number = attributeNumbers[n] { return number }
        let number = names.number(of: r.words[n])
        attributeNumbers[n] = number
        return number
    }
}

/// Customer records in the snapshot payload. A record: its id; its attributes by name, each
/// with its values by event time (the current values follow from them); contacts; outcomes;
/// de-duplication ids with times; then per offer its exposures, conversions and negatives.
extension SnapshotPayload {
    static func writeRecord(_ w: inout ByteWriter, _ c: CustomerRecord, _ names: AttributeNames, _ settings: ProjectionSettings) {
        w.string(c.customerId)
        var history: [(String, ArraySlice<AttributeHistory.Entry>)] = []
        c.attributes.forEachAttribute { history.append((names[$0], $1)) }
        history.sort { $0.0 < $1.0 }
        w.int(history.count)
        for (name, entries) in history {
            w.word(name)
            w.int(entries.count)
            for entry in entries {
                w.i64(entry.at)
                writeValue(&w, entry.value)
            }
        }
        w.int(c.contacts.count)
        for k in c.contacts {
            w.string(k.eventId)
            w.word(k.offerId)
            w.word(k.channel)
            w.i64(k.at.millisecondsSinceEpoch)
            w.word(k.kind.rawValue)
        }
        w.int(c.outcomes.count)
        for o in c.outcomes {
            w.string(o.eventId)
            w.word(o.offerId)
            w.word(o.channel)
            w.word(o.outcome.rawValue)
            w.i64(o.at.millisecondsSinceEpoch)
        }
        w.int(c.seen.count)
        for id in c.seen.keys.sorted() {
            w.string(id)
            w.i64(c.seen[id]!)
        }
        let offers = c.ledgers.offers
        w.int(offers.count)
        for offer in offers {
            w.word(settings.sortedOfferIds[Int(offer)])
            let exposures = c.ledgers.exposures[c.ledgers.exposureRange(offer)]
            w.int(exposures.count)
            for e in exposures {
                w.string(e.decisionId)
                w.i64(e.at)
                w.bool(e.treated)
                w.word(e.flowKey)
                w.optional(e.x) { writePacked(&$0, $1) }
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

    static func readRecord(_ r: inout ByteReader, _ context: inout RecordReading) throws(SnapshotError) -> CustomerRecord {
        var c = CustomerRecord(customerId: try r.string())
        for _ in 0..<(try r.count()) {
            let name = context.attribute(try r.wordNumber(), r)
            c.attributes.restore(name, try r.array { r throws(SnapshotError) in (at: try r.i64(), value: try readValue(&r)) })
        }
        c.contacts = Timeline(try r.array { r throws(SnapshotError) in
            let (id, offer, channel, at) = (try r.string(), try r.word(), try r.word(), try r.i64())
            guard let kind = Contact.Kind(rawValue: try r.word()) else { throw .malformed("contact kind") }
            return Contact(eventId: id, offerId: offer, channel: channel, at: Timestamp(millisecondsSinceEpoch: at), kind: kind)
        })
        c.outcomes = Timeline(try r.array { r throws(SnapshotError) in
            let (id, offer, channel) = (try r.string(), try r.word(), try r.word())
            guard let outcome = Outcome(rawValue: try r.word()) else { throw .malformed("outcome") }
            return OutcomeRecord(
                eventId: id, offerId: offer, channel: channel, outcome: outcome, at: Timestamp(millisecondsSinceEpoch: try r.i64()))
        })
        let seen = try r.count()
        c.seen.reserveCapacity(seen)
        for _ in 0..<seen { c.seen[try r.string()] = try r.i64() }
        var previous: UInt16?
        for _ in 0..<(try r.count()) {
            let id = try r.word()
            guard let offer = context.settings.offerNumbers[id], previous.map({ $0 < offer }) ?? true else {
                throw .malformed("ledger of \(id) (unknown or out of order)")
            }
            previous = offer
            let exposures = try r.array { r throws(SnapshotError) in
                let (decisionId, at, treated, flowKey) = (try r.string(), try r.i64(), try r.bool(), try r.word())
                let x = try r.optional { r throws(SnapshotError) in try readPacked(&r, context.settings.packing) }
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

    private static func writeValue(_ w: inout ByteWriter, _ v: AttributeValue) {
        switch v {
        case .string(let s): w.u8(0); w.word(s)
        case .integer(let i): w.u8(1); w.i64(i)
        case .decimal(let d): w.u8(2); w.f64(d)
        case .boolean(let b): w.u8(3); w.bool(b)
        case .timestamp(let t): w.u8(4); w.i64(t.millisecondsSinceEpoch)
        case .null: w.u8(5)
        }
    }

    private static func readValue(_ r: inout ByteReader) throws(SnapshotError) -> AttributeValue {
        switch try r.u8() {
        case 0: return .string(try r.word())
        case 1: return .integer(try r.i64())
        case 2: return .decimal(try r.f64())
        case 3: return .boolean(try r.bool())
        case 4: return .timestamp(Timestamp(millisecondsSinceEpoch: try r.i64()))
        case 5: return .null
        case let tag: throw .malformed("attribute tag \(tag)")
        }
    }

    /// A packed feature vector: its form (0 three inline words, 1 more words, 2 raw doubles),
    /// then the words or doubles.
    static func writePacked(_ w: inout ByteWriter, _ p: PackedFeatures) {
        switch p.storage {
        case .small(let a, let b, let c):
            w.u8(0)
            for word in [a, b, c] { w.u64(word) }
        case .large(let words):
            w.u8(1)
            w.int(words.count)
            for word in words { w.u64(word) }
        case .raw(let x):
            w.u8(2)
            w.doubles(x)
        }
    }

    /// A packed vector as written; one that `pack` would not have made is malformed.
    static func readPacked(_ r: inout ByteReader, _ packing: FeaturePacking) throws(SnapshotError) -> PackedFeatures {
        let p: PackedFeatures
        switch try r.u8() {
        case 0: p = PackedFeatures(storage: .small(try r.u64(), try r.u64(), try r.u64()))
        case 1: p = PackedFeatures(storage: .large(try r.array { r throws(SnapshotError) in try r.u64() }))
        case 2: p = PackedFeatures(storage: .raw(try r.doubles()))
        case let form: throw .malformed("feature vector form \(form)")
        }
        guard packing.isConsistent(p) else { throw .malformed("feature vector at byte \(r.offset)") }
        return p
    }
}
