import GoRegexp
import Values
import YAML

/// Validates values against a chart's values.schema.json: the JSON Schema keywords charts
/// use (type, required, properties, additionalProperties, items, enum, const, minimum and
/// maximum, length and size limits, pattern, allOf/anyOf/oneOf/not, local $ref), with
/// messages worded as Helm v4 (santhosh-tekuri/jsonschema) words them.
public enum SchemaValidator {
    public struct Violation: Sendable { public let path: String; public let message: String }

    /// ValidateAgainstSchema over a chart and its subcharts; nil when the values conform.
    public static func validate(_ chart: Chart, _ values: Map) throws -> String? {
        var text = ""
        try collect(chart, values, &text)
        return text.isEmpty ? nil : "values don't meet the specifications of the schema(s) in the following chart(s):\n" + text
    }

    static func collect(_ chart: Chart, _ values: Map, _ text: inout String) throws {
        if let schemaBytes = chart.schema {
            let schema: Value
            do { schema = try JSON.decode(String(decoding: schemaBytes, as: UTF8.self)) }
            catch { throw ChartError("\(chart.name): invalid values.schema.json: \(error)") }
            var v: [Violation] = []
            check(.map(values), schema, root: schema, path: "", &v)
            if !v.isEmpty {
                text += chart.name + ":\n"
                for x in v { text += "- at '\(x.path)': \(x.message)\n" }
            }
        }
        for sub in chart.dependencies {
            if case .map(let sv)? = values.entries[sub.name] { try collect(sub, sv, &text) }
        }
    }

