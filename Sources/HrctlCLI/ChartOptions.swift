import ArgumentParser
import Values
import YAML
import Chart
import Engine
import FileIO

/// Helm's values flags (`addValueOptionsFlags`): `-f` is declared by each command beside this
/// group (`ValuesShorthand`), because `apply` and `delete` give `-f` to HelmRelease files.
struct ValueOptions: ParsableArguments {
    @Option(name: .long, help: "specify values in a YAML file or a URL (can specify multiple)")
    var values: [String] = []

    @Option(name: .long, help: "set values on the command line (can specify multiple or separate values with commas: key1=val1,key2=val2)")
    var set: [String] = []

    @Option(name: .customLong("set-string"), help: "set STRING values on the command line (can specify multiple or separate values with commas: key1=val1,key2=val2)")
    var setString: [String] = []

    @Option(name: .customLong("set-json"), help: "set JSON values on the command line (can specify multiple or separate values with commas: key1=jsonval1,key2=jsonval2)")
    var setJSON: [String] = []

    @Option(name: .customLong("set-file"), help: "set values from respective files specified via the command line (can specify multiple or separate values with commas: key1=path1,key2=path2)")
    var setFile: [String] = []

    @Option(name: .customLong("set-literal"), help: "set a literal STRING value on the command line")
    var setLiteral: [String] = []

    /// Helm's MergeValues, in its order: files (`-` is standard input; a string slice, so
    /// `-f a.yaml,b.yaml` is two files), --set-json, --set, --set-string, --set-file, --set-literal.
    func userValues(base: Map = Map([:]), files extra: [String] = []) throws -> Map {
        for path in (extra + values).flatMap({ $0.split(separator: ",", omittingEmptySubsequences: true).map(String.init) }) {
            let text: String
            if path == "-" { text = String(decoding: FileSystem.readStandardInput(), as: UTF8.self) } else { text = try Files.readText(path) }
            let parsed: Value?
            do { parsed = try YAML.load(text) } catch let e as YAMLError {
                throw CLIError.badData(path, "failed to parse \(path): error converting YAML to JSON: \(e.message)")
            }
            if case .map(let m)? = parsed { mergeMaps(base, m) }
            else if parsed != nil { throw CLIError.badData(path, "failed to parse \(path): values must be a map") }
        }
        for s in setJSON {
            for pair in StrVals.splitJSONPairs(s) {
                guard let eq = pair.firstIndex(of: "=") else { throw CLIError.badSet(s, "key \"\(pair)\" has no value") }
                let value: Value
                do { value = try JSON.decode(String(pair[pair.index(after: eq)...])) } catch {
                    throw CLIError.badSet(s, "invalid JSON: \(error)")
                }
                try StrVals.set(base, path: StrVals.splitUnescaped(String(pair[..<eq]), ".").map(StrVals.unescape), value: value, whole: s)
            }
        }
        for s in set { try StrVals.parse(s, into: base, typed: true) }
        for s in setString { try StrVals.parse(s, into: base, typed: false) }
        for s in setFile {
            for pair in StrVals.splitUnescaped(s, ",") where !pair.isEmpty {
                guard let eq = pair.firstIndex(of: "=") else { throw CLIError.badSet(s, "key \"\(pair)\" has no value") }
                let path = String(pair[pair.index(after: eq)...])
                let text = path == "-" ? String(decoding: FileSystem.readStandardInput(), as: UTF8.self) : try Files.readText(path)
                try StrVals.set(base, path: StrVals.splitUnescaped(String(pair[..<eq]), ".").map(StrVals.unescape), value: .string(text), whole: s)
            }
        }
        for s in setLiteral {
            // The whole text after the first '=' is the value: no commas split, no escapes.
            guard let eq = s.firstIndex(of: "=") else { throw CLIError.badSet(s, "key \"\(s)\" has no value") }
            try StrVals.set(base, path: StrVals.splitUnescaped(String(s[..<eq]), ".").map(StrVals.unescape), value: .string(String(s[s.index(after: eq)...])), whole: s)
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

    /// --set-json's pairs: split on commas outside JSON brackets and strings.
    static func splitJSONPairs(_ s: String) -> [String] {
        var out: [String] = [], cur = "", depth = 0, inString = false, esc = false
        for ch in s {
            if inString {
                if esc { esc = false } else if ch == "\\" { esc = true } else if ch == "\"" { inString = false }
            } else if ch == "\"" { inString = true
            } else if ch == "{" || ch == "[" { depth += 1
            } else if ch == "}" || ch == "]" { depth -= 1
            } else if ch == "," && depth == 0 { out.append(cur); cur = ""; continue }
            cur.append(ch)
        }
        if !cur.isEmpty { out.append(cur) }
        return out
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
    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("kube-version"), help: "Kubernetes version used for Capabilities.KubeVersion")
    var kubeVersion: String?

    @Option(name: [.customShort("a"), .customLong("api-versions")], help: "Kubernetes api versions used for Capabilities.APIVersions (multiple can be specified)")
    var apiVersions: [String] = []

    @Flag(name: .long, help: "Fail on values the templates reference but that are not set.")
    var strict = false

    @Flag(name: .customLong("is-upgrade"), help: "set .Release.IsUpgrade instead of .Release.IsInstall")
    var isUpgrade = false

    func renderOptions(release: String) -> RenderOptions {
        var o = RenderOptions()
        o.releaseName = release
        o.namespace = global.resolvedNamespace()
        o.strict = strict
        if isUpgrade { o.isUpgrade = true; o.isInstall = false }
        if let kv = kubeVersion { o.kubeVersion = kv.hasPrefix("v") ? kv : "v" + kv }
        // A string slice in helm: `-a a/v1,b/v1` is two versions.
        o.apiVersions += apiVersions.flatMap { $0.split(separator: ",").map(String.init) }
        return o
    }
}
