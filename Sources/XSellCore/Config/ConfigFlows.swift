extension ConfigDecoder {
    mutating func decodeFlow(_ v: JSONValue, at p: String, channels: Set<String>) -> Flow? {
        guard let o = requireObject(v, at: p, allowed: ["key", "name", "version", "experiment", "nodes"]) else { return nil }
        let key = string(o, "key"), name = string(o, "name")
        let version = int(o, "version", range: 1...Int.max)
        var experiment: ExperimentConfig? = ExperimentConfig()
        if let ev = value(o, "experiment", required: false) {
            experiment = nil
            if let e = requireObject(ev, at: o.at("experiment"), allowed: ["enabled", "holdoutPercent", "controlGroupAction"]) {
                let enabled = bool(e, "enabled")
                let percent = number(e, "holdoutPercent", required: false, range: 0...100)
                let action: ControlGroupAction? = choice(e, "controlGroupAction", required: false)
                if let enabled, percent != nil || !e.has("holdoutPercent"), action != nil || !e.has("controlGroupAction") {
                    experiment = ExperimentConfig(enabled: enabled, holdoutPercent: percent ?? 0,
                                                  controlGroupAction: action ?? .noOffers)
                }
            }
        }
        var phases: [FlowPhase] = []
        var score: ScoreNode?
        var rank: RankNode?
        var nodesOK = true
        for (i, nv) in (array(o, "nodes") ?? []).enumerated() {
            let np = "\(o.at("nodes"))[\(i)]"
            let typeText = nv["type"]?.stringValue ?? ""
            let extra: Set<String> = typeText == "score" ? ["method", "formula", "overrides"]
                : typeText == "rank" ? ["method", "maxCandidates"] : []
            guard let n = requireObject(nv, at: np, allowed: extra.union(["type", "id"])) else { nodesOK = false; continue }
            _ = string(n, "id", required: false)
            guard let phase: FlowPhase = choice(n, "type") else { nodesOK = false; continue }
            if phases.contains(phase) {
                add(np, "duplicate \(phase.rawValue) node")
                nodesOK = false
            } else if let last = phases.last, phase < last {
                add(np, "\(phase.rawValue) node is out of phase order (after \(last.rawValue); order is "
                    + FlowPhase.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                nodesOK = false
            }
            phases.append(phase)
            if phase == .score { score = decodeScoreNode(n, channels: channels) }
            if phase == .rank {
                let method: RankMethod? = choice(n, "method", required: false)
                let max = int(n, "maxCandidates", range: 1...Int.max)
                if let max, method != nil || !n.has("method") { rank = RankNode(method: method ?? .topN, maxCandidates: max) }
            }
        }
        if o.has("nodes") {
            if !phases.contains(.score) { add(o.at("nodes"), "a score node is required") }
            if !phases.contains(.rank) { add(o.at("nodes"), "a rank node is required") }
        }
        guard let key, let name, let version, let experiment, let score, let rank, nodesOK else { return nil }
        return Flow(key: key, name: name, version: version, experiment: experiment, phases: phases, score: score, rank: rank)
    }

    mutating func decodeScoreNode(_ n: ConfigObject, channels: Set<String>) -> ScoreNode? {
        let method: ScoreMethod? = choice(n, "method")
        var formula: FormulaWeights?
        var ok = true
        if let fv = value(n, "formula", required: method == .formula) {
            formula = decodeWeights(fv, at: n.at("formula"))
            ok = formula != nil
        }
        var overrides: [ScoreOverride] = []
        for (i, ov) in (array(n, "overrides", required: false) ?? []).enumerated() {
            let op = "\(n.at("overrides"))[\(i)]"
            guard let o = requireObject(ov, at: op, allowed: ["channel", "formula"]) else { ok = false; continue }
            let channel = string(o, "channel")
            if let channel, !channels.contains(channel) { add(o.at("channel"), "unknown channel \"\(channel)\"") }
            let weights = value(o, "formula", required: true).flatMap { decodeWeights($0, at: o.at("formula")) }
            if let channel, let weights { overrides.append(ScoreOverride(channel: channel, formula: weights)) } else { ok = false }
        }
        checkUnique(overrides.enumerated().map { ("\(n.at("overrides"))[\($0)].channel", $1.channel) }, what: "override channel")
        if !overrides.isEmpty, method != nil, method != .formula {
            add(n.at("overrides"), "overrides apply to the formula method only")
        }
        guard let method, ok else { return nil }
        return ScoreNode(method: method, formula: formula, overrides: overrides)
    }

    mutating func decodeWeights(_ v: JSONValue, at p: String) -> FormulaWeights? {
        guard let o = requireObject(v, at: p, allowed: [
            "propensityWeight", "relevanceWeight", "impactWeight", "emphasisWeight", "upliftWeight",
        ]) else { return nil }
        let wp = number(o, "propensityWeight", range: 0...1), wr = number(o, "relevanceWeight", range: 0...1)
        let wi = number(o, "impactWeight", range: 0...1), we = number(o, "emphasisWeight", range: 0...1)
        let wu = number(o, "upliftWeight", required: false, range: 0...2)
        guard let wp, let wr, let wi, let we, wu != nil || !o.has("upliftWeight") else { return nil }
        let w = FormulaWeights(propensityWeight: wp, relevanceWeight: wr, impactWeight: wi, emphasisWeight: we,
                               upliftWeight: wu ?? 0)
        if abs(w.coreSum - 1.0) > 1e-6 {
            add(p, "weights sum to \(fmt(w.coreSum)), must be 1.0")
            return nil
        }
        return w
    }

    mutating func decodeLearning(_ top: ConfigObject) -> LearningConfig? {
        let defaults = LearningConfig()
        guard let lv = value(top, "learning", required: false) else { return defaults }
        guard let o = requireObject(lv, at: "learning", allowed: [
            "upliftMethod", "attributionWindowDays", "lookbackDays", "minTreated", "minControl",
            "persuadableThreshold", "sleepingDogThreshold", "baseRateThreshold",
        ]) else { return nil }
        let before = problems.count
        let method: UpliftMethod? = choice(o, "upliftMethod", required: false)
        let window = int(o, "attributionWindowDays", required: false, range: 1...Int.max)
        let lookback = int(o, "lookbackDays", required: false, range: 1...Int.max)
        let minT = int(o, "minTreated", required: false, range: 0...Int.max)
        let minC = int(o, "minControl", required: false, range: 0...Int.max)
        let pers = number(o, "persuadableThreshold", required: false, range: 0...1)
        let dog = number(o, "sleepingDogThreshold", required: false, range: -1...0)
        let base = number(o, "baseRateThreshold", required: false, range: 0...1)
        let config = LearningConfig(
            upliftMethod: method ?? defaults.upliftMethod, attributionWindowDays: window ?? defaults.attributionWindowDays,
            lookbackDays: lookback ?? defaults.lookbackDays, minTreated: minT ?? defaults.minTreated,
            minControl: minC ?? defaults.minControl, persuadableThreshold: pers ?? defaults.persuadableThreshold,
            sleepingDogThreshold: dog ?? defaults.sleepingDogThreshold, baseRateThreshold: base ?? defaults.baseRateThreshold)
        if problems.count == before, config.lookbackDays < config.attributionWindowDays {
            add(o.at("lookbackDays"), "must be at least attributionWindowDays (\(config.attributionWindowDays)), got \(config.lookbackDays)")
        }
        return problems.count == before ? config : nil
    }
}
