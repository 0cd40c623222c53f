import Values

/// Resolves plain YAML scalars as go-yaml v2 does for an `interface{}` target, then as
/// sigs.k8s.io/yaml hands them on through JSON: every number ends up a float64.
enum Resolve {
    enum Scalar { case null, bool(Bool), int(Int64), uint(UInt64), float(Double), string(String) }

    static let boolValues: [String: Bool] = [
        "y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "true": true, "True": true, "TRUE": true,
        "on": true, "On": true, "ON": true,
        "n": false, "N": false, "no": false, "No": false, "NO": false, "false": false, "False": false,
        "FALSE": false, "off": false, "Off": false, "OFF": false,
    ]

    static func plain(_ s: String) -> Scalar {
        guard let first = s.utf8.first else { return .null }
        switch first {
        case UInt8(ascii: "~"), UInt8(ascii: "n"), UInt8(ascii: "N"):
            if s == "~" || s == "null" || s == "Null" || s == "NULL" { return .null }
            if let b = boolValues[s] { return .bool(b) }
            return .string(s)
        case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "t"), UInt8(ascii: "T"),
             UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "o"), UInt8(ascii: "O"):
            if let b = boolValues[s] { return .bool(b) }
            return .string(s)
        case UInt8(ascii: "."):
            switch s {
            case ".inf", ".Inf", ".INF": return .float(.infinity)
            case ".nan", ".NaN", ".NAN": return .float(.nan)
            default:
                if let f = parseGoFloat(s) { return .float(f) }
                return .string(s)
            }
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            switch s {
            case "+.inf", "+.Inf", "+.INF": return .float(.infinity)
            case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
            default: break
            }
            return number(s) ?? .string(s)
        default:
            return .string(s)
        }
    }

    static func number(_ s: String) -> Scalar? {
        let plain = s.filter { $0 != "_" }
        if let i = goParseInt(plain) { return .int(i) }
        if !plain.hasPrefix("-"), let u = goParseUint(plain) { return .uint(u) }
        if isYAMLStyleFloat(plain), let f = parseGoFloat(plain) { return .float(f) }
        if plain.hasPrefix("0b"), let i = Int64(plain.dropFirst(2), radix: 2) { return .int(i) }
        if plain.hasPrefix("-0b"), let i = Int64(plain.dropFirst(3), radix: 2) { return .int(-i) }
        return nil
    }

    /// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
    static func isYAMLStyleFloat(_ s: String) -> Bool {
        let b = Array(s.utf8)
        var i = 0
        func digits() -> Int { let st = i; while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }; return i - st }
        if i < b.count, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { i += 1 }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            if digits() == 0 { return false }
        } else {
            if digits() == 0 { return false }
            if i < b.count, b[i] == UInt8(ascii: ".") { i += 1; _ = digits() }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { i += 1 }
            if digits() == 0 { return false }
        }
        return i == b.count
    }

    static func goParseUint(_ s: String) -> UInt64? {
        var base = 10
        var body = Substring(s)
        if s.hasPrefix("+") { return nil }
        if s.count > 1 && s.hasPrefix("0") {
            switch s.dropFirst().first {
            case "x", "X": base = 16; body = body.dropFirst(2)
            case "o", "O": base = 8; body = body.dropFirst(2)
            case "b", "B": base = 2; body = body.dropFirst(2)
            default: base = 8; body = body.dropFirst(1)
            }
        }
        if body.isEmpty { return nil }
        return UInt64(body, radix: base)
    }

    static func goParseInt(_ s: String) -> Int64? {
        var neg = false
        var body = s
        if body.hasPrefix("-") { neg = true; body.removeFirst() } else if body.hasPrefix("+") { body.removeFirst() }
        guard !body.hasPrefix("+"), !body.hasPrefix("-"), let m = goParseUint(body) else { return nil }
        if neg { return m <= UInt64(Int64.max) + 1 ? (m == UInt64(Int64.max) + 1 ? Int64.min : -Int64(m)) : nil }
        return m <= UInt64(Int64.max) ? Int64(m) : nil
    }

    static func parseGoFloat(_ s: String) -> Double? {
        let lower = s.lowercased()
        if lower.contains("x") || lower.contains("n") || lower.contains("i") { return nil }
        return Double(s)
    }
}
