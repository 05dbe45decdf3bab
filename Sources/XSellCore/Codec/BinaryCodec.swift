/// Why bytes could not be decoded as a binary ``DomainEvent``.
public struct BinaryDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Byte offset of the problem.
    public var offset: Int
    /// What was wrong.
    public var message: String
    /// Creates an error.
    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }
    /// `"<message> at byte <offset>"`.
    public var description: String { "\(message) at byte \(offset)" }
}

/// Compact binary form of domain events for the event-log payload.
///
/// Layout (format 1): `u8 format=1, u8 kind (1 profile, 2 decision, 3 interaction)`, then
/// `str eventId, str customerId, i64 occurredAt`, then the kind's fields. `str` is a LEB128
/// length plus UTF-8 bytes; `i64`/`f64` are 8 bytes little-endian; counts and small integers are
/// LEB128 (signed ones zig-zag). An attribute is a tag byte (0 null, 1 string, 2 integer,
/// 3 decimal, 4 false, 5 true, 6 timestamp) and its payload. Attribute maps are written in
/// sorted key order so the encoding is deterministic.
extension DomainEvent {
    /// The current binary format byte.
    public static let binaryFormatVersion: UInt8 = 2

    /// Encodes this event in the binary format.
    public func binaryEncoded() -> [UInt8] {
        var w = BinaryWriter()
        w.bytes.reserveCapacity(128)
        w.u8(DomainEvent.binaryFormatVersion)
        switch self {
        case .profile(let e):
            w.u8(1); w.header(e.eventId, e.customerId, e.occurredAt)
            w.attributes(e.attributes)
        case .decision(let e):
            w.u8(2); w.header(e.eventId, e.customerId, e.occurredAt)
            w.str(e.recommendationId); w.str(e.interactionId); w.str(e.decisionFlowKey)
            w.signed(Int64(e.decisionFlowVersion)); w.str(e.channel)
            w.u8(e.arm == .treatment ? 0 : 1)
            w.varint(UInt64(e.candidates.count))
            for c in e.candidates { w.str(c) }
            w.varint(UInt64(e.decisions.count))
            for d in e.decisions {
                w.str(d.offerId); w.signed(Int64(d.rank))
                w.u8((d.score == nil ? 0 : 1) | (d.propensity == nil ? 0 : 2) | (d.tau == nil ? 0 : 4))
                if let s = d.score { w.f64(s) }
                if let p = d.propensity { w.f64(p) }
                if let t = d.tau { w.f64(t) }
            }
            if let f = e.features { w.u8(1); w.attributes(f) } else { w.u8(0) }
            // Format 2: flags of the optional request id and configuration fingerprint, then those present.
            w.u8((e.requestId == nil ? 0 : 1) | (e.configFingerprint == nil ? 0 : 2))
            if let id = e.requestId { w.str(id) }
            if let f = e.configFingerprint { w.str(f) }
        case .interaction(let e):
            w.u8(3); w.header(e.eventId, e.customerId, e.occurredAt)
            w.str(e.offerId)
            w.u8((e.recommendationId == nil ? 0 : 1) | (e.conversionValue == nil ? 0 : 2))
            if let r = e.recommendationId { w.str(r) }
            w.str(e.channel)
            w.u8(BinaryOutcome.code(e.outcome))
            if let v = e.conversionValue { w.f64(v) }
        }
        return w.bytes
    }

    /// Decodes an event from the binary format; the whole buffer must be consumed.
    public init(binary: UnsafeRawBufferPointer) throws(BinaryDecodingError) {
        var r = BinaryReader(binary)
        let format = try r.u8()
        guard format == 1 || format == DomainEvent.binaryFormatVersion else {
            throw BinaryDecodingError(offset: 0, message: "unsupported binary format \(format)")
        }
        let kind = try r.u8()
        let eventId = try r.str(), customerId = try r.str()
        let occurredAt = Timestamp(millisecondsSinceEpoch: try r.i64())
        switch kind {
        case 1:
            self = .profile(ProfileEvent(
                eventId: eventId, customerId: customerId, occurredAt: occurredAt, attributes: try r.attributes()))
        case 2:
            let recommendationId = try r.str(), interactionId = try r.str(), flowKey = try r.str()
            let version = try r.int(), channel = try r.str()
            let armByte = try r.u8()
            guard armByte <= 1 else { throw r.error("invalid arm \(armByte)") }
            let nc = try r.count()
            var candidates: [String] = []
            candidates.reserveCapacity(nc)
            for _ in 0..<nc { candidates.append(try r.str()) }
            let nd = try r.count()
            var decisions: [DecisionEntry] = []
            decisions.reserveCapacity(nd)
            for _ in 0..<nd {
                let offerId = try r.str(), rank = try r.int(), flags = try r.u8()
                decisions.append(DecisionEntry(
                    offerId: offerId, rank: rank, score: flags & 1 != 0 ? try r.f64() : nil,
                    propensity: flags & 2 != 0 ? try r.f64() : nil, tau: flags & 4 != 0 ? try r.f64() : nil))
            }
            let features = try r.u8() != 0 ? try r.attributes() : nil
            var requestId: String?, fingerprint: String?
            if format >= 2 {  // format 1 records have neither field
                let flags = try r.u8()
                guard flags & ~3 == 0 else { throw r.error("invalid decision flags \(flags)") }
                if flags & 1 != 0 { requestId = try r.str() }
                if flags & 2 != 0 { fingerprint = try r.str() }
            }
            self = .decision(DecisionEvent(
                eventId: eventId, occurredAt: occurredAt, customerId: customerId, recommendationId: recommendationId,
                interactionId: interactionId, decisionFlowKey: flowKey, decisionFlowVersion: version, channel: channel,
                arm: armByte == 0 ? .treatment : .control, candidates: candidates, decisions: decisions,
                features: features, requestId: requestId, configFingerprint: fingerprint))
        case 3:
            let offerId = try r.str(), flags = try r.u8()
            let recommendationId = flags & 1 != 0 ? try r.str() : nil
            let channel = try r.str()
            let code = try r.u8()
            guard let outcome = BinaryOutcome.outcome(code) else { throw r.error("invalid outcome \(code)") }
            let value = flags & 2 != 0 ? try r.f64() : nil
            self = .interaction(InteractionEvent(
                eventId: eventId, occurredAt: occurredAt, customerId: customerId, offerId: offerId,
                recommendationId: recommendationId, channel: channel, outcome: outcome, conversionValue: value))
        default:
            throw BinaryDecodingError(offset: 1, message: "unknown event kind \(kind)")
        }
        guard r.position == r.end else { throw r.error("trailing bytes") }
    }

