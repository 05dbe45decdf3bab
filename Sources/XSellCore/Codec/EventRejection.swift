/// A stable, machine-readable reason for rejecting a message.
public enum RejectionCode: String, Sendable, Hashable, CaseIterable {
    /// The message exceeds the size limit.
    case tooLarge = "too_large"
    /// The bytes are not a JSON text.
    case invalidJSON = "invalid_json"
    /// The JSON text is not an object.
    case notAnObject = "not_an_object"
    /// A required field is absent or `null`.
    case missingField = "missing_field"
    /// A field has the wrong JSON type.
    case wrongType = "wrong_type"
    /// A timestamp is not RFC 3339.
    case invalidTimestamp = "invalid_timestamp"
    /// An interaction outcome is not one of the ten outcome types.
    case unknownOutcome = "unknown_outcome"
    /// An attribute is not a schema field.
    case unknownAttribute = "unknown_attribute"
    /// An attribute does not have its schema type.
    case attributeType = "attribute_type"
    /// The topic is not one this codec reads.
    case unknownTopic = "unknown_topic"
    /// A field has the right type but an unacceptable value (empty id, rank < 1, …).
    case invalidValue = "invalid_value"
    /// `occurredAt` is further ahead of ingest's wall clock than the allowed clock skew: it
    /// would move the projection's event-time clock into the future for every customer.
    case futureTimestamp = "future_timestamp"
}

/// Why a message was rejected; ``message`` names the field, e.g.
/// `decisions[1].offerId: expected string, got number`.
public struct EventRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stable code.
    public var code: RejectionCode
    /// The precise reason.
    public var message: String

    /// Creates a rejection.
    public init(_ code: RejectionCode, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `"<code>: <message>"`.
    public var description: String { "\(code.rawValue): \(message)" }
}

/// Reads typed fields of a JSON object for the codecs, producing precise rejections.
/// `null` counts as absent.
struct FieldReader {
    let object: [String: JSONValue]
    let path: String

    init(_ object: [String: JSONValue], path: String = "") {
        self.object = object
        self.path = path
    }

    func at(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func value(_ key: String) -> JSONValue? {
        guard let v = object[key], !v.isNull else { return nil }
        return v
    }

    func require(_ key: String) throws(EventRejection) -> JSONValue {
        guard let v = value(key) else { throw EventRejection(.missingField, "\(at(key)): required field is missing") }
        return v
    }

    func wrongType(_ key: String, _ expected: String, _ got: JSONValue) -> EventRejection {
        EventRejection(.wrongType, "\(at(key)): expected \(expected), got \(got.typeName)")
    }

    func string(_ key: String) throws(EventRejection) -> String {
        let v = try require(key)
        guard let s = v.stringValue else { throw wrongType(key, "string", v) }
        return s
    }

    /// Most UTF-8 bytes of an id (event, customer, request, offer ids…): ids key state,
    /// replies and dead letters, so an unbounded one is refused.
    static let maxIdBytes = 512

    /// A required, non-empty string of at most ``maxIdBytes`` (ids).
    func id(_ key: String) throws(EventRejection) -> String {
        let s = try string(key)
        try checkID(key, s)
        return s
    }

    private func checkID(_ key: String, _ s: String) throws(EventRejection) {
        if s.isEmpty { throw EventRejection(.invalidValue, "\(at(key)): must not be empty") }
        let bytes = s.utf8.count
        if bytes > Self.maxIdBytes {
            throw EventRejection(.invalidValue, "\(at(key)): \(bytes) bytes, at most \(Self.maxIdBytes) allowed")
        }
    }

    func optionalString(_ key: String) throws(EventRejection) -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.stringValue else { throw wrongType(key, "string", v) }
        return s
    }

    func optionalID(_ key: String) throws(EventRejection) -> String? {
        guard let s = try optionalString(key) else { return nil }
        try checkID(key, s)
        return s
    }

    func int(_ key: String) throws(EventRejection) -> Int {
        try toInt(key, try require(key))
    }

