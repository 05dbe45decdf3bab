import Foundation

/// A plain-text table for the analyst commands: a header row, a rule, then the rows; columns
/// are padded to their widest cell, text left-aligned and numbers right-aligned.
public struct ReportTable: Sendable, Equatable {
    /// Column headers.
    public var headers: [String]
    /// Cells, one array per row (short rows are padded with empty cells).
    public var rows: [[String]]

    /// A table with these headers and no rows.
    public init(headers: [String], rows: [[String]] = []) {
        self.headers = headers
        self.rows = rows
    }

    /// The table as lines of text.
    public var rendered: String {
        let columns = headers.count
        let padded = rows.map { $0 + Array(repeating: "", count: max(0, columns - $0.count)) }
        let widths = (0..<columns).map { c in ([headers[c]] + padded.map { $0[c] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.prefix(columns).enumerated().map { c, cell in
                let gap = String(repeating: " ", count: widths[c] - cell.count)
                return Self.isNumeric(cell) ? gap + cell : cell + gap
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(headers), rule] + padded.map(line)).joined(separator: "\n")
    }

    /// The table as CSV (RFC 4180: fields with a comma, quote or line break are quoted, quotes
    /// doubled), one line per row after the header line.
    public var csv: String {
        func field(_ cell: String) -> String {
            guard cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return cell }
            return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return ([headers] + rows).map { $0.map(field).joined(separator: ",") + "\n" }.joined()
    }

    /// `value` with `digits` decimals, or `—` when undefined.
    public static func fixed(_ value: Double?, _ digits: Int = 4) -> String {
        guard let value, value.isFinite else { return "—" }
        return String(format: "%.\(digits)f", value)
    }

    /// A probability or rate as a percentage with two decimals, or `—`.
    public static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        return String(format: "%.2f%%", value * 100)
    }

    /// `[lower, upper]` with `digits` decimals, or `—`.
    public static func interval(_ lower: Double?, _ upper: Double?, _ digits: Int = 4) -> String {
        guard lower != nil, upper != nil else { return "—" }
        return "[\(fixed(lower, digits)), \(fixed(upper, digits))]"
    }

    private static func isNumeric(_ cell: String) -> Bool {
        guard let first = cell.unicodeScalars.first else { return false }
        return CharacterSet.decimalDigits.contains(first) || ((first == "-" || first == "+" || first == "[") && cell.count > 1)
    }
}
