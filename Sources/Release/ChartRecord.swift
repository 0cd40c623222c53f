import Values
import Chart
import Crypto

/// A chart as Helm's release records hold it: `metadata`, `lock`, `templates`, `values`,
/// `schema`, `files` (subcharts are not part of a record, as in Helm).
public enum ChartRecord {
    /// `processed`: the chart after its dependencies were processed for a release (disabled ones
    /// dropped, import-values merged), which helm records with each dependency's `enabled`.
    public static func encode(_ c: Chart, processed: Bool = false) -> Map {
        var e: [String: Value] = [
            "metadata": .map(metadata(c.metadata, processed: processed)),
            "lock": .null,
            "templates": .list(c.templates.map(file)),
            "values": .map(c.values),
            "files": .list(c.files.map(file)),
        ]
        if let s = c.schema { e["schema"] = .string(Base64.encode(s)) }
        return Map(e)
    }

    static func file(_ f: Chart.File) -> Value { .map(["name": .string(f.name), "data": .string(Base64.encode(f.data))]) }

    /// Chart.yaml's fields under Go's JSON names, empty ones left out (omitempty).
    static func metadata(_ m: Metadata, processed: Bool = false) -> Map {
        var e: [String: Value] = [:]
        func put(_ k: String, _ s: String) { if !s.isEmpty { e[k] = .string(s) } }
        func putList(_ k: String, _ l: [String]) { if !l.isEmpty { e[k] = .list(l.map { .string($0) }) } }
        put("name", m.name); put("home", m.home); putList("sources", m.sources); put("version", m.version)
        put("description", m.description); putList("keywords", m.keywords)
        if !m.maintainers.isEmpty {
            e["maintainers"] = .list(m.maintainers.map { mt in
                var x: [String: Value] = [:]
                if !mt.name.isEmpty { x["name"] = .string(mt.name) }
                if !mt.email.isEmpty { x["email"] = .string(mt.email) }
                if !mt.url.isEmpty { x["url"] = .string(mt.url) }
                return .map(Map(x))
            })
        }
        put("icon", m.icon); put("apiVersion", m.apiVersion); put("condition", m.condition); put("tags", m.tags)
        put("appVersion", m.appVersion)
        if m.deprecated { e["deprecated"] = .bool(true) }
        if !m.annotations.isEmpty { e["annotations"] = .map(Map(m.annotations.mapValues { .string($0) })) }
        put("kubeVersion", m.kubeVersion)
        if !m.dependencies.isEmpty {
            e["dependencies"] = .list(m.dependencies.map { d in
                var x: [String: Value] = ["name": .string(d.name)]
                if !d.version.isEmpty { x["version"] = .string(d.version) }
                if !d.repository.isEmpty { x["repository"] = .string(d.repository) }
                if !d.condition.isEmpty { x["condition"] = .string(d.condition) }
                if !d.tags.isEmpty { x["tags"] = .list(d.tags.map { .string($0) }) }
                if !d.importValues.isEmpty { x["import-values"] = .list(d.importValues) }
                if !d.alias.isEmpty { x["alias"] = .string(d.alias) }
                if processed { x["enabled"] = .bool(d.enabled) }
                return .map(Map(x))
            })
        }
        put("type", m.type)
        return Map(e)
    }

    /// A digest of what decides a release's content: chart metadata, templates, default values,
    /// files and schema, and the user's values. Modification times are left out, so a record
    /// written by Helm and one written by hrctl for the same chart and values agree.
    public static func digest(chart: Map, config: Map) -> String {
        var h = SHA256()
        func add(_ v: Value?) {
            let s = (v.flatMap { try? JSONEncoding.encode($0) }) ?? "null"
            h.update(data: Array(s.utf8)); h.update(data: [0])
        }
        add(chart.entries["metadata"])
        for key in ["templates", "files"] {
            if case .list(let l)? = chart.entries[key] {
                for f in l.items { if case .map(let m) = f { add(m.entries["name"]); add(m.entries["data"]) } }
            }
            h.update(data: [1])
        }
        add(chart.entries["values"])
        add(chart.entries["schema"] ?? .null)
        add(.map(config))
        return h.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// A digest of the subcharts' contents, which Helm's records do not hold.
    public static func subchartDigest(_ c: Chart) -> String {
        var h = SHA256()
        func visit(_ c: Chart) {
            for d in c.dependencies {
                h.update(data: Array(digest(chart: encode(d), config: Map([:])).utf8))
                visit(d)
            }
        }
        visit(c)
        return h.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
