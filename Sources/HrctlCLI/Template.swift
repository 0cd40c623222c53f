import ArgumentParser
import Chart
import Engine
import Values

/// `hrctl template RELEASE CHART`: renders a chart as `helm template` does.
struct Template: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render a chart's templates locally, as 'helm template' does.")

    @Argument(help: "Release name.")
    var release: String

    @Argument(help: "Chart directory.")
    var chart: String

    @OptionGroup var values: ValueOptions
    @OptionGroup var releaseOptions: ReleaseOptions

    @Flag(name: .customLong("no-hooks"), help: "Leave hooks out of the output.")
    var noHooks = false

    @Flag(name: .customLong("include-crds"), help: "Include the chart's CRDs (crds/) in the output.")
    var includeCRDs = false

    @Option(name: [.short, .customLong("show-only")], help: "Only show manifests rendered from these templates (repeatable; globs allowed).")
    var showOnly: [String] = []

    func run() throws {
        let (c, vals) = try Renderer.prepare(chartPath: chart, user: try values.userValues())
        let rendered = try Renderer.render(c, values: vals, options: releaseOptions.renderOptions(release: release))
        let (hooks, manifests) = try Manifests.sort(rendered)
        let crds = includeCRDs ? c.crdObjects.map { ($0.name, $0.text) } : []
        var text = Manifests.templateOutput(hooks: hooks, manifests: manifests, includeHooks: !noHooks, crds: crds)
        if !showOnly.isEmpty { text = try Manifests.showOnly(showOnly, from: text) }
        Output.write(Array(text.utf8))
    }
}
