import Foundation
import XSellCore

/// Loads and validates an ``XSellConfig`` from YAML (JSON is valid YAML too).
///
/// Validation reports every problem with its path, e.g.
/// `flows[0].nodes[4].formula: weights sum to 0.95, must be 1.0`. See the header of
/// `config/cross-sell.yaml` for the file format.
public enum ConfigLoader {
    /// Reads and validates the file at `path`.
    public static func load(path: String) throws(ConfigError) -> XSellConfig {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(file: path, problems: [ConfigProblem(path: "", message: "cannot read file: \(error.localizedDescription)")])
        }
        return try load(yaml: text, path: path)
    }

    /// Validates YAML text; `path` names it in errors.
    public static func load(yaml: String, path: String = "<inline>") throws(ConfigError) -> XSellConfig {
        try XSellConfig.validated(document: try YAMLDocument.parse(yaml, file: path), file: path)
    }
}
