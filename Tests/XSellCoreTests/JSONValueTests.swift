import Testing
@testable import XSellCore

@Suite struct JSONValueTests {
    @Test(arguments: [
        ("null", JSONValue.null),
        ("true", .bool(true)),
        (" false ", .bool(false)),
        ("0", .number(0)),
        ("-12", .number(-12)),
        ("3.25", .number(3.25)),
        ("1e3", .number(1000)),
        ("-1.5E-2", .number(-0.015)),
        ("0.1", .number(0.1)),
        ("123456789012345678901234567890", .number(123456789012345678901234567890.0)),
        ("1.7976931348623157e308", .number(1.7976931348623157e308)),
        ("\"a\\\"b\\\\c\\/d\"", .string("a\"b\\c/d")),
        ("\"\\b\\f\\n\\r\\t\"", .string("\u{8}\u{c}\n\r\t")),
        ("\"\\u00e9\\u20AC\"", .string("é€")),
        ("\"\\ud83d\\ude00\"", .string("😀")),
        ("\"héllo 😀\"", .string("héllo 😀")),
        ("[]", .array([])),
        ("[1, \"x\", [null]]", .array([1, "x", [nil]])),
        ("{}", .object([:])),
        ("{\"a\": {\"b\": [true]}, \"c\": 1}", JSONValue.object(["a": .object(["b": [true]]), "c": 1])),
        ("{\"a\": {\"x\": 1}, \"b\": {\"x\": 2}}", JSONValue.object(["a": ["x": 1], "b": ["x": 2]])),
    ])
    func parses(text: String, expected: JSONValue) throws {
        #expect(try JSONValue.parse(text) == expected)
    }

    @Test(arguments: [
        "", " ", "nul", "tru", "01", "-", "1.", ".5", "1e", "+1", "0x10", "NaN", "Infinity", "1e400",
        "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"a\u{1}b\"",
        "[1,]", "[1 2]", "{\"a\" 1}", "{\"a\":1,}", "{a:1}", "{\"a\":1} x", "[", "{", "'a'",
    ])
    func rejects(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    /// Issue 9: a duplicate key used to take the last value silently.
    @Test(arguments: [
        ("{\"a\": 1, \"a\": 2}", "a", 9),
        ("{\"outcome\":\"click\",\"x\":{},\"outcome\":\"opt_out\"}", "outcome", 26),
        ("[{\"k\": {\"k\": 1, \"k\": 1}}]", "k", 16),
    ])
    func rejectsDuplicateKeys(text: String, key: String, offset: Int) {
        #expect(throws: JSONParseError(offset: offset, message: "duplicate key \"\(key)\"")) { try JSONValue.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func rejectsDeepNesting() {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try JSONValue.parse(ok) }
    }

    @Test(arguments: [
        (JSONValue.number(1), "1"),
        (.number(-0.0), "0"),
        (.number(40), "40"),
        (.number(0.1), "0.1"),
        (.number(1.5e300), "1.5e+300"),
        (.number(0.79), "0.79"),
        (.number(9_007_199_254_740_992), "9007199254740992"),
        (.number(1e19), "1e+19"),
        (.number(.nan), "null"),
        (.string("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\u0001é\""),
        (JSONValue.object(["b": 1, "a": [true, nil], "B": "x"]), "{\"B\":\"x\",\"a\":[true,null],\"b\":1}"),
    ])
    func serializes(value: JSONValue, expected: String) {
        #expect(value.description == expected)
    }

    @Test func roundTripsNumbersExactly() throws {
        for d in [0.1, 1.0 / 3.0, 123.456, -2.5e-8, 6.02214076e23, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude] {
            #expect(try JSONValue.parse(JSONValue.number(d).description) == .number(d))
        }
    }

    @Test func serializationIsDeterministic() throws {
        let a = try JSONValue.parse(#"{"z":1,"y":{"b":2,"a":[1,2.5,"s"]},"x":null}"#)
        let b = try JSONValue.parse(#"{"x":null,"y":{"a":[1,2.5,"s"],"b":2},"z":1}"#)
        #expect(a.serialized() == b.serialized())
        #expect(try JSONValue.parse(a.serialized()) == a)
    }
}
