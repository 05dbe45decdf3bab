/// The value of a customer attribute, typed by the schema.
public enum AttributeValue: Sendable, Hashable {
    /// A `varchar` value.
    case string(String)
    /// An `integer` value.
    case integer(Int64)
    /// A `decimal` value.
    case decimal(Double)
    /// A `boolean` value.
    case boolean(Bool)
    /// A `timestamp` value.
    case timestamp(Timestamp)
    /// Explicitly no value (a JSON `null`): in a profile event it clears the attribute.
    case null

    /// The JSON form: strings and timestamps (RFC 3339) as strings, numbers, booleans, `null`.
    public var jsonValue: JSONValue {
        switch self {
        case .string(let s): .string(s)
        case .integer(let i): .number(Double(i))
        case .decimal(let d): .number(d)
        case .boolean(let b): .bool(b)
        case .timestamp(let t): .string(t.rfc3339)
        case .null: .null
        }
    }

    /// A numeric view: integers and decimals as `Double`, otherwise `nil`.
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .decimal(let d): d
        default: nil
        }
    }

    /// The schema type this value has, or `nil` for `.null`.
    public var fieldType: FieldType? {
        switch self {
        case .string: .varchar
        case .integer: .integer
        case .decimal: .decimal
        case .boolean: .boolean
        case .timestamp: .timestamp
        case .null: nil
        }
    }

    /// Infers a value from JSON when no schema says otherwise: integral numbers become
    /// `.integer`, other numbers `.decimal`, strings stay strings. Arrays and objects give `nil`.
    public init?(inferringFrom json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .boolean(b)
        case .string(let s): self = .string(s)
        case .number(let d):
            if let i = json.int64Value { self = .integer(i) } else { self = .decimal(d) }
        case .array, .object: return nil
        }
    }

    /// Converts JSON to a value of schema type `type`: integers accept integral numbers,
    /// decimals any number, timestamps RFC 3339 strings; `null` is always accepted.
    /// Returns `nil` when the JSON does not fit the type.
    public init?(json: JSONValue, as type: FieldType) {
        switch (type, json) {
        case (_, .null): self = .null
        case (.varchar, .string(let s)): self = .string(s)
        case (.integer, .number): guard let i = json.int64Value else { return nil }; self = .integer(i)
        case (.decimal, .number(let d)): self = .decimal(d)
        case (.boolean, .bool(let b)): self = .boolean(b)
        case (.timestamp, .string(let s)):
            guard let t = Timestamp(rfc3339: s) else { return nil }
            self = .timestamp(t)
        default: return nil
        }
    }
}

/// A schema field type.
public enum FieldType: String, Sendable, Hashable, CaseIterable {
    /// Text.
    case varchar
    /// A 64-bit integer.
    case integer
    /// A floating-point number.
    case decimal
    /// `true` / `false`.
    case boolean
    /// An RFC 3339 instant.
    case timestamp
}
