import Foundation
import Learning
import XSellCore

/// Turns a customer's attributes into the fixed-length vector `x` the learners see, derived
/// from the configured schema (see docs/adr/0003-projection.md):
///
/// * the unique key and `timestamp` fields are excluded;
/// * `integer`/`decimal` → one slot, `sign(v)·log1p(|v|)/10` (balances of 10⁵ land near 1);
/// * `boolean` → one slot, 1 or 0;
/// * `varchar` → `varcharBuckets` one-hot slots chosen by FNV-1a 64 of the value, so the
///   dimension is fixed and no vocabulary has to be learned;
/// * a missing, `null` or wrongly typed value leaves its slots at 0.
public struct FeatureEncoder: Sendable, Equatable, Hashable {
    /// One encoded schema field and where its slots start.
    public struct Slot: Sendable, Equatable, Hashable {
        /// The schema field.
        public var field: String
        /// Its type.
        public var type: FieldType
        /// Index of its first slot in `x`.
        public var offset: Int
    }

    /// Buckets of each hashed `varchar` field.
    public let varcharBuckets: Int
    /// The encoded fields in schema order.
    public let slots: [Slot]
    /// Length of `x`.
    public let dimension: Int

    /// The encoder for `schema`.
    public init(schema: CustomerSchema, varcharBuckets: Int = 16) {
        precondition(varcharBuckets > 0, "varcharBuckets must be positive")
        self.varcharBuckets = varcharBuckets
        var slots: [Slot] = []
        var offset = 0
        for field in schema.fields where !field.isUnique {
            let width: Int
            switch field.type {
            case .integer, .decimal, .boolean: width = 1
            case .varchar: width = varcharBuckets
            case .timestamp: width = 0
            }
            guard width > 0 else { continue }
            slots.append(Slot(field: field.name, type: field.type, offset: offset))
            offset += width
        }
        self.slots = slots
        self.dimension = offset
    }

    /// What each coordinate of `x` is, for the learners' basis expansion.
    public var layout: InputLayout {
        InputLayout(
            numeric: slots.filter { $0.type == .integer || $0.type == .decimal }.map(\.offset),
            flags: slots.filter { $0.type == .boolean }.map(\.offset),
            categories: slots.filter { $0.type == .varchar }.map { $0.offset..<($0.offset + varcharBuckets) })
    }

    /// `x` for `attributes`.
    public func encode(_ attributes: [String: AttributeValue]) -> [Double] {
        encode { attributes[$0] }
    }

    /// `x` for the attributes `value(name)` gives (`nil`: not set).
    func encode(_ value: (String) -> AttributeValue?) -> [Double] {
        var x = [Double](repeating: 0, count: dimension)
        for slot in slots {
            guard let value = value(slot.field) else { continue }
            switch (slot.type, value) {
            case (.integer, _), (.decimal, _):
                if let v = value.doubleValue, v.isFinite { x[slot.offset] = Self.scaled(v) }
            case (.boolean, .boolean(let b)):
                x[slot.offset] = b ? 1 : 0
            case (.varchar, .string(let s)):
                x[slot.offset + Self.bucket(s, of: varcharBuckets)] = 1
            default:
                continue
            }
        }
        return x
    }

    /// `sign(v)·log1p(|v|)/10`.
    static func scaled(_ v: Double) -> Double {
        let magnitude = log1p(abs(v)) / 10
        return v < 0 ? -magnitude : magnitude
    }

    /// The one-hot bucket of a `varchar` value.
    static func bucket(_ value: String, of buckets: Int) -> Int {
        Int(FNV1a64.hash(value.utf8) % UInt64(buckets))
    }
}
