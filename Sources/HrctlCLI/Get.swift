import ArgumentParser
import Values
import YAML
import Release
import Actions

/// `hrctl get values|manifest|notes|all NAME`.
struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show a release's values, manifest or notes.")

    enum What: String, ExpressibleByArgument, CaseIterable { case values, manifest, notes, hooks }

    @Argument(help: "values, manifest, notes or hooks.") var what: What
    @Argument(help: "Release name.", completion: ClusterCompletion.releases) var name: String
    @OptionGroup var cluster: ClusterOptions
    @Option(name: .long, help: "This revision instead of the latest.") var revision: Int?
    @Flag(name: [.short, .long], help: "values: the computed values (chart defaults included).") var all = false
    @Option(name: [.short, .long], help: "values: yaml or json.") var output = "yaml"

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
        switch what {
        case .values:
            var v = r.config
            if all, case .map(let defaults)? = r.chart.entries["values"] {
                v = mergedValues(defaults, r.config)
            }
            let format = try OutputFormat.parse(output == "table" ? "yaml" : output)
            var text = try format.encode(.map(v))
            if format == .yaml && !all { text = "USER-SUPPLIED VALUES:\n" + (v.entries.isEmpty ? "null\n" : text) }
            Output.write(Array(text.utf8))
        // helm prints both with Println: a newline after the stored text.
        case .manifest: Output.write(Array((r.manifest + "\n").utf8))
        case .notes: Output.write(Array(("NOTES:\n" + r.info.notes + "\n").utf8))
        case .hooks:
            var s = ""
            for h in r.hooks {
                guard case .map(let m) = h else { continue }
                s += "---\n# Source: \(m.entries["path"]?.stringValue ?? "")\n\(m.entries["manifest"]?.stringValue ?? "")\n"
            }
            Output.write(Array(s.utf8))
        }
    }

    /// User values over the chart's defaults (a plain deep merge; null entries delete).
    func mergedValues(_ defaults: Map, _ user: Map) -> Map {
        let out = Map(defaults.entries)
        for (k, v) in user.entries {
            if case .null = v { out.entries[k] = nil; continue }
            if case .map(let um) = v, case .map(let dm)? = out.entries[k] { out.entries[k] = .map(mergedValues(dm, um)) } else { out.entries[k] = v }
        }
        return out
    }
}
