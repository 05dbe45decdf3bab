/// One problem found while loading a configuration.
public struct ConfigProblem: Sendable, Hashable, CustomStringConvertible {
    /// Where, e.g. `flows[0].nodes[4].formula` (empty for the whole file).
    public var path: String
    /// What is wrong.
    public var message: String
    /// Creates a problem.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    /// `"<path>: <message>"`.
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Every problem of a configuration file; an invalid file never starts a worker.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file (or the name given to inline YAML).
    public var file: String
    /// All problems, in document order.
    public var problems: [ConfigProblem]
    /// Creates an error.
    public init(file: String, problems: [ConfigProblem]) {
        self.file = file
        self.problems = problems
    }
    /// One problem per line, each prefixed with the file path.
    public var description: String { problems.map { "\(file): \($0)" }.joined(separator: "\n") }
}

/// An object being decoded, with its path.
struct ConfigObject {
    let path: String
    let members: [String: JSONValue]
    func at(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    func has(_ key: String) -> Bool { members[key].map { !$0.isNull } ?? false }
}

/// Collects problems while decoding; every accessor records what is wrong and returns `nil`.
struct ConfigDecoder {
    var problems: [ConfigProblem] = []

    mutating func add(_ path: String, _ message: String) {
        problems.append(ConfigProblem(path: path, message: message))
    }

    /// The object at `path`, flagging keys outside `allowed`.
    mutating func object(_ value: JSONValue?, at path: String, allowed: Set<String>) -> ConfigObject? {
        guard let value, !value.isNull else { return nil }
        guard let members = value.objectValue else {
            add(path, "expected a mapping, got \(value.typeName)")
            return nil
        }
        for key in members.keys.sorted() where !allowed.contains(key) {
            add(path.isEmpty ? key : "\(path).\(key)", "unknown key")
        }
        return ConfigObject(path: path, members: members)
    }

    mutating func value(_ o: ConfigObject, _ key: String, required: Bool) -> JSONValue? {
        guard let v = o.members[key], !v.isNull else {
            if required { add(o.at(key), "required key is missing") }
            return nil
        }
        return v
    }

    mutating func string(_ o: ConfigObject, _ key: String, required: Bool = true) -> String? {
        guard let v = value(o, key, required: required) else { return nil }
        guard let s = v.stringValue else {
            add(o.at(key), "expected a string, got \(v.typeName)")
            return nil
        }
        if s.isEmpty {
            add(o.at(key), "must not be empty")
            return nil
        }
        return s
    }

    mutating func number(_ o: ConfigObject, _ key: String, required: Bool = true,
                         range: ClosedRange<Double>? = nil) -> Double? {
        guard let v = value(o, key, required: required) else { return nil }
        guard let d = v.doubleValue, d.isFinite else {
            add(o.at(key), "expected a number, got \(v.typeName == "number" ? "a non-finite number" : v.typeName)")
            return nil
        }
        if let range, !range.contains(d) {
            add(o.at(key), "must be between \(fmt(range.lowerBound)) and \(fmt(range.upperBound)), got \(fmt(d))")
            return nil
        }
        return d
    }

    mutating func int(_ o: ConfigObject, _ key: String, required: Bool = true, range: ClosedRange<Int>? = nil) -> Int? {
        guard let v = value(o, key, required: required) else { return nil }
        guard let i = v.int64Value, let n = Int(exactly: i) else {
            add(o.at(key), "expected an integer, got \(v.typeName == "number" ? fmt(v.doubleValue!) : v.typeName)")
            return nil
        }
        if let range, !range.contains(n) {
            if range.upperBound == Int.max {
                add(o.at(key), "must be at least \(range.lowerBound), got \(n)")
            } else {
                add(o.at(key), "must be between \(range.lowerBound) and \(range.upperBound), got \(n)")
            }
            return nil
        }
        return n
    }

    mutating func bool(_ o: ConfigObject, _ key: String, required: Bool = true) -> Bool? {
        guard let v = value(o, key, required: required) else { return nil }
        guard let b = v.boolValue else {
            add(o.at(key), "expected a boolean, got \(v.typeName)")
            return nil
        }
        return b
    }

    mutating func choice<E: RawRepresentable & CaseIterable>(_ o: ConfigObject, _ key: String, required: Bool = true) -> E?
    where E.RawValue == String {
        guard let s = string(o, key, required: required) else { return nil }
        guard let e = E(rawValue: s) else {
            add(o.at(key), "\"\(s)\" is not one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return e
    }

    mutating func array(_ o: ConfigObject, _ key: String, required: Bool = true) -> [JSONValue]? {
        guard let v = value(o, key, required: required) else { return nil }
        guard let a = v.arrayValue else {
            add(o.at(key), "expected a list, got \(v.typeName)")
            return nil
        }
        return a
    }

    mutating func strings(_ o: ConfigObject, _ key: String, required: Bool = true) -> [String]? {
        guard let a = array(o, key, required: required) else { return nil }
        var out: [String] = []
        for (i, e) in a.enumerated() {
            if let s = e.stringValue { out.append(s) } else { add("\(o.at(key))[\(i)]", "expected a string, got \(e.typeName)") }
        }
        return out.count == a.count ? out : nil
    }

    /// Records duplicates among `(path, name)` pairs.
    mutating func checkUnique(_ items: [(String, String)], what: String) {
        var seen: Set<String> = []
        for (path, name) in items where !seen.insert(name).inserted {
            add(path, "duplicate \(what) \"\(name)\"")
        }
    }
}

/// Formats a number for messages: integers without a fraction, others shortest, rounded to 1e-9.
func fmt(_ d: Double) -> String {
    let r = (d * 1e9).rounded() / 1e9
    return String(decoding: JSONValue.number(r.isFinite ? r : d).serialized(), as: UTF8.self)
}
