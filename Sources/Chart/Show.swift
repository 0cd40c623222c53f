import Values
import YAML

/// `helm show chart|values|readme|crds|all`: what a chart says about itself, in Helm's layout.
public enum ChartShow {
    public enum Part: String, CaseIterable, Sendable { case all, chart, values, readme, crds }

    /// Helm prints each part followed by a newline, and separates the parts of `all` with `---`
    /// (each CRD file gets one unless it starts with one).
    public static func text(_ chart: Chart, part: Part) throws -> String {
        var out = ""
        if part == .chart || part == .all {
            out += try metadataYAML(chart.metadata) + "\n"
        }
        if part == .values || part == .all, let raw = chart.rawValues {
            if part == .all { out += "---\n" }
            out += String(decoding: raw, as: UTF8.self) + "\n"
        }
        if part == .readme || part == .all, let readme = readme(chart) {
            if part == .all { out += "---\n" }
            out += readme.text + "\n"
        }
        if part == .crds || part == .all {
            // Helm v4 starts every CRD that does not start with a separator with one.
            for c in chart.crdObjects {
                if !c.text.hasPrefix("---") { out += "---\n" }
                out += c.text + "\n"
            }
        }
        return out
    }

    /// The first top-level file named README.md, README.txt or README, in any case.
    static func readme(_ chart: Chart) -> Chart.File? {
        chart.files.first { ["readme.md", "readme.txt", "readme"].contains($0.name.lowercased()) }
    }

    /// Chart.yaml as Helm marshals its Metadata: JSON field names, empty fields left out, keys sorted.
    public static func metadataYAML(_ md: Metadata) throws -> String {
        try YAMLWriter.marshal(metadataValue(md))
    }

    public static func metadataValue(_ md: Metadata) -> Value {
        var e: [String: Value] = [:]
        func put(_ k: String, _ v: String) { if !v.isEmpty { e[k] = .string(v) } }
        func put(_ k: String, _ v: [String]) { if !v.isEmpty { e[k] = .list(v.map { .string($0) }) } }
        put("name", md.name); put("home", md.home); put("sources", md.sources); put("version", md.version)
        put("description", md.description); put("keywords", md.keywords); put("icon", md.icon)
        put("apiVersion", md.apiVersion); put("condition", md.condition); put("tags", md.tags)
        put("appVersion", md.appVersion); put("kubeVersion", md.kubeVersion); put("type", md.type)
        if md.deprecated { e["deprecated"] = .bool(true) }
        if !md.annotations.isEmpty { e["annotations"] = .map(md.annotations.mapValues { .string($0) }) }
        if !md.maintainers.isEmpty {
            e["maintainers"] = .list(md.maintainers.map { m in
                var o: [String: Value] = [:]
                if !m.name.isEmpty { o["name"] = .string(m.name) }
                if !m.email.isEmpty { o["email"] = .string(m.email) }
                if !m.url.isEmpty { o["url"] = .string(m.url) }
                return .map(o)
            })
        }
        if !md.dependencies.isEmpty {
            e["dependencies"] = .list(md.dependencies.map { d in
                var o: [String: Value] = [:]
                // name and repository are written even when empty, as Helm's JSON tags say.
                o["name"] = .string(d.name)
                if !d.version.isEmpty { o["version"] = .string(d.version) }
                o["repository"] = .string(d.repository)
                if !d.condition.isEmpty { o["condition"] = .string(d.condition) }
                if !d.tags.isEmpty { o["tags"] = .list(d.tags.map { .string($0) }) }
                if !d.importValues.isEmpty { o["import-values"] = .list(d.importValues) }
                if !d.alias.isEmpty { o["alias"] = .string(d.alias) }
                return .map(o)
            })
        }
        return .map(e)
    }
}
