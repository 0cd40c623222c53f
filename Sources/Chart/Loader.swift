import Values
import FileIO
import YAML
import Semver
import Archive

/// Loads a chart from a directory, as Helm's loader does: Chart.yaml (and requirements.yaml
/// for apiVersion v1), values.yaml, values.schema.json, templates/, charts/ and every
/// other file for .Files.
public enum ChartLoader {
    /// A chart folder or a packaged `.tgz`.
    public static func load(path: String) throws -> Chart {
        if FileSystem.kind(path) == .file { return try load(archive: try FileSystem.read(path), name: path) }
        return try load(directory: path)
    }

    /// A packaged chart: one top-level folder inside a gzipped tar.
    public static func load(archive bytes: [UInt8], name: String, limits: Tar.Limits = Tar.Limits()) throws -> Chart {
        let entries: [Tar.Entry]
        do {
            let tar = try Gzip.decompress(bytes, limit: limits.maxTotalSize)
            entries = try Tar.read(tar, limits: limits)
        } catch let e as ArchiveError {
            throw ChartError("\(name): \(e.description)")
        }
        var files: [(String, [UInt8])] = []
        var top: String? = nil
        for e in entries {
            let parts = e.path.split(separator: "/", maxSplits: 1)
            guard parts.count == 2 else { continue }
            if top == nil { top = String(parts[0]) }
            files.append((String(parts[1]), e.data))
        }
        if files.isEmpty { throw ChartError("\(name): no files in chart archive") }
        return try load(files: files, source: name)
    }

    public static func load(directory: String) throws -> Chart {
        let root = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        guard FileSystem.kind(root) == .directory else {
            if FileSystem.kind(root) == .missing { throw ChartError("path \"\(directory)\" not found") }
            throw ChartError("\(directory): not a chart directory")
        }
        return try load(files: try files(directory: root), source: root)
    }

    /// A chart folder's files, relative to it, without what `.helmignore` excludes.
    public static func files(directory root: String) throws -> [(String, [UInt8])] {
        let ignore = try IgnoreRules.load(root)
        var files: [(String, [UInt8])] = []
        let paths = try FileSystem.walk(root) { ignore.ignores($0, isDir: true) }
        for rel in paths where !ignore.ignores(rel, isDir: false) {
            files.append((rel, try FileSystem.read(root + "/" + rel)))
        }
        return files
    }

    /// Builds a chart from its files (paths relative to the chart root).
    public static func load(files: [(String, [UInt8])], source: String) throws -> Chart {
        var metadata: Metadata? = nil
        var values = Map([:])
        var templates: [Chart.File] = []
        var other: [Chart.File] = []
        var schema: [UInt8]? = nil
        var rawValues: [UInt8]? = nil
        var requirements: [Dependency]? = nil
        var subcharts: [String: [(String, [UInt8])]] = [:]
        var subchartOrder: [String] = []

        for (name, data) in files {
            switch name {
            case "Chart.yaml":
                do { metadata = try parseMetadata(String(decoding: data, as: UTF8.self)) }
                catch let e as YAMLError { throw ChartError("cannot load Chart.yaml: error converting YAML to JSON: \(e.message)") }
            case "Chart.lock", "requirements.lock":
                continue
            case "values.yaml":
                rawValues = data
                do {
                    if case .map(let m)? = try YAML.load(String(decoding: data, as: UTF8.self)) { values = m }
                } catch let e as YAMLError {
                    throw ChartError("cannot load values.yaml: error converting YAML to JSON: \(e.message)")
                }
            case "values.schema.json":
                schema = data
            case "requirements.yaml":
                do {
                    if case .map(let m)? = try YAML.load(String(decoding: data, as: UTF8.self)),
                       case .list(let l)? = m.entries["dependencies"] {
                        requirements = l.items.compactMap { if case .map(let d) = $0 { return parseDependency(d) }; return nil }
                    }
                } catch let e as YAMLError {
                    throw ChartError("cannot load requirements.yaml: error converting YAML to JSON: \(e.message)")
                }
            default:
                if name.hasPrefix("templates/") {
                    templates.append(Chart.File(name: name, data: data))
                } else if name.hasPrefix("charts/") {
                    if name.hasSuffix(".prov") { other.append(Chart.File(name: name, data: data)); continue }
                    let rest = name.dropFirst("charts/".count)
                    let cname = String(rest.split(separator: "/", maxSplits: 1)[0])
                    if subcharts[cname] == nil { subchartOrder.append(cname) }
                    subcharts[cname, default: []].append((String(rest.dropFirst(cname.count).drop(while: { $0 == "/" })), data))
                } else {
                    other.append(Chart.File(name: name, data: data))
                }
            }
        }
        guard var md = metadata else { throw ChartError("Chart.yaml file is missing") }
        // Charts from before apiVersion existed are v1 charts, as Helm's loader takes them.
        if md.apiVersion.isEmpty { md.apiVersion = "v1" }
        if md.apiVersion == "v1", let requirements { md.dependencies = requirements }
        try validate(md)
        let chart = Chart(metadata: md, values: values, templates: templates, files: other, source: source)
        chart.schema = schema
        chart.rawValues = rawValues
        for cname in subchartOrder {
            if cname.hasPrefix("_") || cname.hasPrefix(".") { continue }
            let parts = subcharts[cname]!
            do {
                if cname.hasSuffix(".tgz") {
                    guard let archive = parts.first(where: { $0.0.isEmpty })?.1 else { continue }
                    chart.addDependency(try load(archive: archive, name: cname))
                    continue
                }
                chart.addDependency(try load(files: parts.filter { !$0.0.isEmpty }, source: source + "/charts/" + cname))
            } catch let e as ChartError {
                throw ChartError("error unpacking subchart \(cname) in \(md.name): \(e.description)")
            }
        }
        return chart
    }