    func optionalInt(_ key: String) throws(EventRejection) -> Int? {
        guard let v = value(key) else { return nil }
        return try toInt(key, v)
    }

    private func toInt(_ key: String, _ v: JSONValue) throws(EventRejection) -> Int {
        guard case .number(let d) = v else { throw wrongType(key, "integer", v) }
        guard let i = v.int64Value, let n = Int(exactly: i) else {
            throw EventRejection(.wrongType, "\(at(key)): expected integer, got \(d)")
        }
        return n
    }

    func double(_ key: String) throws(EventRejection) -> Double {
        let v = try require(key)
        guard let d = v.doubleValue else { throw wrongType(key, "number", v) }
        return d
    }

    func optionalDouble(_ key: String) throws(EventRejection) -> Double? {
        guard let v = value(key) else { return nil }
        guard let d = v.doubleValue else { throw wrongType(key, "number", v) }
        return d
    }

    func bool(_ key: String) throws(EventRejection) -> Bool {
        let v = try require(key)
        guard let b = v.boolValue else { throw wrongType(key, "boolean", v) }
        return b
    }

    func optionalBool(_ key: String) throws(EventRejection) -> Bool? {
        guard let v = value(key) else { return nil }
        guard let b = v.boolValue else { throw wrongType(key, "boolean", v) }
        return b
    }

    func timestamp(_ key: String) throws(EventRejection) -> Timestamp {
        let s = try string(key)
        guard let t = Timestamp(rfc3339: s) else {
            throw EventRejection(.invalidTimestamp, "\(at(key)): \"\(s)\" is not an RFC 3339 timestamp")
        }
        return t
    }

    func array(_ key: String) throws(EventRejection) -> [JSONValue] {
        let v = try require(key)
        guard let a = v.arrayValue else { throw wrongType(key, "array", v) }
        return a
    }

    func object(_ key: String) throws(EventRejection) -> [String: JSONValue] {
        let v = try require(key)
        guard let o = v.objectValue else { throw wrongType(key, "object", v) }
        return o
    }

    func optionalObject(_ key: String) throws(EventRejection) -> [String: JSONValue]? {
        guard let v = value(key) else { return nil }
        guard let o = v.objectValue else { throw wrongType(key, "object", v) }
        return o
    }

    func stringArray(_ key: String) throws(EventRejection) -> [String] {
        let a = try array(key)
        var out: [String] = []
        out.reserveCapacity(a.count)
        for (i, e) in a.enumerated() {
            guard let s = e.stringValue else {
                throw EventRejection(.wrongType, "\(at(key))[\(i)]: expected string, got \(e.typeName)")
            }
            out.append(s)
        }
        return out
    }

    func element(_ key: String, _ index: Int, _ v: JSONValue) throws(EventRejection) -> FieldReader {
        guard let o = v.objectValue else {
            throw EventRejection(.wrongType, "\(at(key))[\(index)]: expected object, got \(v.typeName)")
        }
        return FieldReader(o, path: "\(at(key))[\(index)]")
    }

    func child(_ key: String) throws(EventRejection) -> FieldReader {
        FieldReader(try object(key), path: at(key))
    }
}

/// Minimal RFC 4648 base64.
enum Base64 {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let n = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)]]
            out += rest == 2 ? [alphabet[Int(n >> 6 & 63)], UInt8(ascii: "=")] : [UInt8(ascii: "="), UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var lookup = [Int16](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { lookup[Int(c)] = Int16(i) }
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < chars.count {
            var n: UInt32 = 0
            var pad = 0
            for k in 0..<4 {
                let c = chars[i + k]
                if c == UInt8(ascii: "="), i + 4 == chars.count, k >= 2 { pad += 1; n <<= 6; continue }
                guard pad == 0, lookup[Int(c)] >= 0 else { return nil }
                n = n << 6 | UInt32(lookup[Int(c)])
            }
            out.append(UInt8(n >> 16 & 0xFF))
            if pad < 2 { out.append(UInt8(n >> 8 & 0xFF)) }
            if pad < 1 { out.append(UInt8(n & 0xFF)) }
            i += 4
        }
        return out
    }
}
