import Values

/// A loaded chart: its Chart.yaml, default values, templates, other files and subcharts,
/// as Helm's chart.Chart holds them. Knows nothing of clusters.
public final class Chart: @unchecked Sendable {
    public var metadata: Metadata
    /// values.yaml as read (nil when absent or empty).
    public var values: Map
    public var templates: [File]
    /// Every other file of the chart (for .Files), excluding templates, charts/ and Chart.yaml.
    public var files: [File]
    public var schema: [UInt8]?
    /// values.yaml's bytes as written (`helm show values` prints the file, comments and all).
    public var rawValues: [UInt8]?
    public var dependencies: [Chart] = []
    public weak var parent: Chart?
    /// Where the chart was loaded from (for messages).
    public var source: String

    public struct File: Sendable {
        public let name: String
        public let data: [UInt8]
        public init(name: String, data: [UInt8]) { self.name = name; self.data = data }
        public var text: String { String(decoding: data, as: UTF8.self) }
    }

    public init(metadata: Metadata, values: Map, templates: [File], files: [File], source: String) {
        self.metadata = metadata; self.values = values; self.templates = templates; self.files = files; self.source = source
    }

    public var name: String { metadata.name }
    public var isRoot: Bool { parent == nil }
    public var isLibrary: Bool { metadata.type == "library" }

    /// Only application charts install: template, install, upgrade and apply refuse a library
    /// chart with helm's words (its checkIfInstallable).
    public func checkInstallable() throws {
        if isLibrary { throw ChartError("library charts are not installable") }
    }

    /// "parent/charts/child" as Helm names template paths.
    public var fullPath: String {
        if let p = parent { return p.fullPath + "/charts/" + name }
        return name
    }

    /// Files under crds/ with a manifest extension, of this chart then its subcharts, named
    /// with the chart path ("parent/charts/sub/crds/x.yaml").
    public var crdObjects: [File] {
        var out: [File] = []
        for f in files where f.name.hasPrefix("crds/") && (f.name.hasSuffix(".yaml") || f.name.hasSuffix(".yml") || f.name.hasSuffix(".json")) {
            out.append(File(name: fullPath + "/" + f.name, data: f.data))
        }
        for d in dependencies { out += d.crdObjects }
        return out
    }

    /// A copy of the chart tree, subcharts included (a dependency aliased twice is two charts,
    /// each renamed and given its own dependencies). The contents are shared: values, templates
    /// and files are only ever replaced, never changed in place, and an umbrella of a hundred
    /// aliases held a hundred copies of the same values.
    public func copyTree() -> Chart {
        let c = Chart(metadata: metadata, values: values, templates: templates, files: files, source: source)
        c.schema = schema
        c.rawValues = rawValues
        for d in dependencies { c.addDependency(d.copyTree()) }
        return c
    }

    public func addDependency(_ c: Chart) {
        c.parent = self
        dependencies.append(c)
    }
}

/// Chart.yaml.
public struct Metadata: Sendable {
    public var name = ""
    public var home = ""
    public var sources: [String] = []
    public var version = ""
    public var description = ""
    public var keywords: [String] = []
    public var maintainers: [Maintainer] = []
    public var icon = ""
    public var apiVersion = ""
    public var condition = ""
    public var tags = ""
    public var appVersion = ""
    public var deprecated = false
    public var annotations: [String: String] = [:]
    public var kubeVersion = ""
    public var dependencies: [Dependency] = []
    public var type = ""

    public struct Maintainer: Sendable { public var name = "", email = "", url = "" }

    public init() {}
}

/// A dependency entry of Chart.yaml (or requirements.yaml).
public struct Dependency: Sendable {
    public var name = ""
    public var version = ""
    public var repository = ""
    public var condition = ""
    public var tags: [String] = []
    public var enabled = true
    public var importValues: [Value] = []
    public var alias = ""
    public init() {}
}
