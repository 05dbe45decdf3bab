extension XSellConfig {
    /// Validates a parsed configuration document (the tree that `ConfigLoading`'s YAML loader
    /// produces, or any ``JSONValue``); `file` names it in errors. Every problem is reported
    /// with its path, e.g. `flows[0].nodes[4].formula: weights sum to 0.95, must be 1.0`.
    public static func validated(document root: JSONValue, file: String) throws(ConfigError) -> XSellConfig {
        var d = ConfigDecoder()
        if var config = d.decodeConfig(root), d.problems.isEmpty {
            config.source = ConfigSource(document: root)
            return config
        }
        throw ConfigError(file: file, problems: d.problems)
    }
}

extension ConfigDecoder {
    static let topKeys: Set<String> = [
        "schema", "offers", "qualificationRules", "channels", "contactPolicies", "flows", "learning",
    ]

    mutating func decodeConfig(_ root: JSONValue) -> XSellConfig? {
        guard root.objectValue != nil else {
            add("", "expected a mapping at the top level, got \(root.typeName)")
            return nil
        }
        guard let top = object(root, at: "", allowed: Self.topKeys) else { return nil }
        let schema = decodeSchema(top)
        let channels = decodeList(top, "channels", required: true) { d, v, p in d.decodeChannel(v, at: p) }
        checkUnique(channels.map { ($0.0 + ".name", $0.1.name) }, what: "channel")
        // References are checked against every declared name, even of entries with other problems,
        // so that one mistake does not cascade into "unknown ..." reports elsewhere.
        let channelNames = declaredNames(top, "channels", key: "name")
        let offers = decodeList(top, "offers", required: true) { d, v, p in
            d.decodeOffer(v, at: p, schema: schema, channels: channelNames)
        }
        checkUnique(offers.map { ($0.0 + ".id", $0.1.id) }, what: "offer id")
        let offerIds = declaredNames(top, "offers", key: "id")
        let rules = decodeList(top, "qualificationRules", required: false) { d, v, p in
            d.decodeRule(v, at: p, schema: schema, offers: offerIds)
        }
        checkUnique(rules.map { ($0.0 + ".name", $0.1.name) }, what: "rule name")
        let policies = decodeList(top, "contactPolicies", required: false) { d, v, p in
            d.decodePolicy(v, at: p, offers: offerIds, channels: channelNames)
        }
        checkUnique(policies.map { ($0.0 + ".name", $0.1.name) }, what: "policy name")
        let flows = decodeList(top, "flows", required: true) { d, v, p in d.decodeFlow(v, at: p, channels: channelNames) }
        checkUnique(flows.map { ($0.0 + ".key", $0.1.key) }, what: "flow key")
        let learning = decodeLearning(top)
        guard let schema, let learning else { return nil }
        return XSellConfig(
            schema: schema, offers: offers.map(\.1), qualificationRules: rules.map(\.1), channels: channels.map(\.1),
            contactPolicies: policies.map(\.1), flows: flows.map(\.1), learning: learning)
    }

    /// The string values of `key` in the elements of the list `list`.
    func declaredNames(_ o: ConfigObject, _ list: String, key: String) -> Set<String> {
        Set((o.members[list]?.arrayValue ?? []).compactMap { $0[key]?.stringValue })
    }

    /// Decodes each element of the list `key`, returning the successes with their paths.
    mutating func decodeList<T>(
        _ o: ConfigObject, _ key: String, required: Bool,
        _ element: (inout ConfigDecoder, JSONValue, String) -> T?
    ) -> [(String, T)] {
        guard let items = array(o, key, required: required) else { return [] }
        var out: [(String, T)] = []
        for (i, v) in items.enumerated() {
            let p = "\(o.at(key))[\(i)]"
            if let t = element(&self, v, p) { out.append((p, t)) }
        }
        return out
    }

    // MARK: schema

