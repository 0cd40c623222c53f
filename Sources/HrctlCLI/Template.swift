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

    @Argument(help: "Release name (default: release-name).")
    var release: String?

    @Argument(help: "Chart folder or packaged .tgz, REPO/NAME, NAME with --repo, or oci://HOST/PATH/NAME.")
    var chart: String?

    @OptionGroup var chartPath: ChartPathOptions

    /// `helm template NAME CHART -f values.yaml` is how Helm users type it, so with RELEASE and
    /// CHART given, `-f` files are values files (before any --values); alone, a HelmRelease file.
    @Option(name: [.short, .customLong("filename")],
            help: "A HelmRelease document (or a file of them) to render instead; with RELEASE and CHART, a values file as in helm (repeatable).")
    var filenames: [String] = []

    var filename: String? { chart == nil ? filenames.first : nil }

    @OptionGroup var values: ValueOptions
    @OptionGroup var releaseOptions: ReleaseOptions
    var sources: SourceOptions { chartPath.sources }

    @Flag(name: [.customShort("g"), .customLong("generate-name")], help: "generate the name (and omit the NAME parameter)")
    var generateName = false

    @Option(name: .customLong("name-template"), help: "specify template used to name the release")
    var nameTemplate: String?

    @Flag(name: .customLong("skip-tests"), help: "skip tests from templated output")
    var skipTests = false

    @Flag(name: .customLong("skip-crds"), help: "if set, no CRDs will be installed (template: left out even with --include-crds)")
    var skipCRDs = false

    @Flag(name: .customLong("skip-schema-validation"), help: "if set, disables JSON schema validation")
    var skipSchemaValidation = false

    @Flag(name: .customLong("dependency-update"), help: "update dependencies if they are missing before installing the chart")
    var dependencyUpdate = false

    @OptionGroup var dryRun: DryRunOption

    @Flag(name: .customLong("validate"), help: "validate your manifests against the Kubernetes cluster you are currently pointing at (its version is .Capabilities.KubeVersion)")
    var validateWithCluster = false

    @Flag(name: .customLong("disable-openapi-validation"), help: "accepted: hrctl does no client-side OpenAPI validation")
    var disableOpenAPIValidation = false

    @Option(name: .customLong("output-dir"), help: "writes the executed templates to files in output-dir instead of stdout")
    var outputDir: String?
    @Flag(name: .customLong("release-name"), help: "use release name in the output-dir path.")
    var useReleaseName = false

    /// helm's addInstallFlags, which template shares with install: release-writing flags are
    /// checked as install checks them and, as in helm's client-side render, change no output.
    @OptionGroup var writing: ReleaseWriteFlags
    @Flag(name: .long, help: "reuse the given name, only if that name is a deleted release which remains in the history (template: always, no name is checked)")
    var replace = false
    @Flag(name: .customLong("enable-dns"), help: "enable DNS lookups when rendering templates")
    var enableDNS = false
    @OptionGroup var postRender: PostRendererOptions
    @OptionGroup var renderLimits: RenderLimitOptions

    @Flag(name: .customLong("no-hooks"), help: "Leave hooks out of the output.")
    var noHooks = false

    @Flag(name: .customLong("include-crds"), help: "Include the chart's CRDs (crds/) in the output.")
    var includeCRDs = false

    @Option(name: [.short, .customLong("show-only")], help: "Only show manifests rendered from these templates (repeatable; globs allowed).")
    var showOnly: [String] = []

    mutating func validate() throws {
        // helm template [NAME] CHART: one argument is the chart (named by the flags, else release-name).
        if release != nil && chart == nil && (filenames.isEmpty || generateName || nameTemplate != nil) {
            chart = release
            release = nil
        }
        if chart != nil {
            values.values.insert(contentsOf: filenames, at: 0)
            if release == nil {
                if let nameTemplate { release = try InstallNaming.render(nameTemplate) }
                else if generateName, let c = chart { release = try InstallNaming.nameAndChart([c], generateName: true, nameTemplate: nil, command: "template").0 }
                else { release = "release-name" }
            }
        } else if filenames.count > 1 {
            throw ValidationError("give one HelmRelease file with -f (or RELEASE and CHART with -f values files)")
        }
        if outputDir != nil { throw CLIError.unsupported("template --output-dir: the manifests are written to standard output") }
        try writing.applyMethod.checkServerSide(.boolean)

        if filename == nil && chart == nil {
            throw CLIError.arguments("\"\(Hrctl.programName) template\" requires at least 1 argument", usage: "\(Hrctl.programName) template [NAME] [CHART] [flags]")
        }
    }

    func run() async throws {
        try renderLimits.apply()
        if let filename {
            var out = ""
            let fetcher = try sources.fetcher()
            // Rendering needs no cluster: values from ConfigMaps and Secrets are not available.
            let inputs = ReleaseInputs(fetcher: fetcher, client: nil)
            for r in try ReleaseDocuments.load([filename], selector: nil) {
                var options = releaseOptions.renderOptions(release: r.releaseName)
                options.namespace = r.targetNamespace
                options.enableDNS = enableDNS
                let chart = try await inputs.chart(r)
                let user = try await inputs.values(r, chart: chart)
                out += try render(chart: chart, user: try values.userValues(base: user), options: options)
            }
            await fetcher.shutdown()
            Output.write(Array(out.utf8))
            return
        }
        // CHART as helm template takes it: a folder or archive, REPO/NAME, NAME with --repo, oci://.
        let loaded = try await ChartLoad(global: releaseOptions.global, chartPath: chartPath, dependencyUpdate: dependencyUpdate).loadChart(chart!)
        if skipSchemaValidation { loaded.schema = nil }
        var options = releaseOptions.renderOptions(release: release!)
        options.enableDNS = enableDNS
        if validateWithCluster, let version = try await releaseOptions.global.withContext({ ctx, _ in await ctx.kubeVersion() }) { options.kubeVersion = version }
        let text = try render(chart: loaded, user: try values.userValues(), options: options)
        Output.write(Array(text.utf8))
    }

    func render(chart: Chart, user: Map, options: RenderOptions) throws -> String {
        try chart.checkInstallable()
        let (c, vals) = try Renderer.prepare(chart: chart, user: user)
        let rendered = try Renderer.render(c, values: vals, options: options)
        var (hooks, manifests) = try Manifests.sort(rendered)
        if skipTests { hooks = hooks.filter { !$0.hookEvents.contains("test") && !$0.hookEvents.contains("test-success") } }
        if !postRender.renderers.isEmpty { manifests = try PostRender.run(postRender.renderers, manifests) }
        let crds = includeCRDs && !skipCRDs ? c.crdObjects.map { ($0.name, $0.text) } : []
        var text = Manifests.templateOutput(hooks: hooks, manifests: manifests, includeHooks: !noHooks, crds: crds)
        if !showOnly.isEmpty { text = try Manifests.showOnly(showOnly, from: text) }
        return text
    }
}