    /// Decodes an event from the binary format.
    public init(binary: [UInt8]) throws(BinaryDecodingError) {
        let r: Result<DomainEvent, BinaryDecodingError> = binary.withUnsafeBytes { buf in
            do throws(BinaryDecodingError) { return .success(try DomainEvent(binary: buf)) } catch {
                return .failure(error)
            }
        }
        self = try r.get()
    }
}

/// Stable outcome codes of the binary format (never reorder).
enum BinaryOutcome {
    static let table: [Outcome] = [
        .impression, .click, .conversion, .notInterested, .optOut, .defer, .dismiss, .share, .save, .complaint,
    ]
    static func code(_ o: Outcome) -> UInt8 { UInt8(table.firstIndex(of: o)!) }
    static func outcome(_ c: UInt8) -> Outcome? { Int(c) < table.count ? table[Int(c)] : nil }
}

struct BinaryWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }

    mutating func varint(_ v: UInt64) {
        var x = v
        while x >= 0x80 { bytes.append(UInt8(truncatingIfNeeded: x) | 0x80); x >>= 7 }
        bytes.append(UInt8(x))
    }

    mutating func signed(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }

    mutating func str(_ s: String) {
        varint(UInt64(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }

    mutating func header(_ eventId: String, _ customerId: String, _ at: Timestamp) {
        str(eventId); str(customerId); i64(at.millisecondsSinceEpoch)
    }

    mutating func attributes(_ a: [String: AttributeValue]) {
        varint(UInt64(a.count))
        for k in a.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            str(k)
            switch a[k]! {
            case .null: u8(0)
            case .string(let s): u8(1); str(s)
            case .integer(let i): u8(2); i64(i)
            case .decimal(let d): u8(3); f64(d)
            case .boolean(let b): u8(b ? 5 : 4)
            case .timestamp(let t): u8(6); i64(t.millisecondsSinceEpoch)
            }
        }
    }
}

struct BinaryReader {
    let base: UnsafeRawPointer?
    var position = 0
    let end: Int

    init(_ buffer: UnsafeRawBufferPointer) {
        base = buffer.baseAddress
        end = buffer.count
    }

    func error(_ message: String) -> BinaryDecodingError { BinaryDecodingError(offset: position, message: message) }

    @inline(__always) mutating func need(_ n: Int) throws(BinaryDecodingError) -> UnsafeRawPointer {
        guard let base, n >= 0, end - position >= n else { throw error("truncated") }
        defer { position += n }
        return base + position
    }

    @inline(__always) mutating func u8() throws(BinaryDecodingError) -> UInt8 {
        try need(1).load(as: UInt8.self)
    }

    @inline(__always) mutating func u64() throws(BinaryDecodingError) -> UInt64 {
        UInt64(littleEndian: try need(8).loadUnaligned(as: UInt64.self))
    }

    @inline(__always) mutating func i64() throws(BinaryDecodingError) -> Int64 { Int64(bitPattern: try u64()) }
    @inline(__always) mutating func f64() throws(BinaryDecodingError) -> Double { Double(bitPattern: try u64()) }

    @inline(__always) mutating func varint() throws(BinaryDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try u8()
            if shift == 63, b > 1 { throw error("varint overflow") }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { throw error("varint overflow") }
        }
    }

    mutating func int() throws(BinaryDecodingError) -> Int {
        let z = try varint()
        return Int(Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1))))
    }

    mutating func count() throws(BinaryDecodingError) -> Int {
        let n = try varint()
        guard n <= UInt64(end - position) else { throw error("count \(n) exceeds remaining bytes") }
        return Int(n)
    }

    @inline(__always) mutating func str() throws(BinaryDecodingError) -> String {
        let n = try count()
        let p = try need(n)
        return String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
    }

    mutating func attributes() throws(BinaryDecodingError) -> [String: AttributeValue] {
        let n = try count()
        var out: [String: AttributeValue] = [:]
        out.reserveCapacity(n)
        for _ in 0..<n {
            let k = try str()
            let tag = try u8()
            switch tag {
            case 0: out[k] = .null
            case 1: out[k] = .string(try str())
            case 2: out[k] = .integer(try i64())
            case 3: out[k] = .decimal(try f64())
            case 4: out[k] = .boolean(false)
            case 5: out[k] = .boolean(true)
            case 6: out[k] = .timestamp(Timestamp(millisecondsSinceEpoch: try i64()))
            default: throw error("invalid attribute tag \(tag)")
            }
        }
        return out
    }
}
