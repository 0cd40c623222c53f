import ArgumentParser
import Chart
import Engine
import Values
import HelmRelease
import Actions
import ChartSource
import FileIO

/// `hrctl template RELEASE CHART`: renders a chart as `helm template` does.
struct Template: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "template",
        abstract: "Render a chart's templates locally, as 'helm template' does.")

    @Argument(help: "Release name.")
    var release: String?

    @Argument(help: "Chart folder or packaged .tgz, REPO/NAME, NAME with --repo, or oci://HOST/PATH/NAME.")
    var chart: String?

    @Option(name: .customLong("version"), help: "The chart's version (exact or a range) in its repository.")
    var chartVersion: String = ""

    @Option(name: .long, help: "The repository URL to find CHART in.")
    var repo: String?

    /// `helm template NAME CHART -f values.yaml` is how Helm users type it, so with RELEASE and
    /// CHART given, `-f` files are values files (before any --values); alone, a HelmRelease file.
    @Option(name: [.short, .customLong("filename")],
            help: "A HelmRelease document (or a file of them) to render instead; with RELEASE and CHART, a values file as in helm (repeatable).")
    var filenames: [String] = []

    var filename: String? { chart == nil ? filenames.first : nil }

    @OptionGroup var values: ValueOptions
    @OptionGroup var releaseOptions: ReleaseOptions
    @OptionGroup var sources: SourceOptions

    @Flag(name: .customLong("no-hooks"), help: "Leave hooks out of the output.")
    var noHooks = false

    @Flag(name: .customLong("include-crds"), help: "Include the chart's CRDs (crds/) in the output.")
    var includeCRDs = false

    @Option(name: [.short, .customLong("show-only")], help: "Only show manifests rendered from these templates (repeatable; globs allowed).")
    var showOnly: [String] = []

    mutating func validate() throws {
        if chart != nil {
            values.values.insert(contentsOf: filenames, at: 0)
        } else if filenames.count > 1 {
            throw ValidationError("give one HelmRelease file with -f (or RELEASE and CHART with -f values files)")
        }
        if filename == nil && (release == nil || chart == nil) {
            throw ValidationError("give RELEASE and CHART, or -f FILE with a HelmRelease")
        }
    }

    func run() async throws {
        if let filename {
            var out = ""
            let fetcher = try sources.fetcher()
            // Rendering needs no cluster: values from ConfigMaps and Secrets are not available.
            let inputs = ReleaseInputs(fetcher: fetcher, client: nil)
            for r in try ReleaseDocuments.load([filename], selector: nil) {
                var options = releaseOptions.renderOptions(release: r.releaseName)
                options.namespace = r.targetNamespace
                let chart = try await inputs.chart(r)
                let user = try await inputs.values(r, chart: chart)
                out += try render(chart: chart, user: try values.userValues(base: user), options: options)
            }
            await fetcher.shutdown()
            Output.write(Array(out.utf8))
            return
        }
        // CHART as helm template takes it: a folder or archive, REPO/NAME, NAME with --repo, oci://.
        let env = Subprocess.environment
        let located = try await ChartLocator(paths: HelmPaths(environment: env), cache: ChartCache(root: ChartCache.defaultRoot(environment: env)),
                                             options: sources.fetcherOptions(), warn: { Output.error("warning: \($0)\n") })
            .locate(chart!, version: chartVersion, repo: repo)
        let text = try render(chart: try located.load(), user: try values.userValues(), options: releaseOptions.renderOptions(release: release!))
        Output.write(Array(text.utf8))
    }

    func render(chart: Chart, user: Map, options: RenderOptions) throws -> String {
        let (c, vals) = try Renderer.prepare(chart: chart, user: user)
        let rendered = try Renderer.render(c, values: vals, options: options)
        let (hooks, manifests) = try Manifests.sort(rendered)
        let crds = includeCRDs ? c.crdObjects.map { ($0.name, $0.text) } : []
        var text = Manifests.templateOutput(hooks: hooks, manifests: manifests, includeHooks: !noHooks, crds: crds)
        if !showOnly.isEmpty { text = try Manifests.showOnly(showOnly, from: text) }
        return text
    }
}
