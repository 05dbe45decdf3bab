extension ConfigDecoder {
    mutating func decodeRule(_ v: JSONValue, at p: String, schema: CustomerSchema?, offers: Set<String>) -> QualificationRule? {
        guard let o = requireObject(v, at: p, allowed: ["name", "type", "offer", "stage", "decay", "onMissing", "config"]) else {
            return nil
        }
        let name = string(o, "name")
        let type: RuleType? = choice(o, "type")
        let offer = string(o, "offer", required: false)
        if let offer, !offers.contains(offer) { add(o.at("offer"), "unknown offer \"\(offer)\"") }
        let stage: RuleStage? = choice(o, "stage")
        let decay = number(o, "decay", required: false, range: 0.1...1)
        if stage == .match, decay == nil, !o.has("decay") { add(o.at("decay"), "required for match rules (0.1 to 1.0)") }
        if stage == .eligibility, o.has("decay") { add(o.at("decay"), "only match rules have a decay") }
        let onMissing: OnMissing? = choice(o, "onMissing", required: false)
        var condition: RuleCondition?
        if let type, let cv = value(o, "config", required: true) {
            switch type {
            case .attributeCondition:
                if let c = requireObject(cv, at: o.at("config"), allowed: ["attribute", "operator", "value"]) {
                    condition = decodeAttributeCondition(c, schema: schema).map(RuleCondition.attribute)
                }
            case .metricCondition:
                if let c = requireObject(cv, at: o.at("config"), allowed: ["metric", "operator", "value"]) {
                    let metric: RollingMetric? = choice(c, "metric")
                    let op: ConditionOperator? = choice(c, "operator")
                    if let op, op.isMembership || op.isExistence {
                        add(c.at("operator"), "\"\(op.rawValue)\" cannot compare a metric; use eq, neq, gt, gte, lt or lte")
                    }
                    let value = number(c, "value")
                    if let metric, let op, let value, !op.isMembership, !op.isExistence {
                        condition = .metric(MetricCondition(metric: metric, op: op, value: value))
                    }
                }
            case .propensityThreshold:
                if let c = requireObject(cv, at: o.at("config"), allowed: ["threshold"]),
                   let t = number(c, "threshold", range: 0...1) {
                    condition = .propensity(threshold: t)
                }
            }
        }
        guard let name, let stage, let condition else { return nil }
        return QualificationRule(name: name, offer: offer, stage: stage, decay: stage == .match ? decay : nil,
                                 onMissing: onMissing ?? .fail, condition: condition)
    }

    mutating func decodeAttributeCondition(_ c: ConfigObject, schema: CustomerSchema?) -> AttributeCondition? {
        let op: ConditionOperator? = choice(c, "operator")
        var ref: AttributeReference?
        var fieldType: FieldType?
        if let attr = string(c, "attribute") {
            let parts = attr.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 2, let source = AttributeSource(rawValue: parts[0]), !parts[1].isEmpty {
                ref = AttributeReference(source: source, name: parts[1])
                if source == .customer, let schema {
                    if let f = schema.field(named: parts[1]) {
                        fieldType = f.type
                    } else {
                        add(c.at("attribute"), "\"\(attr)\" is not a schema field")
                        ref = nil
                    }
                }
            } else {
                add(c.at("attribute"), "\"\(attr)\" must be customer.<field> or request.<name>")
            }
        }
        let value = c.members["value"].flatMap { $0.isNull ? nil : $0 }
        guard let op else { return nil }
        var ok = true
        if op.isExistence {
            if value != nil { add(c.at("value"), "\(op.rawValue) takes no value"); ok = false }
        } else if let value {
            if op.isMembership {
                if let items = value.arrayValue, !items.isEmpty {
                    for (i, e) in items.enumerated() where !checkOperand(e, type: fieldType, at: "\(c.at("value"))[\(i)]") {
                        ok = false
                    }
                } else {
                    add(c.at("value"), "\(op.rawValue) needs a non-empty list"); ok = false
                }
            } else {
                ok = checkOperand(value, type: fieldType, at: c.at("value"))
                if ok, op.isOrdering, fieldType == .boolean {
                    add(c.at("operator"), "\(op.rawValue) cannot compare a boolean"); ok = false
                } else if ok, op.isOrdering, fieldType == nil, value.doubleValue == nil {
                    add(c.at("value"), "\(op.rawValue) needs a number, got \(value.typeName)"); ok = false
                }
            }
        } else {
            add(c.at("value"), "required key is missing"); ok = false
        }
        guard ok, let ref else { return nil }
        return AttributeCondition(attribute: ref, op: op, value: value)
    }

    /// Checks a scalar operand against the attribute's schema type (when known).
    mutating func checkOperand(_ v: JSONValue, type: FieldType?, at path: String) -> Bool {
        if v.arrayValue != nil || v.objectValue != nil {
            add(path, "expected a scalar, got \(v.typeName)")
            return false
        }
        guard let type else { return true }
        if AttributeValue(json: v, as: type) == nil || v.isNull {
            add(path, "expected \(type.rawValue) (the schema type of the attribute), got \(v.typeName)")
            return false
        }
        return true
    }

    // MARK: contact policies

    static let policyKeys: [String: Set<String>] = [
        "frequency_cap": ["scope", "offer", "maxPerDay", "maxPerWeek", "maxPerMonth"],
        "customer_total_cap": ["maxTotal", "periodType"],
        "cooldown": ["hours", "scope", "offer"],
        "outcome_based": ["outcomes", "suppressForDays", "scope"],
        "mutual_exclusion": ["offers", "withinDays"],
    ]

    mutating func decodePolicy(_ v: JSONValue, at p: String, offers: Set<String>, channels: Set<String>) -> ContactPolicy? {
        let typeName = v["type"]?.stringValue ?? ""
        let specific = Self.policyKeys[typeName] ?? []
        guard let o = requireObject(v, at: p, allowed: specific.union(["type", "name", "channel"])) else { return nil }
        guard let type = string(o, "type") else { return nil }
        guard Self.policyKeys[type] != nil else {
            add(o.at("type"), "\"\(type)\" is not one of \(Self.policyKeys.keys.sorted().joined(separator: ", "))")
            return nil
        }
        let name = string(o, "name", required: false) ?? p
        let channel = string(o, "channel", required: false)
        if let channel, !channels.contains(channel) { add(o.at("channel"), "unknown channel \"\(channel)\"") }
        func offerRef(_ d: inout ConfigDecoder) -> String? {
            let offer = d.string(o, "offer", required: false)
            if let offer, !offers.contains(offer) { d.add(o.at("offer"), "unknown offer \"\(offer)\"") }
            return offer
        }
        var rule: ContactPolicyRule?
        switch type {
        case "frequency_cap":
            let scope: PolicyScope? = choice(o, "scope")
            let offer = offerRef(&self)
            let day = int(o, "maxPerDay", required: false, range: 0...Int.max)
            let week = int(o, "maxPerWeek", required: false, range: 0...Int.max)
            let month = int(o, "maxPerMonth", required: false, range: 0...Int.max)
            if !o.has("maxPerDay"), !o.has("maxPerWeek"), !o.has("maxPerMonth") {
                add(p, "frequency_cap needs maxPerDay, maxPerWeek or maxPerMonth")
            } else if let scope {
                rule = .frequencyCap(FrequencyCap(scope: scope, offer: offer, maxPerDay: day, maxPerWeek: week, maxPerMonth: month))
            }
        case "customer_total_cap":
            let max = int(o, "maxTotal", range: 0...Int.max)
            let period: PeriodType? = choice(o, "periodType")
            if let max, let period { rule = .customerTotalCap(CustomerTotalCap(maxTotal: max, periodType: period)) }
        case "cooldown":
            let hours = number(o, "hours", range: 0...Double.greatestFiniteMagnitude)
            let scope: PolicyScope? = choice(o, "scope", required: false)
            let offer = offerRef(&self)
            if let hours { rule = .cooldown(Cooldown(hours: hours, scope: scope ?? .offer, offer: offer)) }
        case "outcome_based":
            var outcomes: [Outcome] = []
            for (i, s) in (strings(o, "outcomes") ?? []).enumerated() {
                if let oc = Outcome(rawValue: s) { outcomes.append(oc) } else { add("\(o.at("outcomes"))[\(i)]", "unknown outcome \"\(s)\"") }
            }
            let days = int(o, "suppressForDays", range: 1...Int.max)
            let scope: PolicyScope? = choice(o, "scope", required: false)
            if o.has("outcomes"), outcomes.isEmpty, (o.members["outcomes"]?.arrayValue ?? []).isEmpty {
                add(o.at("outcomes"), "must list at least one outcome")
            }
            if let days, !outcomes.isEmpty {
                rule = .outcomeBased(OutcomeBased(outcomes: outcomes, suppressForDays: days, scope: scope ?? .offer))
            }
        default:
            let list = strings(o, "offers") ?? []
            for (i, id) in list.enumerated() where !offers.contains(id) { add("\(o.at("offers"))[\(i)]", "unknown offer \"\(id)\"") }
            if o.has("offers"), Set(list).count < 2 { add(o.at("offers"), "needs at least two distinct offers") }
            let days = int(o, "withinDays", range: 1...Int.max)
            if let days, Set(list).count >= 2 { rule = .mutualExclusion(MutualExclusion(offers: list, withinDays: days)) }
        }
        guard let rule else { return nil }
        return ContactPolicy(name: name, channel: channel, rule: rule)
    }
}
