/// Why a byte sequence is not a JSON text.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The byte offset where parsing failed.
    public var offset: Int
    /// What was wrong there.
    public var message: String

    /// Creates an error at `offset`.
    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    /// `"<message> at byte <offset>"`.
    public var description: String { "\(message) at byte \(offset)" }
}

extension JSONValue {
    /// The deepest nesting of arrays and objects the parser accepts.
    public static let maximumDepth = 512

    /// Parses one JSON text (RFC 8259): surrounding whitespace allowed, nothing else after it.
    /// Strings must be valid UTF-8; lone surrogate escapes are rejected.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw JSONParseError(offset: 0, message: "empty input")
        }
        var p = JSONParser(base: base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        p.skipWhitespace()
        let v = try p.parseValue(depth: 0)
        p.skipWhitespace()
        if p.i != p.count { throw p.error("unexpected data after JSON value") }
        return v
    }

    /// Parses one JSON text from bytes (see ``parse(_:)-(UnsafeRawBufferPointer)``).
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        let r: Result<JSONValue, JSONParseError> = bytes.withUnsafeBytes { buf in
            do throws(JSONParseError) { return .success(try parse(buf)) } catch { return .failure(error) }
        }
        return try r.get()
    }

    /// Parses one JSON text from a string.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

private let powersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

struct JSONParser {
    let base: UnsafePointer<UInt8>
    let count: Int
    var i = 0

    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    func error(_ message: String) -> JSONParseError { JSONParseError(offset: i, message: message) }

    @inline(__always) mutating func skipWhitespace() {
        while i < count {
            let c = base[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { return }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard i < count else { throw error("unexpected end of input") }
        switch base[i] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character")
        }
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        guard count - i >= n else { throw error("invalid literal") }
        let w = word.utf8Start
        for k in 0..<n where base[i + k] != w[k] { throw error("invalid literal") }
        i += n
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > JSONValue.maximumDepth { throw error("nesting too deep") }
        i += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if i < count, base[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard i < count, base[i] == UInt8(ascii: "\"") else { throw error("expected string key") }
            let keyOffset = i
            let key = try parseString()
            skipWhitespace()
            guard i < count, base[i] == UInt8(ascii: ":") else { throw error("expected ':'") }
            i += 1
            skipWhitespace()
            // RFC 8259 leaves duplicate names to the reader; taking the last would let a
            // message say two things at once (one to a validating proxy, another to us).
            if members.updateValue(try parseValue(depth: depth), forKey: key) != nil {
                throw JSONParseError(offset: keyOffset, message: "duplicate key \"\(key)\"")
            }
            skipWhitespace()
            guard i < count else { throw error("unexpected end of input in object") }
            if base[i] == UInt8(ascii: ",") { i += 1; continue }
            if base[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            throw error("expected ',' or '}'")
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > JSONValue.maximumDepth { throw error("nesting too deep") }
        i += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if i < count, base[i] == UInt8(ascii: "]") { i += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard i < count else { throw error("unexpected end of input in array") }
            if base[i] == UInt8(ascii: ",") { i += 1; continue }
            if base[i] == UInt8(ascii: "]") { i += 1; return .array(elements) }
            throw error("expected ',' or ']'")
        }
    }

    mutating func parseString() throws(JSONParseError) -> String {
        i += 1 // opening quote
        let start = i
        var high: UInt8 = 0
        while i < count {
            let c = base[i]
            if c == UInt8(ascii: "\"") {
                let buf = UnsafeBufferPointer(start: base + start, count: i - start)
                i += 1
                if high < 0x80 { return String(decoding: buf, as: UTF8.self) }
                guard let s = String(validating: buf, as: UTF8.self) else {
                    i = start
                    throw error("invalid UTF-8 in string")
                }
                return s
            }
            if c == UInt8(ascii: "\\") { return try parseEscapedString(start: start) }
            if c < 0x20 { throw error("unescaped control character in string") }
            high |= c
            i += 1
        }
        throw error("unterminated string")
    }

    mutating func parseEscapedString(start: Int) throws(JSONParseError) -> String {
        var bytes = [UInt8](UnsafeBufferPointer(start: base + start, count: i - start))
        while i < count {
            let c = base[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                guard let s = String(validating: bytes, as: UTF8.self) else {
                    throw error("invalid UTF-8 in string")
                }
                return s
            }
            if c < 0x20 { throw error("unescaped control character in string") }
            if c != UInt8(ascii: "\\") { bytes.append(c); i += 1; continue }
            i += 1
            guard i < count else { break }
            let e = base[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(e)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800, scalar < 0xDC00 {
                    guard count - i >= 2, base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate escape")
                    }
                    i += 2
                    let low = try hex4()
                    guard low >= 0xDC00, low < 0xE000 else { throw error("unpaired surrogate escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00, scalar < 0xE000 {
                    throw error("unpaired surrogate escape")
                }
                bytes.append(contentsOf: Unicode.UTF8.encode(Unicode.Scalar(scalar)!)!)
            default:
                i -= 1
                throw error("invalid escape")
            }
        }
        throw error("unterminated string")
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard count - i >= 4 else { throw error("invalid \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = base[i]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape")
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    @inline(__always) func isDigit(_ k: Int) -> Bool {
        k < count && base[k] >= UInt8(ascii: "0") && base[k] <= UInt8(ascii: "9")
    }

    mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = i
        var negative = false
        if base[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        guard isDigit(i) else { throw error("invalid number") }
        var mantissa: UInt64 = 0
        var digits = 0
        if base[i] == UInt8(ascii: "0") {
            i += 1
            if isDigit(i) { throw error("leading zero in number") }
        } else {
            while isDigit(i) {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(base[i] - UInt8(ascii: "0")) }
                digits += 1
                i += 1
            }
        }
        var fractionDigits = 0
        if i < count, base[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { throw error("invalid number: digit expected after '.'") }
            while isDigit(i) {
                if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(base[i] - UInt8(ascii: "0")) }
                if digits > 0 || base[i] != UInt8(ascii: "0") { digits += 1 }
                fractionDigits += 1
                i += 1
            }
        }
        var exponent = 0
        if i < count, base[i] == UInt8(ascii: "e") || base[i] == UInt8(ascii: "E") {
            i += 1
            var expNegative = false
            if i < count, base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-") {
                expNegative = base[i] == UInt8(ascii: "-")
                i += 1
            }
            guard isDigit(i) else { throw error("invalid number: digit expected in exponent") }
            while isDigit(i) {
                if exponent < 100_000 { exponent = exponent * 10 + Int(base[i] - UInt8(ascii: "0")) }
                i += 1
            }
            if expNegative { exponent = -exponent }
        }
        // Clinger's fast path: exact mantissa and exact power of ten give a correctly rounded result.
        let scale = exponent - fractionDigits
        if digits <= 15, scale >= -22, scale <= 22 {
            var v = Double(mantissa)
            v = scale < 0 ? v / powersOfTen[-scale] : v * powersOfTen[scale]
            return negative ? -v : v
        }
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: i - start), as: UTF8.self)
        guard let v = Double(text), v.isFinite else {
            throw JSONParseError(offset: start, message: "number out of range")
        }
        return v
    }
}