    mutating func decodeSchema(_ top: ConfigObject) -> CustomerSchema? {
        guard let v = value(top, "schema", required: true),
              let o = object(v, at: "schema", allowed: ["name", "fields"]) else { return nil }
        let name = string(o, "name", required: false) ?? "customer"
        let fields = decodeList(o, "fields", required: true) { d, v, p -> CustomerSchema.Field? in
            guard let f = d.object(v, at: p, allowed: ["name", "type", "unique"]) else {
                if v.isNull { d.add(p, "expected a mapping, got null") }
                return nil
            }
            let name = d.string(f, "name")
            let type: FieldType? = d.choice(f, "type")
            let unique = d.bool(f, "unique", required: false) ?? false
            guard let name, let type else { return nil }
            return CustomerSchema.Field(name: name, type: type, isUnique: unique)
        }
        checkUnique(fields.map { ($0.0 + ".name", $0.1.name) }, what: "field")
        let uniques = fields.filter(\.1.isUnique)
        if uniques.count != 1 {
            add("schema.fields", "exactly one field must be unique, found \(uniques.count)")
        } else if uniques[0].1.type != .varchar && uniques[0].1.type != .integer {
            add(uniques[0].0 + ".type", "the unique key must be varchar or integer")
        }
        return CustomerSchema(name: name, fields: fields.map(\.1))
    }

    // MARK: channels and offers

    mutating func decodeChannel(_ v: JSONValue, at p: String) -> Channel? {
        guard let o = requireObject(v, at: p, allowed: ["name", "status", "couplingMode", "impressionMode"]) else {
            return nil
        }
        let name = string(o, "name")
        let status: ChannelStatus? = choice(o, "status", required: false)
        let coupling: CouplingMode? = choice(o, "couplingMode", required: false)
        let impression: ImpressionMode? = choice(o, "impressionMode", required: false)
        guard let name else { return nil }
        return Channel(name: name, status: status ?? .active, couplingMode: coupling ?? .partial,
                       impressionMode: impression ?? .implicit)
    }

    mutating func requireObject(_ v: JSONValue, at p: String, allowed: Set<String>) -> ConfigObject? {
        if v.isNull { add(p, "expected a mapping, got null"); return nil }
        return object(v, at: p, allowed: allowed)
    }

    mutating func decodeOffer(_ v: JSONValue, at p: String, schema: CustomerSchema?, channels: Set<String>) -> Offer? {
        guard let o = requireObject(v, at: p, allowed: [
            "id", "name", "status", "category", "priority", "businessValue", "revenueValue", "holding", "channels",
        ]) else { return nil }
        let id = string(o, "id"), name = string(o, "name")
        let status: OfferStatus? = choice(o, "status")
        let category = string(o, "category")
        let priority = int(o, "priority", range: 0...100)
        let business = number(o, "businessValue", range: 0...100)
        let revenue = number(o, "revenueValue", range: 0...Double.greatestFiniteMagnitude)
        let holding = string(o, "holding", required: false)
        if let holding, let schema {
            if let f = schema.field(named: holding) {
                if f.type != .boolean {
                    add(o.at("holding"), "\"\(holding)\" is \(f.type.rawValue), must be a boolean schema field")
                }
            } else {
                add(o.at("holding"), "\"\(holding)\" is not a schema field")
            }
        }
        var relevance: [String: Double]?
        if let cv = value(o, "channels", required: false) {
            if let m = cv.objectValue {
                relevance = [:]
                let co = ConfigObject(path: o.at("channels"), members: m)
                for name in m.keys.sorted() {
                    if !channels.contains(name) { add(co.at(name), "unknown channel \"\(name)\"") }
                    if let r = number(co, name, range: 0...1) { relevance?[name] = r }
                }
            } else {
                add(o.at("channels"), "expected a mapping of channel to relevance, got \(cv.typeName)")
            }
        }
        guard let id, let name, let status, let category, let priority, let business, let revenue else { return nil }
        return Offer(id: id, name: name, status: status, category: category, priority: priority, businessValue: business,
                     revenueValue: revenue, holding: holding, channels: relevance)
    }
}