    static func typeName(_ v: Value) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .uint: return "integer"
        case .float(let f, _): return f.rounded() == f && f.isFinite ? "integer" : "number"
        case .string: return "string"
        case .list: return "array"
        case .map: return "object"
        default: return "string"
        }
    }

    static func matchesType(_ v: Value, _ t: String) -> Bool {
        let actual = typeName(v)
        return actual == t || (t == "number" && actual == "integer")
    }

    static func number(_ v: Value?) -> Double? {
        switch v {
        case .float(let f, _)?: return f
        case .int(let i, _)?: return Double(i)
        case .uint(let u, _)?: return Double(u)
        default: return nil
        }
    }

    static func fmt(_ d: Double) -> String { ShortestDecimal(d).gFormat() == "0" && d < 0 ? "-0" : (d < 0 ? "-" : "") + ShortestDecimal(d).gFormat() }

    static func show(_ v: Value) -> String {
        (try? JSONEncoding.encode(v, escapeHTML: false)) ?? "?"
    }

    static func resolve(_ schema: Value, root: Value) -> Value {
        guard case .map(let m) = schema, let ref = m.entries["$ref"]?.stringValue, ref.hasPrefix("#") else { return schema }
        var cur = root
        for part in ref.dropFirst().split(separator: "/") {
            let key = JSONPointer.unescape(part)
            guard case .map(let mm) = cur, let next = mm.entries[key] else { return schema }
            cur = next
        }
        return cur
    }

    static func check(_ v: Value, _ schemaIn: Value, root: Value, path: String, _ out: inout [Violation]) {
        let schema = resolve(schemaIn, root: root)
        if case .bool(let b) = schema { if !b { out.append(Violation(path: path, message: "false schema")) }; return }
        guard case .map(let s) = schema else { return }
        let e = s.entries
        if let t = e["type"] {
            let types: [String]
            switch t {
            case .string(let x): types = [x.string]
            case .list(let l): types = l.items.compactMap(\.stringValue)
            default: types = []
            }
            if !types.isEmpty && !types.contains(where: { matchesType(v, $0) }) {
                out.append(Violation(path: path, message: "got \(typeName(v)), want \(types.joined(separator: " or "))"))
                return
            }
        }
        if case .list(let en)? = e["enum"], !en.items.contains(where: { show($0) == show(v) }) {
            out.append(Violation(path: path, message: "value must be one of \(en.items.map { show($0) }.joined(separator: ", "))"))
        }
        if let c = e["const"], show(c) != show(v) {
            out.append(Violation(path: path, message: "value must be \(show(c))"))
        }
        if let n = number(v) {
            if let m = number(e["minimum"]), n < m { out.append(Violation(path: path, message: "minimum: got \(fmt(n)), want \(fmt(m))")) }
            if let m = number(e["maximum"]), n > m { out.append(Violation(path: path, message: "maximum: got \(fmt(n)), want \(fmt(m))")) }
            if let m = number(e["exclusiveMinimum"]), n <= m { out.append(Violation(path: path, message: "exclusiveMinimum: got \(fmt(n)), want \(fmt(m))")) }
            if let m = number(e["exclusiveMaximum"]), n >= m { out.append(Violation(path: path, message: "exclusiveMaximum: got \(fmt(n)), want \(fmt(m))")) }
        }
        if let str = v.stringValue {
            let count = str.unicodeScalars.count
            if let m = number(e["minLength"]), Double(count) < m { out.append(Violation(path: path, message: "minLength: got \(count), want \(fmt(m))")) }
            if let m = number(e["maxLength"]), Double(count) > m { out.append(Violation(path: path, message: "maxLength: got \(count), want \(fmt(m))")) }
            // JSON Schema patterns run on Go's regexp in Helm's validator, so on RE2 here.
            if let p = e["pattern"]?.stringValue, let r = try? Regexp(p), !r.matches(Array(str.utf8)) {
                out.append(Violation(path: path, message: "'\(str)' does not match pattern '\(p)'"))
            }
        }
        if case .list(let l) = v {
            if let m = number(e["minItems"]), Double(l.items.count) < m { out.append(Violation(path: path, message: "minItems: got \(l.items.count), want \(fmt(m))")) }
            if let m = number(e["maxItems"]), Double(l.items.count) > m { out.append(Violation(path: path, message: "maxItems: got \(l.items.count), want \(fmt(m))")) }
            if let items = e["items"] {
                for (i, item) in l.items.enumerated() { check(item, items, root: root, path: path + "/\(i)", &out) }
            }
        }
        if case .map(let m) = v {
            if case .list(let req)? = e["required"] {
                let missing = req.items.compactMap(\.stringValue).filter { m.entries[$0] == nil }
                if missing.count == 1 { out.append(Violation(path: path, message: "missing property '\(missing[0])'")) }
                else if missing.count > 1 { out.append(Violation(path: path, message: "missing properties \(missing.map { "'\($0)'" }.joined(separator: ", "))")) }
            }
            var props: [String: Value] = [:]
            if case .map(let p)? = e["properties"] { props = p.entries }
            for k in m.sortedKeys {
                if let ps = props[k] { check(m.entries[k]!, ps, root: root, path: path + "/" + k, &out) }
            }
            if let ap = e["additionalProperties"] {
                let extra = m.sortedKeys.filter { props[$0] == nil }
                if case .bool(false) = ap, !extra.isEmpty {
                    out.append(Violation(path: path, message: "additional properties \(extra.map { "'\($0)'" }.joined(separator: ", ")) not allowed"))
                } else if case .map = ap {
                    for k in extra { check(m.entries[k]!, ap, root: root, path: path + "/" + k, &out) }
                }
            }
        }
        if case .list(let all)? = e["allOf"] { for sub in all.items { check(v, sub, root: root, path: path, &out) } }
        if case .list(let any)? = e["anyOf"] {
            let ok = any.items.contains { sub in var tmp: [Violation] = []; check(v, sub, root: root, path: path, &tmp); return tmp.isEmpty }
            if !ok { out.append(Violation(path: path, message: "anyOf failed")) }
        }
        if case .list(let one)? = e["oneOf"] {
            let n = one.items.filter { sub in var tmp: [Violation] = []; check(v, sub, root: root, path: path, &tmp); return tmp.isEmpty }.count
            if n != 1 { out.append(Violation(path: path, message: n == 0 ? "oneOf failed" : "oneOf failed: valid against more than one subschema")) }
        }
        if let not = e["not"] {
            var tmp: [Violation] = []
            check(v, not, root: root, path: path, &tmp)
            if tmp.isEmpty { out.append(Violation(path: path, message: "not failed")) }
        }
    }
}
