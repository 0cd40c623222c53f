import ArgumentParser
import Values
import YAML
import Release
import Actions
import GoTemplate

/// `hrctl get all|values|manifest|hooks|notes|metadata NAME`, as `helm get`.
struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "download extended information of a named release")

    enum What: String, ExpressibleByArgument, CaseIterable { case all, values, manifest, notes, hooks, metadata }

    @Argument(help: "all, values, manifest, notes, hooks or metadata.") var what: What
    @Argument(help: "RELEASE_NAME", completion: ClusterCompletion.releases) var name: String
    @OptionGroup var cluster: GlobalOptions
    @Option(name: .long, help: "get the named release with revision") var revision: Int?
    @Flag(name: [.short, .long], help: "values: dump all (computed) values") var all = false
    @Option(name: .long, help: "all: go template for formatting the output, eg: {{.Release.Name}}") var template: String?
    @Option(name: [.short, .long], help: "values and metadata: table (yaml), json or yaml") var output = "table"

    func run() async throws {
        let r = try await cluster.withContext { ctx, access -> Release in
            let history = try await ctx.storage.history(name, namespace: access.namespace)
            ctx.warnReadOnly(name, history)
            if let revision {
                guard let r = history.first(where: { $0.version == revision }) else { throw ActionError.revisionNotFound(name, revision) }
                return r
            }
            guard let r = history.last else { throw ActionError.releaseNotFound(name, namespace: access.namespace) }
            return r
        }
        let format = try OutputFormat.parse(output)
        switch what {
        case .values:
            let v = all ? Self.computedValues(r) : r.config
            if format == .table {
                let text = try OutputFormat.yaml.encode(.map(v))
                Output.write(Array(((all ? "COMPUTED VALUES:\n" : "USER-SUPPLIED VALUES:\n") + (v.entries.isEmpty ? "null\n" : text)).utf8))
            } else {
                Output.write(Array(try format.encode(.map(v)).utf8))
            }
        // helm prints both with Println: a newline after the stored text.
        case .manifest: Output.write(Array((r.manifest + "\n").utf8))
        case .notes: Output.write(Array(("NOTES:\n" + r.info.notes + "\n").utf8))
        case .hooks: Output.write(Array(Self.hooksText(r).utf8))
        case .metadata:
            // helm reads a named revision by Get (its custom labels), the latest by Query (all).
            var r = r
            if revision != nil { r.labels = ReleaseLabels.custom(r.labels) }
            Output.write(Array(try Self.metadata(r, format).utf8))
        case .all:
            if let template {
                let set = TemplateSet()
                try set.parse(name: "all", text: template)
                var out: [UInt8] = []
                try set.execute("all", data: .map(["Release": Self.goRelease(r)]), output: &out)
                Output.write(out)
                return
            }
            Output.write(Array(Self.allText(r).utf8))
        }
    }

    static func hooksText(_ r: Release) -> String {
        var s = ""
        for case .map(let m) in r.hooks {
            s += "---\n# Source: \(m.entries["path"]?.stringValue ?? "")\n\(m.entries["manifest"]?.stringValue ?? "")\n"
        }
        return s
    }

    /// helm's statusPrinter with metadata and debug: the status head, CHART/VERSION/APP_VERSION,
    /// both value sets, hooks and manifest, notes.
    static func allText(_ r: Release) -> String {
        var s = "NAME: \(r.name)\n"
        if !r.info.lastDeployed.isEmpty { s += "LAST DEPLOYED: \(TimeText.ansic(r.info.lastDeployed))\n" }
        s += "NAMESPACE: \(r.namespace)\nSTATUS: \(r.info.status.rawValue)\nREVISION: \(r.version)\n"
        s += "CHART: \(r.chartName)\nVERSION: \(r.chartVersion)\nAPP_VERSION: \(r.appVersion)\n"
        s += "DESCRIPTION: \(r.info.description)\n"
        s += StatusPrinter(release: r).testSuite()
        s += "USER-SUPPLIED VALUES:\n" + ((try? OutputFormat.yaml.encode(.map(r.config))) ?? "") + "\n"
        s += "COMPUTED VALUES:\n" + ((try? OutputFormat.yaml.encode(.map(computedValues(r)))) ?? "") + "\n"
        s += "HOOKS:\n" + hooksText(r) + "MANIFEST:\n\(r.manifest)\n"
        let notes = StatusPrinter.trimSpace(r.info.notes)
        if !notes.isEmpty { s += "NOTES:\n\(notes)\n" }
        return s
    }

    /// helm get metadata: the chart's identity and the record's (labels as read, sorted).
    static func metadata(_ r: Release, _ format: OutputFormat) throws -> String {
        var meta = Map([:])
        if case .map(let m)? = r.chart.entries["metadata"] { meta = m }
        var annotations: [(String, String)] = []
        if case .map(let a)? = meta.entries["annotations"] { annotations = a.entries.compactMap { k, v in v.stringValue.map { (k, $0) } }.sorted { $0.0 < $1.0 } }
        let labels = r.labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        var deps: [Value] = []
        if case .list(let l)? = meta.entries["dependencies"] { deps = l.items }
        let deployedAt = TimeText.goTime(r.info.lastDeployed)?.format("2006-01-02T15:04:05Z07:00") ?? r.info.lastDeployed
        if format == .table {
            var s = "NAME: \(r.name)\nCHART: \(r.chartName)\nVERSION: \(r.chartVersion)\nAPP_VERSION: \(r.appVersion)\n"
            s += "ANNOTATIONS: " + annotations.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "\n"
            s += "LABELS: " + labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "\n"
            s += "DEPENDENCIES: " + deps.compactMap { d -> String? in if case .map(let m) = d { return m.entries["name"]?.stringValue }; return nil }.joined(separator: ",") + "\n"
            s += "NAMESPACE: \(r.namespace)\nREVISION: \(r.version)\nSTATUS: \(r.info.status.rawValue)\nDEPLOYED_AT: \(deployedAt)\n"
            s += "APPLY_METHOD: \(r.applyMethod == "ssa" ? "server-side apply" : "client-side apply")\n"
            return s
        }
        let v: Value = .map(Map([
            "name": .string(r.name), "chart": .string(r.chartName), "version": .string(r.chartVersion), "appVersion": .string(r.appVersion),
            "annotations": .map(Map(Dictionary(uniqueKeysWithValues: annotations.map { ($0.0, Value.string($0.1)) }))),
            "labels": .map(Map(Dictionary(uniqueKeysWithValues: labels.map { ($0.0, Value.string($0.1)) }))),
            "dependencies": .list(deps), "namespace": .string(r.namespace), "revision": .int(Int64(r.version)),
            "status": .string(r.info.status.rawValue), "deployedAt": .string(deployedAt), "applyMethod": .string(r.applyMethod),
        ]))
        return try format.encode(v)
    }

    /// The release as Go templates see helm's struct (exported field names).
    static func goRelease(_ r: Release) -> Value {
        var meta = Map([:])
        if case .map(let m)? = r.chart.entries["metadata"] { meta = m }
        let goMeta = Map(Dictionary(uniqueKeysWithValues: meta.entries.map { (k, v) in (k.prefix(1).uppercased() + k.dropFirst(), v) }))
        var chart: [String: Value] = ["Metadata": .map(goMeta)]
        if case .map(let v)? = r.chart.entries["values"] { chart["Values"] = .map(v) }
        let info: [String: Value] = ["FirstDeployed": .string(r.info.firstDeployed), "LastDeployed": .string(r.info.lastDeployed),
                                     "Deleted": .string(r.info.deleted), "Description": .string(r.info.description),
                                     "Status": .string(r.info.status.rawValue), "Notes": .string(r.info.notes)]
        return .map(Map(["Name": .string(r.name), "Namespace": .string(r.namespace), "Version": .int(Int64(r.version)),
                         "Manifest": .string(r.manifest), "Config": .map(r.config), "Info": .map(Map(info)), "Chart": .map(Map(chart)),
                         "ApplyMethod": .string(r.applyMethod)]))
    }

    /// User values over the chart's defaults (a plain deep merge; null entries delete).
    static func computedValues(_ r: Release) -> Map {
        guard case .map(let defaults)? = r.chart.entries["values"] else { return r.config }
        return mergedValues(defaults, r.config)
    }

    static func mergedValues(_ defaults: Map, _ user: Map) -> Map {
        let out = Map(defaults.entries)
        for (k, v) in user.entries {
            if case .null = v { out.entries[k] = nil; continue }
            if case .map(let um) = v, case .map(let dm)? = out.entries[k] { out.entries[k] = .map(mergedValues(dm, um)) } else { out.entries[k] = v }
        }
        return out
    }
}
