import XSellCore
import Yams

/// Converts YAML (or JSON) text into a ``JSONValue`` tree.
public enum YAMLDocument {
    /// The largest configuration text accepted, in UTF-8 bytes.
    public static let maximumBytes = 1 << 20
    /// The most nodes a document may expand to. Aliases repeat the node they name, so a few
    /// hundred bytes of nested aliases (a "billion laughs" document) would otherwise expand
    /// to billions of nodes; a real configuration has a few thousand.
    public static let maximumNodes = 200_000

    /// Parses `yaml`; plain scalars resolve to null/bool/int/float per YAML's core schema, quoted
    /// scalars stay strings. Mapping keys must be scalars and unique. `file` names the text in
    /// the errors.
    public static func parse(_ yaml: String, file: String) throws(ConfigError) -> JSONValue {
        let size = yaml.utf8.count
        guard size <= maximumBytes else {
            throw ConfigError(file: file, problems: [ConfigProblem(
                path: "", message: "the document is \(size) bytes, at most \(maximumBytes) allowed")])
        }
        let node: Node?
        do { node = try Yams.compose(yaml: yaml) } catch {
            throw ConfigError(file: file, problems: [ConfigProblem(path: "", message: "invalid YAML: \(error)")])
        }
        guard let node else { return .null }
        var conversion = Conversion()
        let v = conversion.convert(node, path: "")
        if !conversion.problems.isEmpty { throw ConfigError(file: file, problems: conversion.problems) }
        return v
    }

    /// One document's conversion: its problems and what is left of its node budget.
    struct Conversion {
        var problems: [ConfigProblem] = []
        var budget = maximumNodes

        mutating func convert(_ node: Node, path: String) -> JSONValue {
            guard budget > 0 else { return .null }
            budget -= 1
            if budget == 0 {
                problems.append(ConfigProblem(
                    path: path, message: "the document expands to more than \(maximumNodes) nodes (nested aliases?)"))
                return .null
            }
            if let mapping = node.mapping {
                var out: [String: JSONValue] = [:]
                for (k, v) in mapping {
                    guard let key = k.scalar?.string else {
                        problems.append(ConfigProblem(path: path, message: "mapping keys must be scalars"))
                        continue
                    }
                    let child = path.isEmpty ? key : "\(path).\(key)"
                    if out[key] != nil { problems.append(ConfigProblem(path: child, message: "duplicate key")) }
                    out[key] = convert(v, path: child)
                }
                return .object(out)
            }
            if let sequence = node.sequence {
                var out: [JSONValue] = []
                for (i, element) in sequence.enumerated() {
                    out.append(convert(element, path: "\(path)[\(i)]"))
                    if budget == 0 { break }
                }
                return .array(out)
            }
            guard let scalar = node.scalar else { return .null }
            switch Tag.Name(rawValue: node.tag.description) {
            case .null: return .null
            case .bool: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
            case .int: return node.int.map { .number(Double($0)) } ?? .string(scalar.string)
            case .float: return node.float.map(JSONValue.number) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        }
    }
}
