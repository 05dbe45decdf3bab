/// The customer schema: the attributes a profile may carry and their types.
public struct CustomerSchema: Sendable, Hashable {
    /// One schema field.
    public struct Field: Sendable, Hashable {
        /// The attribute name, e.g. `hasCreditCard`.
        public var name: String
        /// The value type.
        public var type: FieldType
        /// Whether this is the customer's unique key (exactly one field is).
        public var isUnique: Bool

        /// Creates a field.
        public init(name: String, type: FieldType, isUnique: Bool = false) {
            self.name = name
            self.type = type
            self.isUnique = isUnique
        }
    }

    /// The schema's name (e.g. `customer`).
    public var name: String
    /// The fields, in declaration order.
    public var fields: [Field]
    private var index: [String: Int]

    /// Creates a schema. Field names are expected to be unique (the config loader checks it);
    /// a repeated name resolves to its first declaration.
    public init(name: String = "customer", fields: [Field]) {
        self.name = name
        self.fields = fields
        var index: [String: Int] = [:]
        for (i, f) in fields.enumerated() where index[f.name] == nil { index[f.name] = i }
        self.index = index
    }

    /// The field called `name`, if declared.
    public func field(named name: String) -> Field? {
        index[name].map { fields[$0] }
    }

    /// The unique key field, if exactly one is declared.
    public var uniqueField: Field? {
        let u = fields.filter(\.isUnique)
        return u.count == 1 ? u[0] : nil
    }
}
