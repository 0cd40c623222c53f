import Values
import YAML
import Release
#if canImport(Glibc)
import Glibc
#endif

/// Tables and times as Helm prints them.
enum Table {
    /// uitable's layout, which Helm uses: cells padded to their column's width, joined by tabs.
    static func render(_ rows: [[String]]) -> String {
        guard let n = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: n)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], min(c.count, 60)) } }
        var out = ""
        for r in rows {
            var line = ""
            for (i, c) in r.enumerated() {
                let cell = c.count > 60 ? String(c.prefix(57)) + "..." : c
                line += i == r.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count) + "\t"
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}

enum TimeText {
    static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func parts(_ rfc3339: String) -> (tm, String)? {
        guard let secs = Timestamp.parse(rfc3339) else { return nil }
        var t = time_t(secs)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        var frac = ""
        if let dot = rfc3339.firstIndex(of: ".") {
            frac = String(rfc3339[dot...].prefix { $0 == "." || $0.isNumber })
        }
        return (tmv, frac)
    }

    static func p(_ v: Int32, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }

    /// Go's time.Time String(): "2026-11-24 17:20:44.682256478 +0000 UTC" (helm list's UPDATED).
    static func goString(_ rfc3339: String) -> String {
        guard let (t, frac) = parts(rfc3339) else { return rfc3339 }
        return "\(p(t.tm_year + 1900, 4))-\(p(t.tm_mon + 1, 2))-\(p(t.tm_mday, 2)) \(p(t.tm_hour, 2)):\(p(t.tm_min, 2)):\(p(t.tm_sec, 2))\(frac) +0000 UTC"
    }

    /// time.ANSIC: "Sun Nov  1 12:00:00 2026" (helm status and history).
    static func ansic(_ rfc3339: String) -> String {
        guard let (t, _) = parts(rfc3339) else { return rfc3339 }
        let day = t.tm_mday < 10 ? " \(t.tm_mday)" : "\(t.tm_mday)"
        return "\(days[Int(t.tm_wday)]) \(months[Int(t.tm_mon)]) \(day) \(p(t.tm_hour, 2)):\(p(t.tm_min, 2)):\(p(t.tm_sec, 2)) \(p(t.tm_year + 1900, 4))"
    }
}

/// `-o table|json|yaml`.
enum OutputFormat: String, CaseIterable {
    case table, json, yaml

    static func parse(_ s: String) throws -> OutputFormat {
        guard let f = OutputFormat(rawValue: s) else { throw CLIError.invalidOption("--output", s, expected: "table, json or yaml") }
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
