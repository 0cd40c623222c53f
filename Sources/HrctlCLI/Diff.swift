import ArgumentParser
import Actions
import Chart
import HelmRelease

/// `hrctl diff -f FILE`: what apply would change; `--detailed-exitcode` exits 2 when something would.
struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "diff", abstract: "Show what apply would change in the cluster.")

    @Option(name: [.short, .customLong("filename")], help: "HelmRelease file, folder or -.") var filenames: [String] = []
    @Option(name: [.customShort("l"), .customLong("selector")], help: "Only HelmReleases with these labels.") var selector: String?
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var sources: SourceOptions
    @OptionGroup var values: ValueOptions
    @OptionGroup var postRender: PostRendererOptions
    @OptionGroup var crds: CRDOption
    @OptionGroup var renderLimits: RenderLimitOptions
    @Flag(name: .customLong("detailed-exitcode"), help: "Exit 2 when there are changes, 0 when none (as helmfile).") var detailedExitcode = false
    @Flag(name: .customLong("show-secrets"), help: "Show Secret values instead of masking them.") var showSecrets = false

    func validate() throws { if filenames.isEmpty { throw ValidationError("give -f FILE") } }

    func run() async throws {
        try renderLimits.apply()
        let docs = try ReleaseDocuments.load(filenames, selector: selector)
        let overrides = try values.userValues()
        let fetcher = try sources.fetcher()
        let changed = try await cluster.withContext { ctx, _ -> Int in
            var n = 0
            for hr in docs {
                var (spec, opts) = try await ReleaseInputs(fetcher: fetcher, client: ctx.resources.client).spec(hr, overrides: Coalesce.copyMap(overrides))
                spec.postRenderers += postRender.renderers
                try crds.apply(to: &opts)
                let report = try await DiffAction(context: ctx).report(spec, showSecrets: showSecrets, installCRDs: opts.installCRDs, upgradeCRDs: opts.upgradeCRDs)
                let changes = report.changes
                n += changes.count
                var text = ""
                for c in changes { text += "\(c.header)\n\(c.diff)\n" }
                if changes.isEmpty { text = "Release \"\(spec.name)\": no changes.\n" }
                for note in report.notes { text += "Note: \(note).\n" }
                Output.write(Array(text.utf8))
            }
            return n
        }
        await fetcher.shutdown()
        if detailedExitcode && changed > 0 { throw ExitCode(2) }
    }
}
