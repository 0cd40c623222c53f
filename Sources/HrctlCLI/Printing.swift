import Values
import YAML
import Release
import Sprig
#if canImport(Glibc)
import Glibc
#endif

/// Tables and times as Helm prints them.
enum Table {
    /// uitable's layout, which Helm uses: cells padded to their column's width, joined by tabs;
    /// longer cells cut to `maxWidth` (uitable's MaxColWidth: 60 where helm sets it, none in
    /// `history`).
    static func render(_ rows: [[String]], maxWidth: Int = 60) -> String {
        guard let n = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: n)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], min(c.count, maxWidth)) } }
        var out = ""
        for r in rows {
            var line = ""
            for (i, c) in r.enumerated() {
                let cell = c.count > maxWidth ? String(c.prefix(maxWidth - 3)) + "..." : c
                // Every cell padded to its column's width, the last one too (as uitable does).
                line += cell + String(repeating: " ", count: widths[i] - cell.count) + (i == r.count - 1 ? "" : "\t")
            }
            out += line + "\n"
        }
        return out
    }
}

enum TimeText {
    /// A record's RFC 3339 time as Go's time.Time in the local zone (helm prints `.Local()`).
    static func goTime(_ rfc3339: String) -> GoTime? {
        guard let secs = Timestamp.parse(rfc3339) else { return nil }
        var nanos: Int64 = 0
        if let dot = rfc3339.firstIndex(of: ".") {
            let digits = rfc3339[rfc3339.index(after: dot)...].prefix { $0.isNumber }
            nanos = Int64(digits.prefix(9) + String(repeating: "0", count: Swift.max(0, 9 - digits.count))) ?? 0
        }
        return GoTime.local(seconds: Int64(secs), nanos: nanos)
    }


    /// time.ANSIC in the local zone: "Sun Nov  1 12:00:00 2026" (helm status and history).
    static func ansic(_ rfc3339: String) -> String { goTime(rfc3339)?.format("Mon Jan _2 15:04:05 2006") ?? rfc3339 }
}

/// `-o table|json|yaml`.
enum OutputFormat: String, CaseIterable {
    case table, json, yaml

    static func parse(_ s: String) throws -> OutputFormat {
        guard let f = OutputFormat(rawValue: s) else { throw CLIError.helm("invalid argument \"\(s)\" for \"-o, --output\" flag: invalid format type") }
        return f
    }

    func encode(_ v: Value) throws -> String {
        switch self {
        case .json: return try JSONEncoding.encode(v, escapeHTML: false) + "\n"
        case .yaml: return try YAMLWriter.marshal(v)
        case .table: return ""
        }
    }
}