    static func string(_ v: Value?) -> String {
        switch v {
        case .string(let s)?: return s.string
        case .float(let f, _)?: return ShortestDecimal(f).gFormat()
        case .bool(let b)?: return b ? "true" : "false"
        default: return ""
        }
    }

    static func strings(_ v: Value?) -> [String] {
        guard case .list(let l)? = v else { return [] }
        return l.items.map { string($0) }
    }

    public static func parseMetadata(_ text: String) throws -> Metadata {
        var md = Metadata()
        guard case .map(let m)? = try YAML.load(text) else { return md }
        let e = m.entries
        md.name = string(e["name"]); md.home = string(e["home"]); md.sources = strings(e["sources"])
        md.version = string(e["version"]); md.description = string(e["description"]); md.keywords = strings(e["keywords"])
        md.icon = string(e["icon"]); md.apiVersion = string(e["apiVersion"]); md.condition = string(e["condition"])
        md.tags = string(e["tags"]); md.appVersion = string(e["appVersion"]); md.kubeVersion = string(e["kubeVersion"])
        md.type = string(e["type"])
        if case .bool(let b)? = e["deprecated"] { md.deprecated = b }
        if case .map(let a)? = e["annotations"] { for (k, v) in a.entries { md.annotations[k] = string(v) } }
        if case .list(let l)? = e["maintainers"] {
            md.maintainers = l.items.compactMap { item in
                guard case .map(let mm) = item else { return nil }
                return Metadata.Maintainer(name: string(mm.entries["name"]), email: string(mm.entries["email"]), url: string(mm.entries["url"]))
            }
        }
        if case .list(let l)? = e["dependencies"] {
            md.dependencies = l.items.compactMap { if case .map(let d) = $0 { return parseDependency(d) }; return nil }
        }
        return md
    }

    static func parseDependency(_ d: Map) -> Dependency {
        var dep = Dependency()
        dep.name = string(d.entries["name"]); dep.version = string(d.entries["version"])
        dep.repository = string(d.entries["repository"]); dep.condition = string(d.entries["condition"])
        dep.tags = strings(d.entries["tags"]); dep.alias = string(d.entries["alias"])
        if case .list(let l)? = d.entries["import-values"] { dep.importValues = l.items }
        return dep
    }

    static func validate(_ md: Metadata) throws {
        if md.apiVersion.isEmpty { throw ChartError.validation("chart.metadata.apiVersion is required") }
        if md.name.isEmpty { throw ChartError.validation("chart.metadata.name is required") }
        if md.name == "." || md.name == ".." { throw ChartError.validation("chart.metadata.name \"\(md.name)\" is not allowed") }
        if md.name.contains("/") { throw ChartError.validation("chart.metadata.name \"\(md.name)\" is invalid") }
        if md.version.isEmpty { throw ChartError.validation("chart.metadata.version is required") }
        if (try? Version(md.version)) == nil { throw ChartError.validation("chart.metadata.version \"\(md.version)\" is invalid") }
        if !["", "application", "library"].contains(md.type) {
            throw ChartError.validation("chart.metadata.type must be application or library")
        }
        var seen: Set<String> = []
        for d in md.dependencies {
            let key = d.alias.isEmpty ? d.name : d.alias
            if seen.contains(key) { throw ChartError.validation("more than one dependency with name or alias \"\(key)\"") }
            seen.insert(key)
        }
    }
}

