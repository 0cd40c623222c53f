import ArgumentParser
import Values
import YAML
import Chart
import Engine

/// Options shared by the commands that render charts.
struct ValueOptions: ParsableArguments {
    @Option(name: .long, help: "Values file (repeatable; later files win).")
    var values: [String] = []

    @Option(name: .long, help: "Set a value on the command line: key=value, a.b=c, list[0]=x (repeatable).")
    var set: [String] = []

    @Option(name: .customLong("set-string"), help: "Like --set, but the value is always a string.")
    var setString: [String] = []

    @Option(name: .customLong("set-json"), help: "Set a value to JSON: key={\"a\":1} (repeatable).")
    var setJSON: [String] = []

    @Option(name: .customLong("set-file"), help: "Set a value to a file's contents: key=path (repeatable).")
    var setFile: [String] = []

    /// Helm's MergeValues: files merged in order, then --set and --set-string.
    func userValues(base: Map = Map([:])) throws -> Map {
        for path in values {
            let text = try Files.readText(path)
            let parsed: Value?
            do { parsed = try YAML.load(text) } catch let e as YAMLError {
                throw CLIError.badData(path, "failed to parse \(path): error converting YAML to JSON: \(e.message)")
            }
            if case .map(let m)? = parsed { mergeMaps(base, m) }
            else if parsed != nil { throw CLIError.badData(path, "failed to parse \(path): values must be a map") }
        }
        for s in set { try StrVals.parse(s, into: base, typed: true) }
        for s in setString { try StrVals.parse(s, into: base, typed: false) }
        for s in setJSON {
            guard let eq = s.firstIndex(of: "=") else { throw CLIError.badSet(s, "key has no value") }
            let value: Value
            do { value = try JSON.decode(String(s[s.index(after: eq)...])) } catch {
                throw CLIError.badSet(s, "invalid JSON: \(error)")
            }
            try StrVals.set(base, path: StrVals.splitUnescaped(String(s[..<eq]), ".").map(StrVals.unescape), value: value, whole: s)
        }
        for s in setFile {
            guard let eq = s.firstIndex(of: "=") else { throw CLIError.badSet(s, "key has no value") }
            let text = try Files.readText(String(s[s.index(after: eq)...]))
            try StrVals.set(base, path: StrVals.splitUnescaped(String(s[..<eq]), ".").map(StrVals.unescape), value: .string(text), whole: s)
        }
        return base
    }

    func mergeMaps(_ a: Map, _ b: Map) {
        for (k, v) in b.entries {
            if case .map(let bm) = v, case .map(let am)? = a.entries[k] { mergeMaps(am, bm) } else { a.entries[k] = v }
        }
    }
}

/// Helm's strvals for --set: dotted keys, list indexes, comma-separated pairs, `\` escapes.
enum StrVals {
    static func parse(_ s: String, into m: Map, typed: Bool) throws {
        for pair in splitUnescaped(s, ",") where !pair.isEmpty {
            guard let eq = firstUnescaped(pair, "=") else { throw CLIError.badSet(s, "key \"\(pair)\" has no value") }
            let key = String(pair[..<eq]), raw = unescape(String(pair[pair.index(after: eq)...]))
            let value: Value = typed ? typedValue(raw) : .string(raw)
            try set(m, path: splitUnescaped(key, ".").map(unescape), value: value, whole: s)
        }
    }

    static func typedValue(_ s: String) -> Value {
        switch s {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return .null
        case "0": return .int(0, .int64)
        default:
            if let i = Int64(s), !s.hasPrefix("0"), !s.hasPrefix("+") { return .int(i, .int64) }
            return .string(s)
        }
    }

    static func set(_ m: Map, path: [String], value: Value, whole: String) throws {
        var cur = m
        for (i, partRaw) in path.enumerated() {
            var part = partRaw
            var index: Int? = nil
            if let open = part.firstIndex(of: "["), part.hasSuffix("]") {
                index = Int(part[part.index(after: open)..<part.index(before: part.endIndex)])
                part = String(part[..<open])
                if index == nil || index! < 0 { throw CLIError.badSet(whole, "invalid index in \(partRaw)") }
            }
            let last = i == path.count - 1
            if let index {
                var items: [Value] = []
                if case .list(let l)? = cur.entries[part] { items = l.items }
                while items.count <= index { items.append(.null) }
                if last { items[index] = value; cur.entries[part] = .list(items); return }
                let next: Map
                if case .map(let nm) = items[index] { next = nm } else { next = Map([:]); items[index] = .map(next) }
                cur.entries[part] = .list(items)
                cur = next
            } else {
                if last { cur.entries[part] = value; return }
                if case .map(let nm)? = cur.entries[part] { cur = nm } else {
                    let nm = Map([:]); cur.entries[part] = .map(nm); cur = nm
                }
            }
        }
    }

    static func firstUnescaped(_ s: String, _ c: Character) -> String.Index? {
        var esc = false
        for i in s.indices {
            if esc { esc = false; continue }
            if s[i] == "\\" { esc = true; continue }
            if s[i] == c { return i }
        }
        return nil
    }

    static func splitUnescaped(_ s: String, _ c: Character) -> [String] {
        var out: [String] = [], cur = "", esc = false
        for ch in s {
            if esc { cur.append("\\"); cur.append(ch); esc = false; continue }
            if ch == "\\" { esc = true; continue }
            if ch == c { out.append(cur); cur = ""; continue }
            cur.append(ch)
        }
        out.append(cur)
        return out
    }

    static func unescape(_ s: String) -> String {
        var out = "", esc = false
        for ch in s {
            if esc { out.append(ch); esc = false; continue }
            if ch == "\\" { esc = true; continue }
            out.append(ch)
        }
        return out
    }
}

/// Release and cluster facts for a render.
struct ReleaseOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "Namespace of the release.")
    var namespace: String = "default"

    @Option(name: .customLong("kube-version"), help: "Kubernetes version for .Capabilities (default v1.37.0).")
    var kubeVersion: String?

    @Option(name: [.customShort("a"), .customLong("api-versions")], help: "Extra API versions for .Capabilities (repeatable).")
    var apiVersions: [String] = []

    @Flag(name: .long, help: "Fail on values the templates reference but that are not set.")
    var strict = false

    func renderOptions(release: String) -> RenderOptions {
        var o = RenderOptions()
        o.releaseName = release
        o.namespace = namespace
        o.strict = strict
        if let kv = kubeVersion { o.kubeVersion = kv.hasPrefix("v") ? kv : "v" + kv }
        o.apiVersions += apiVersions
        return o
    }
}

