import Values
import YAML
import Sprig
import GoTemplate

/// Marks messages of `required` and `fail` so that the renderer can report them as Helm does:
/// `execution error at (FILE:LINE:COL): MESSAGE`.
enum Warn {
    static let start = "HELM_ERR_START"
    static let end = "HELM_ERR_END"
    static func wrap(_ s: String) -> String { start + s + end }
    static func unwrap(_ s: String) -> String? {
        guard let a = s.range(of: start), let b = s.range(of: end, range: a.upperBound..<s.endIndex) else { return nil }
        return String(s[a.upperBound..<b.lowerBound])
    }
}

extension String {
    func range(of needle: String, range: Range<String.Index>? = nil) -> Range<String.Index>? {
        let hay = range.map { self[$0] } ?? self[...]
        guard let first = needle.first else { return nil }
        var i = hay.startIndex
        while i < hay.endIndex {
            if hay[i] == first, hay[i...].hasPrefix(needle) { return i..<hay.index(i, offsetBy: needle.count) }
            i = hay.index(after: i)
        }
        return nil
    }
}

/// Helm's own template functions (pkg/engine/funcs.go) over Sprig's.
enum HelmFunctions {
    static func base() -> [String: GoFunction] {
        var f = Sprig.functions
        f["env"] = nil
        f["expandenv"] = nil
        func add(_ name: String, _ params: [GoFunction.Param], variadic: GoFunction.Param? = nil,
                 _ body: @escaping @Sendable ([Value?]) throws -> Value?) {
            f[name] = GoFunction(name, params, variadic: variadic, body)
        }
        let any = GoFunction.Param.any, str = GoFunction.Param.typed(.string)
        add("toYaml", [any]) { .string(toYAML($0[0] ?? .null)) }
        add("mustToYaml", [any]) { a in
            do {
                var s = try YAMLWriter.marshal(a[0] ?? .null)
                if s.hasSuffix("\n") { s.removeLast() }
                return .string(s)
            } catch { throw FunctionError("\(error)") }
        }
        add("toYamlPretty", [any]) { a in
            guard var s = try? YAMLWriter.marshal(a[0] ?? .null, indentSequences: true) else { return .string("") }
            if s.hasSuffix("\n") { s.removeLast() }
            return .string(s)
        }
        add("fromYaml", [str]) { a in
            do {
                switch try YAML.load(a[0]?.stringValue ?? "") {
                case .map(let m)?: return .map(m)
                case nil, .null?: return .map([:])
                case let v?: return .map(["Error": .string("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal \(jsonKind(v)) into Go value of type map[string]interface {}")])
                }
            } catch {
                return .map(["Error": .string("error converting YAML to JSON: \(error)")])
            }
        }
        add("fromYamlArray", [str]) { a in
            do {
                switch try YAML.load(a[0]?.stringValue ?? "") {
                case .list(let l)?: return .list(l)
                case nil, .null?: return .list([])
                case let v?: return .list([.string("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal \(jsonKind(v)) into Go value of type []interface {}")])
                }
            } catch {
                return .list([.string("error converting YAML to JSON: \(error)")])
            }
        }
        add("toJson", [any]) { .string((try? JSONEncoding.encode($0[0] ?? .null)) ?? "") }
        add("mustToJson", [any]) { a in
            do { return .string(try JSONEncoding.encode(a[0] ?? .null)) } catch { throw FunctionError("\(error)") }
        }
        add("toPrettyJson", [any]) { .string((try? JSONEncoding.encodeIndented($0[0] ?? .null)) ?? "") }
        add("mustToPrettyJson", [any]) { a in
            do { return .string(try JSONEncoding.encodeIndented(a[0] ?? .null)) } catch { throw FunctionError("\(error)") }
        }
        add("toRawJson", [any]) { .string((try? JSONEncoding.encode($0[0] ?? .null, escapeHTML: false)) ?? "") }
        add("mustToRawJson", [any]) { a in
            do { return .string(try JSONEncoding.encode(a[0] ?? .null, escapeHTML: false)) } catch { throw FunctionError("\(error)") }
        }
        add("fromJson", [str]) { a in
            do {
                let v = try JSON.decode(a[0]?.stringValue ?? "")
                if case .map(let m) = v { return .map(m) }
                // encoding/json stores null into a map as a nil map.
                if case .null = v { return .map(Map(nilOf: .interface)) }
                return .map(["Error": .string("json: cannot unmarshal \(jsonKind(v)) into Go value of type map[string]interface {}")])
            } catch let e as JSON.SyntaxError {
                return .map(["Error": .string(e.message)])
            }
        }
        add("mustFromJson", [str]) { a in
            do { return try JSON.decode(a[0]?.stringValue ?? "") } catch let e as JSON.SyntaxError { throw FunctionError(e.message) }
        }
        add("fromJsonArray", [str]) { a in
            do {
                let v = try JSON.decode(a[0]?.stringValue ?? "")
                if case .list(let l) = v { return .list(l) }
                if case .null = v { return .nilList() }
                return .list([.string("json: cannot unmarshal \(jsonKind(v)) into Go value of type []interface {}")])
            } catch let e as JSON.SyntaxError {
                return .list([.string(e.message)])
            }
        }
        // BurntSushi/toml panics on a nil interface (reflect's zero Value): an error, not text.
        let tomlOfNil = FunctionError("reflect: call of reflect.Value.Type on zero Value")
        add("toToml", [any]) { a in
            guard let v = a[0], !v.isNull else { throw tomlOfNil }
            do { return .string(try TOML.encode(v)) } catch { return .string("\(error)") }
        }
        add("mustToToml", [any]) { a in
            guard let v = a[0], !v.isNull else { throw tomlOfNil }
            do { return .string(try TOML.encode(v)) } catch { throw FunctionError("\(error)") }
        }
        add("fromToml", [str]) { a in
            do { return .map(try TOML.decode(a[0]?.stringValue ?? "")) } catch { return .map(["Error": .string("\(error)")]) }
        }
        add("fail", [str]) { a in throw FunctionError(Warn.wrap(a[0]?.stringValue ?? "")) }
        add("required", [str, any]) { a in
            let v = a[1] ?? .null
            if case .null = v { throw FunctionError(Warn.wrap(a[0]?.stringValue ?? "")) }
            if case .string(let s) = v, s.isEmpty { throw FunctionError(Warn.wrap(a[0]?.stringValue ?? "")) }
            return v
        }
        add("lookup", [str, str, str, str]) { _ in .map([:]) }
        // Durations (Helm v4): numbers are seconds, strings Go durations.
        @Sendable func dur(_ v: Value?) throws -> Double {
            switch v {
            case .string(let gs)?:
                let s = gs.string
                guard let d = GoDuration.parse(s) else { throw FunctionError("time: invalid duration \(GoQuoteLite.quote(s))") }
                return Double(d)
            case .int(let i, _)?: return Double(i) * 1e9
            case .uint(let u, _)?: return Double(u) * 1e9
            case .float(let f, _)?: return f * 1e9
            default: return 0
            }
        }
        add("mustToDuration", [any]) { a in .string(GoDuration.string(Int64(try dur(a[0])))) }
        for (name, unit) in [("durationSeconds", 1e9), ("durationMilliseconds", 1e6), ("durationMicroseconds", 1e3),
                             ("durationNanoseconds", 1.0), ("durationMinutes", 60e9), ("durationHours", 3600e9),
                             ("durationDays", 86400e9), ("durationWeeks", 604800e9)] {
            add(name, [any]) { a in
                let ns = (try? dur(a[0])) ?? 0
                if unit == 1.0 || unit == 1e3 || unit == 1e6 { return .int(Int64(ns / unit), .int64) }
                return .float(ns / unit)
            }
        }
        return f
    }

    static func jsonKind(_ v: Value) -> String {
        switch v {
        case .list: return "array"
        case .map: return "object"
        case .string: return "string"
        case .bool: return "bool"
        case .float, .int, .uint: return "number"
        default: return "null"
        }
    }
}

enum GoQuoteLite {
    static func quote(_ s: String) -> String { "\"" + s + "\"" }
}

