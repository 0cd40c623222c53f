import Values
import YAML
import FileIO
import Chart
import Engine
import Semver

/// `helm lint`: a chart folder checked with Helm's rules for the common cases — Chart.yaml's
/// fields, values.yaml and its schema, templates that fail to parse or render, each rendered
/// manifest's YAML, object names, deprecated API versions, selectors — with Helm's messages.
public enum Lint {
    public enum Severity: Int, Sendable, Comparable {
        case info = 1, warning = 2, error = 3
        public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }
        public var label: String { self == .info ? "INFO" : self == .warning ? "WARNING" : "ERROR" }
    }

    public struct Message: Sendable, CustomStringConvertible {
        public let severity: Severity
        public let path: String
        public let text: String
        public var description: String { "[\(severity.label)] \(path): \(text)" }
    }

    public struct Options: Sendable {
        public var namespace = "default"
        public var kubeVersion: String?
        public var values = Map([:])
        public var skipSchemaValidation = false
        public init() {}
    }

    public static func lint(_ dir: String, absolutePath: String, options: Options = Options()) -> [Message] {
        var out: [Message] = []
        func add(_ s: Severity, _ p: String, _ t: String?) { if let t { out.append(Message(severity: s, path: p, text: t)) } }
        let root = dir.hasSuffix("/") ? String(dir.dropLast()) : dir
        // Helm runs every rule even when Chart.yaml does not parse.
        _ = chartfile(root, add)
        values(root, options, add)
        templates(root, options, add)
        dependencies(root, absolutePath, add)
        return out
    }

    // MARK: Chart.yaml

    static func chartfile(_ root: String, _ add: (Severity, String, String?) -> Void) -> Bool {
        let file = "Chart.yaml", path = root + "/Chart.yaml"
        if FileSystem.kind(path) == .directory { add(.error, file, "should be a file, not a directory"); return false }
        let text: String
        do { text = try FileSystem.readText(path) } catch {
            add(.error, file, "unable to parse YAML\n\topen \(path): no such file or directory"); return false
        }
        let raw: Map
        let md: Metadata
        do {
            guard case .map(let m)? = try YAML.load(text) else { add(.error, file, "unable to parse YAML\n\terror unmarshaling JSON: json: cannot unmarshal into Go value of type chart.Metadata"); return false }
            raw = m
            md = try ChartLoader.parseMetadata(text)
        } catch let e as YAMLError {
            add(.error, file, "unable to parse YAML\n\terror converting YAML to JSON: \(e.message)"); return false
        } catch { add(.error, file, "unable to parse YAML\n\t\(error)"); return false }

        // Chart.yaml read strictly: a field Helm's Metadata does not have (the first, in JSON's key order).
        let known: Set<String> = ["name", "home", "sources", "version", "description", "keywords", "maintainers", "icon", "apiVersion",
                                  "condition", "tags", "appVersion", "deprecated", "annotations", "kubeVersion", "dependencies", "type"]
        if let unknown = raw.entries.keys.sorted().first(where: { !known.contains($0) }) {
            add(.warning, file, "failed to strictly parse chart metadata file\n\terror unmarshaling JSON: while decoding JSON: json: unknown field \"\(unknown)\"")
        }
        if md.name.isEmpty { add(.error, file, "name is required") }
        else if md.name.contains("/") { add(.error, file, "chart name \"\(md.name)\" is invalid") }
        if md.apiVersion.isEmpty { add(.error, file, "apiVersion is required. The value must be either \"v1\" or \"v2\"") }
        else if md.apiVersion != "v1" && md.apiVersion != "v2" { add(.error, file, "apiVersion '\(md.apiVersion)' is not valid. The value must be either \"v1\" or \"v2\"") }
        add(.error, file, typeProblem(raw, "version"))
        if md.version.isEmpty { add(.error, file, "version is required") }
        else if (try? Version(md.version)) == nil { add(.error, file, "version '\(md.version)' is not a valid SemVer") }
        add(.error, file, typeProblem(raw, "appVersion"))
        for m in md.maintainers {
            if m.name.isEmpty { add(.error, file, "each maintainer requires a name"); break }
            if !m.email.isEmpty && !isEmail(m.email) { add(.error, file, "invalid email '\(m.email)' for maintainer '\(m.name)'"); break }
            if !m.url.isEmpty && !isURL(m.url) { add(.error, file, "invalid url '\(m.url)' for maintainer '\(m.name)'"); break }
        }
        if let bad = md.sources.first(where: { $0.isEmpty || !isRequestURL($0) }) { add(.error, file, "invalid source URL '\(bad)'") }
        if md.icon.isEmpty { add(.info, file, "icon is recommended") }
        else if !isRequestURL(md.icon) { add(.error, file, "invalid icon URL '\(md.icon)'") }
        if !md.type.isEmpty && md.apiVersion != "v2" { add(.error, file, "chart type is not valid in apiVersion '\(md.apiVersion)'. It is valid in apiVersion 'v2'") }
        if !md.dependencies.isEmpty && md.apiVersion != "v2" && !(md.apiVersion == "v1" && FileSystem.kind(root + "/requirements.yaml") == .file) {
            add(.error, file, "dependencies are not valid in the Chart file with apiVersion '\(md.apiVersion)'. They are valid in apiVersion 'v2'")
        }
        if !isStrictSemver(md.version) { add(.warning, file, "version '\(md.version)' is not a valid SemVerV2") }
        return true
    }

    /// Helm reports the Go type sigs.k8s.io/yaml decodes a non-string to (numbers are float64).
    static func typeProblem(_ m: Map, _ key: String) -> String? {
        guard let v = m.entries[key] else { return nil }
        let t: String
        switch v {
        case .string: return nil
        case .int, .uint, .float: t = "float64"
        case .bool: t = "bool"
        case .list: t = "[]interface {}"
        case .map: t = "map[string]interface {}"
        case .null: t = "<nil>"
        default: t = "\(v.goType)"
        }
        return "\(key) should be of type string but it's of type \(t)"
    }

    /// SemVer 2.0.0 exactly (Masterminds' StrictNewVersion): MAJOR.MINOR.PATCH, no leading zeros or "v".
    static func isStrictSemver(_ s: String) -> Bool {
        var core = Substring(s)
        var suffixes: [Substring] = []
        if let plus = core.firstIndex(of: "+") { suffixes.append(core[core.index(after: plus)...]); core = core[..<plus] }
        var pre: Substring? = nil
        if let dash = core.firstIndex(of: "-") { pre = core[core.index(after: dash)...]; core = core[..<dash] }
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return false }
        for p in parts {
            guard !p.isEmpty, p.allSatisfy(\.isASCIINumber) else { return false }
            if p.count > 1 && p.first == "0" { return false }
        }
        func idents(_ x: Substring, numeric: Bool) -> Bool {
            let ids = x.split(separator: ".", omittingEmptySubsequences: false)
            return ids.allSatisfy { id in
                !id.isEmpty && id.allSatisfy { $0.isASCIIAlnum || $0 == "-" } &&
                    !(numeric && id.allSatisfy(\.isASCIINumber) && id.count > 1 && id.first == "0")
            }
        }
        if let pre, !idents(pre, numeric: true) { return false }
        if let meta = suffixes.first, !idents(meta, numeric: false) { return false }
        return true
    }

    /// govalidator.IsRequestURL: an absolute URL with a scheme.
    static func isRequestURL(_ s: String) -> Bool {
        guard let colon = s.firstIndex(of: ":"), colon != s.startIndex else { return false }
        let scheme = s[..<colon]
        guard scheme.first!.isLetter, scheme.allSatisfy({ $0.isASCIIAlnum || "+-.".contains($0) }) else { return false }
        return !s.contains(" ")
    }

    static func isURL(_ s: String) -> Bool { !s.isEmpty && !s.contains(" ") && (isRequestURL(s) || s.contains(".")) }

    static func isEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".") && !s.contains(" ")
    }

    // MARK: values.yaml

    static func values(_ root: String, _ options: Options, _ add: (Severity, String, String?) -> Void) {
        let file = "values.yaml", path = root + "/values.yaml"
        guard FileSystem.kind(path) == .file else { add(.info, file, "file does not exist"); return }
        let parsed: Value?
        do { parsed = try YAML.load(try FileSystem.readText(path)) } catch let e as YAMLError {
            add(.error, file, "unable to parse YAML: error converting YAML to JSON: \(e.message)"); return
        } catch { add(.error, file, "unable to parse YAML: \(error)"); return }
        guard !options.skipSchemaValidation, let schema = try? FileSystem.read(root + "/values.schema.json"), !schema.isEmpty else { return }
        let vals: Map = Coalesce.copyMap(options.values)
        if case .map(let m)? = parsed {
            for (k, v) in m.entries where vals.entries[k] == nil { vals.entries[k] = v }
        }
        // One chart's schema alone: Helm's single-schema message is the violations without the chart header.
        let single = Chart(metadata: Metadata(), values: Map([:]), templates: [], files: [], source: root)
        single.schema = schema
        do {
            if let text = try SchemaValidator.validate(single, vals) {
                add(.error, file, text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2).joined(separator: "\n"))
            }
        } catch { add(.error, file, "\(error)") }
    }

    // MARK: templates

    static func templates(_ root: String, _ options: Options, _ add: (Severity, String, String?) -> Void) {
        let dir = "templates/"
        switch FileSystem.kind(root + "/templates") {
        case .missing: add(.warning, dir, "directory does not exist"); return
        case .directory: break
        default: add(.error, dir, "not a directory"); return
        }
        let chart: Chart
        do { chart = try ChartLoader.load(directory: root) } catch { add(.error, dir, "\(error)"); return }
        let templateNames = chart.templates.map(\.name)
        let chartName = chart.name
        let rendered: [String: String]
        do {
            // As helm lint: subcharts enabled or disabled, but no check that charts/ has them all
            // (that is the dependency rule's warning) and no import-values.
            let user = Coalesce.copyMap(options.values)
            Dependencies.process(chart, user)
            let vals = Coalesce.values(chart, user)
            if !options.skipSchemaValidation, let problem = try SchemaValidator.validate(chart, vals) { throw ChartError(problem) }
            var ro = RenderOptions()
            ro.releaseName = "test-release"
            ro.namespace = options.namespace
            ro.kubeVersion = kubeVersion(options)
            rendered = try Renderer.render(chart, values: vals, options: ro)
        } catch { add(.error, dir, "\(error)"); return }
        let kube = kubeMinor(kubeVersion(options))
        for name in templateNames {
            let ext = name.lastIndex(of: ".").map { String(name[$0...]) } ?? ""
            if ![".yaml", ".yml", ".tpl", ".txt"].contains(ext) {
                add(.error, name, "file extension '\(ext)' not valid. Valid extensions are .yaml, .yml, .tpl, or .txt")
            }
            guard [".yaml", ".yml"].contains(ext.lowercased()) else { continue }
            let content = rendered[chartName + "/" + name] ?? ""
            guard !content.allSatisfy(\.isWhitespace) else { continue }
            if let first = content.split(separator: "\n").first(where: { !$0.allSatisfy(\.isWhitespace) }), first.hasPrefix(" ") || first.hasPrefix("\t") {
                add(.warning, name, "document starts with an illegal indent: \(goQuote(String(first))), which may cause parsing problems")
            }
            for doc in documents(content) {
                let value: Value?
                do { value = try YAML.load(doc) } catch let e as YAMLError {
                    add(.error, name, "unable to parse YAML: error converting YAML to JSON: \(e.message)"); return
                } catch { add(.error, name, "unable to parse YAML: \(error)"); return }
                guard case .map(let m)? = value else { continue }
                let apiVersion = m.entries["apiVersion"]?.stringValue ?? ""
                let kind = m.entries["kind"]?.stringValue ?? ""
                var objName = ""
                if case .map(let md)? = m.entries["metadata"] { objName = md.entries["name"]?.stringValue ?? "" }
                add(.warning, name, nameProblem(kind: kind, name: objName))
                if !apiVersion.isEmpty, !kind.isEmpty, let d = Deprecations.table[apiVersion + " " + kind], kube >= d.since {
                    add(.warning, name, d.message)
                }
                if ["Deployment", "ReplicaSet", "DaemonSet", "StatefulSet"].contains(kind), !content.contains("matchLabels"), !content.contains("matchExpressions") {
                    add(.error, name, "a \(kind) must contain matchLabels or matchExpressions, and \(goQuote(objName)) does not")
                }
                if kind == "List", case .list(let items)? = m.entries["items"], items.items.contains(where: { item in
                    guard case .map(let im) = item, case .map(let imd)? = im.entries["metadata"], case .map(let ann)? = imd.entries["annotations"] else { return false }
                    return ann.entries["helm.sh/resource-policy"] != nil
                }) {
                    add(.error, name, "annotation 'helm.sh/resource-policy' within List objects are ignored")
                }
            }
        }
    }

    /// The YAML documents of a manifest, split as Kubernetes' YAML reader splits them: at lines
    /// that start with `---` followed by nothing but spaces or a comment.
    static func documents(_ content: String) -> [String] {
        var docs: [String] = [], cur: [Substring] = []
        for line in content.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("---") {
                let rest = line.dropFirst(3).drop { $0 == " " || $0 == "\t" || $0 == "\r" }
                if rest.isEmpty || rest.hasPrefix("#") { docs.append(cur.joined(separator: "\n")); cur = []; continue }
            }
            cur.append(line)
        }
        docs.append(cur.joined(separator: "\n"))
        return docs.filter { !$0.allSatisfy(\.isWhitespace) }
    }

    /// helm lint's Kubernetes version: --kube-version, else Helm v4.3.1's default, v1.37.0.
    static func kubeVersion(_ options: Options) -> String {
        guard let kv = options.kubeVersion else { return "v1.37.0" }
        return kv.hasPrefix("v") ? kv : "v" + kv
    }

    static func kubeMinor(_ v: String) -> Int {
        let parts = v.drop { $0 == "v" }.split(separator: ".")
        guard parts.count >= 2, let major = Int(parts[0]), let minor = Int(parts[1].prefix { $0.isASCIINumber }) else { return 0 }
        return major * 1000 + minor
    }

    // MARK: object names (apimachinery's validation messages)

    static let subdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let label1123Message = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    static let label1035Message = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"

    static func nameProblem(kind: String, name: String) -> String? {
        var msgs: [String] = []
        switch kind.lowercased() {
        case "service":
            if name.count > 63 { msgs.append("must be no more than 63 characters") }
            if !isLabel(name, firstAlpha: true) { msgs.append(label1035Message) }
        case "namespace":
            if name.count > 63 { msgs.append("must be no more than 63 characters") }
            if !isLabel(name, firstAlpha: false) { msgs.append(label1123Message) }
        case "certificatesigningrequest":
            break
        case "role", "clusterrole", "rolebinding", "clusterrolebinding":
            if name == "." || name == ".." { msgs.append("may not be '\(name)'") }
            for bad in ["/", "%"] where name.contains(bad) { msgs.append("may not contain '\(bad)'") }
        default:
            if name.count > 253 { msgs.append("must be no more than 253 characters") }
            if !name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ isLabel(String($0), firstAlpha: false) }) || name.isEmpty {
                msgs.append(subdomainMessage)
            }
        }
        guard !msgs.isEmpty else { return nil }
        let invalid = msgs.map { "metadata.name: Invalid value: \(goQuote(name)): \($0)" }
        let agg = invalid.count == 1 ? invalid[0] : "[" + invalid.joined(separator: ", ") + "]"
        return "object name does not conform to Kubernetes naming requirements: \(goQuote(name)): \(agg)"
    }

    static func isLabel(_ s: String, firstAlpha: Bool) -> Bool {
        guard let f = s.first, let l = s.last else { return false }
        func lowerAlnum(_ c: Character) -> Bool { c.isASCII && (c.isNumber || (c.isLetter && c.isLowercase)) }
        if firstAlpha ? !(f.isASCII && f.isLetter && f.isLowercase) : !lowerAlnum(f) { return false }
        return lowerAlnum(l) && s.allSatisfy { lowerAlnum($0) || $0 == "-" }
    }

    static func goQuote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    // MARK: dependencies

    /// Dependencies named in Chart.yaml but not in charts/ (Helm: a warning naming the folder).
    /// Subcharts in charts/ that Chart.yaml does not name (an error), and the reverse (a warning).
    static func dependencies(_ root: String, _ absolute: String, _ add: (Severity, String, String?) -> Void) {
        let chart: Chart
        do { chart = try ChartLoader.load(directory: root) } catch { add(.error, "", "unable to load chart\n\t\(error)"); return }
        let declared = chart.metadata.dependencies.map(\.name)
        let unnamed = chart.dependencies.map(\.name).filter { !declared.contains($0) }
        if !unnamed.isEmpty { add(.error, absolute, "chart metadata is missing these dependencies: \(unnamed.joined(separator: ","))") }
        let present = Set(chart.dependencies.map(\.name))
        let missing = declared.filter { !present.contains($0) }
        if !missing.isEmpty { add(.warning, absolute, "chart directory is missing these dependencies: \(missing.joined(separator: ","))") }
    }
}

extension Character {
    var isASCIINumber: Bool { isASCII && isNumber }
    var isASCIIAlnum: Bool { isASCII && (isNumber || isLetter) }
}