/// .helmignore rules (a subset of .gitignore: globs, trailing / for directories, ! negation),
/// plus Helm's default of ignoring hidden files under templates/.
struct IgnoreRules {
    struct Rule {
        var glob: Glob.Pattern
        var negate: Bool
        var dirOnly: Bool
        /// A pattern with a slash is matched against the whole path, others against the base name.
        var wholePath: Bool
    }
    var rules: [Rule] = []

    static func load(_ root: String) throws -> IgnoreRules {
        var r = IgnoreRules()
        if FileSystem.kind(root + "/.helmignore") == .file {
            for line in try FileSystem.readText(root + "/.helmignore").split(separator: "\n") {
                var p = line.trimmingSpaces
                if p.isEmpty || p.hasPrefix("#") { continue }
                var negate = false
                if p.hasPrefix("!") { negate = true; p.removeFirst() }
                var dirOnly = false
                if p.hasSuffix("/") { dirOnly = true; p.removeLast() }
                r.append(p, negate: negate, dirOnly: dirOnly)
            }
        }
        r.append("templates/.?*", negate: false, dirOnly: false)
        return r
    }

    mutating func append(_ pattern: String, negate: Bool, dirOnly: Bool) {
        let anchored = pattern.hasPrefix("/") ? String(pattern.dropFirst()) : pattern
        rules.append(Rule(glob: Glob.Pattern(anchored), negate: negate, dirOnly: dirOnly, wholePath: pattern.contains("/")))
    }

    func ignores(_ path: String, isDir: Bool) -> Bool {
        if path == "." || path.isEmpty { return false }
        let whole = Array(path.unicodeScalars)
        let base = whole.lastIndex(of: "/").map { Array(whole[($0 + 1)...]) } ?? whole
        var ignored = false
        for rule in rules {
            if rule.dirOnly && !isDir { continue }
            if rule.glob.matches(rule.wholePath ? whole : base) { ignored = !rule.negate }
        }
        return ignored
    }
}

/// filepath.Match-style globbing: `*` (not across /), `?`, `[...]`; `**` matches across /.
/// Works on Unicode scalars, as Go's matcher works on runes.
public enum Glob {
    public static func match(_ pattern: String, _ name: String) -> Bool {
        Pattern(pattern).matches(name)
    }

    /// A pattern read once, matched against many names.
    public struct Pattern: Sendable {
        let p: [Unicode.Scalar]
        public init(_ pattern: String) { p = Array(pattern.unicodeScalars) }
        public func matches(_ name: String) -> Bool { matches(Array(name.unicodeScalars)) }
        func matches(_ s: [Unicode.Scalar]) -> Bool { Glob.match(p, 0, s, 0) }
    }

    static func match(_ p: [Unicode.Scalar], _ pi: Int, _ s: [Unicode.Scalar], _ si: Int) -> Bool {
        var pi = pi, si = si
        while pi < p.count {
            let c = p[pi]
            if c == "*" {
                let double = pi + 1 < p.count && p[pi + 1] == "*"
                let next = double ? pi + 2 : pi + 1
                var k = si
                while true {
                    if match(p, next, s, k) { return true }
                    if k >= s.count || (!double && s[k] == "/") { return false }
                    k += 1
                }
            }
            guard si < s.count else { return false }
            if c == "?" {
                if s[si] == "/" { return false }
            } else if c == "[" {
                guard let close = p[(pi + 1)...].firstIndex(of: "]") else { return false }
                var set = p[(pi + 1)..<close]
                var neg = false
                if set.first == "^" || set.first == "!" { neg = true; set = set.dropFirst() }
                var found = false
                var k = set.startIndex
                while k < set.endIndex {
                    if k + 2 < set.endIndex && set[k + 1] == "-" {
                        if set[k] <= s[si] && s[si] <= set[k + 2] { found = true }
                        k += 3
                    } else {
                        if set[k] == s[si] { found = true }
                        k += 1
                    }
                }
                if found == neg { return false }
                pi = close
            } else if c == "\\" && pi + 1 < p.count {
                pi += 1
                if p[pi] != s[si] { return false }
            } else if c != s[si] {
                return false
            }
            pi += 1; si += 1
        }
        return si == s.count
    }
}

extension Substring {
    var trimmingSpaces: String {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
