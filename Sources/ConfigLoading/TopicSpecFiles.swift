import Foundation
import XSellCore

extension TopicSpec {
    /// Parses and validates one spec file's text; `path` names it in errors.
    public static func parse(yaml: String, path: String) throws(ConfigError) -> TopicSpec {
        try validated(document: try YAMLDocument.parse(yaml, file: path), path: path)
    }

    /// Loads every `*.yaml` / `*.yml` file directly in `directory`, sorted by topic name.
    /// Fails if any file is invalid, names repeat, or partition counts differ.
    public static func loadAll(directory: String) throws(ConfigError) -> [TopicSpec] {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw ConfigError(file: directory, problems: [ConfigProblem(path: "", message: "cannot list directory")])
        }
        var specs: [TopicSpec] = []
        var problems: [ConfigProblem] = []
        for file in files {
            let path = (directory as NSString).appendingPathComponent(file)
            do {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                specs.append(try parse(yaml: text, path: path))
            } catch let e as ConfigError {
                problems += e.problems.map { ConfigProblem(path: $0.path.isEmpty ? file : "\(file): \($0.path)", message: $0.message) }
            } catch {
                problems.append(ConfigProblem(path: file, message: "cannot read file"))
            }
        }
        var seen: Set<String> = []
        for s in specs where !seen.insert(s.name).inserted {
            problems.append(ConfigProblem(path: s.name, message: "topic declared twice"))
        }
        if Set(specs.map(\.partitions)).count > 1 {
            problems.append(ConfigProblem(path: "", message: "all topics must have the same partition count (co-partitioned by customerId)"))
        }
        if !problems.isEmpty { throw ConfigError(file: directory, problems: problems) }
        return specs.sorted { $0.name < $1.name }
    }
}
