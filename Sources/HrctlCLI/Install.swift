import ArgumentParser
import Values
import Chart
import ChartSource
import Actions
import Release
import FileIO
import GoTemplate
import Sprig
#if canImport(Glibc)
import Glibc
#endif

/// `hrctl install [NAME] [CHART]`, as `helm install`.
struct Install: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "install", abstract: "install a chart")

    @Argument(help: "[NAME] CHART: a release name and a chart reference (REPO/NAME, a path, a URL, oci://…)")
    var args: [String] = []

    @OptionGroup var global: GlobalOptions
    @OptionGroup var flags: InstallFlags

    @Flag(name: [.customShort("g"), .customLong("generate-name")], help: "generate the name (and omit the NAME parameter)")
    var generateName = false

    @Option(name: .customLong("name-template"), help: "specify template used to name the release")
    var nameTemplate: String?

    @Flag(name: .long, help: "reuse the given name, only if that name is a deleted release which remains in the history. This is unsafe in production")
    var replace = false

    func validate() throws { try flags.writing.applyMethod.checkServerSide(.boolean) }

    func run() async throws {
        let (name, chart): (String, String)
        do { (name, chart) = try InstallNaming.nameAndChart(args, generateName: generateName, nameTemplate: nameTemplate, command: "install") }
        catch let e as CLIError { if case .arguments = e { throw e }; throw CLIError.helm("INSTALLATION FAILED: \(e)") }
        let outcome: ApplyOutcome
        do { outcome = try await InstallRun(global: global, flags: flags).run(name: name, chart: chart, mode: .install(replace: replace)) }
        catch { throw CLIError.helm("INSTALLATION FAILED: \(error)") }
        try flags.print(outcome, header: nil)
    }
}

/// Flags install and upgrade share (helm's addInstallFlags and upgrade's own copies of them).
struct InstallFlags: ParsableArguments {
    @OptionGroup var values: ValueOptions
    @OptionGroup var valueFiles: ValuesShorthand
    @OptionGroup var chartPath: ChartPathOptions
    @OptionGroup var writing: ReleaseWriteFlags
    @OptionGroup var dryRun: DryRunOption
    @OptionGroup var output: OutputOption
    @OptionGroup var postRender: PostRendererOptions
    @OptionGroup var crds: CRDOption
    @OptionGroup var renderLimits: RenderLimitOptions

    @Flag(name: .customLong("dependency-update"), help: "update dependencies if they are missing before installing the chart")
    var dependencyUpdate = false
    @Flag(name: .customLong("skip-crds"), help: "if set, no CRDs will be installed. By default, CRDs are installed if not already present")
    var skipCRDs = false
    @Flag(name: .customLong("skip-schema-validation"), help: "if set, disables JSON schema validation")
    var skipSchemaValidation = false
    @Flag(name: .customLong("render-subchart-notes"), help: "if set, render subchart notes along with the parent")
    var renderSubchartNotes = false
    @Flag(name: .customLong("hide-notes"), help: "if set, do not show notes in install output. Does not affect presence in chart metadata")
    var hideNotes = false
    @Flag(name: .customLong("hide-secret"), help: "hide Kubernetes Secrets when also using the --dry-run flag")
    var hideSecret = false
    @Flag(name: .customLong("enable-dns"), help: "enable DNS lookups when rendering templates")
    var enableDNS = false
    @Flag(name: .customLong("disable-openapi-validation"), help: "if set, the installation process will not validate rendered templates against the Kubernetes OpenAPI Schema (hrctl validates by the API server's own apply)")
    var disableOpenAPIValidation = false
    @Flag(name: .customLong("no-hooks"), help: "prevent hooks from running during install")
    var noHooks = false

    func validate() throws {
        var probe = DeployOptions()
        try crds.apply(to: &probe, skipCRDs: skipCRDs)
        if hideSecret && dryRun.dryRun == nil { throw CLIError.helm("hiding Kubernetes secrets requires a dry-run mode") }
        if renderSubchartNotes { throw CLIError.unsupported("--render-subchart-notes: only the parent chart's NOTES.txt is rendered") }
    }

    /// `serverSide`: how the command reads --server-side (install's boolean is checked as the
    /// flag is parsed, upgrade's method as the upgrade runs, as helm does).
    func deployOptions(_ global: GlobalOptions, serverSide: ApplyMethodOptions.Kind) throws -> DeployOptions {
        var opts = DeployOptions()
        opts.maxHistory = global.maxHistory
        try writing.apply(to: &opts, serverSide: serverSide)
        try dryRun.apply(to: &opts)
        opts.noHooks = noHooks
        opts.enableDNS = enableDNS
        try crds.apply(to: &opts, skipCRDs: skipCRDs)
        return opts
    }

    /// Prints what helm prints after an install or upgrade; `header` is upgrade's first line
    /// (table output only, as helm).
    func print(_ outcome: ApplyOutcome, header: String?) throws {
        let printer = StatusPrinter(release: outcome.release, hideNotes: hideNotes, hideSecret: hideSecret)
        let format = try output.format()
        if format == .table {
            Output.write(Array(((header ?? "") + printer.table()).utf8))
        } else {
            Output.write(Array(try format.encode(printer.value(withChart: true)).utf8))
        }
    }
}

/// The one route from a command line to a release, for install and upgrade (helm's runInstall
/// and upgrade's RunE): the chart located and loaded, values merged, the action run.
struct InstallRun {
    let global: GlobalOptions
    let flags: InstallFlags

    func run(name: String, chart reference: String, mode: DeployOptions.Mode, valueReuse: ValueReuse = .unlessGiven,
             maxHistory: Int? = nil, cleanupOnFail: Bool = false) async throws -> ApplyOutcome {
        try flags.renderLimits.apply()
        var serverSide = ApplyMethodOptions.Kind.method
        if case .install = mode { serverSide = .boolean }
        var opts = try flags.deployOptions(global, serverSide: serverSide)
        opts.cleanupOnFail = cleanupOnFail
        opts.mode = mode
        opts.valueReuse = valueReuse
        if let maxHistory { opts.maxHistory = maxHistory }
        let chart = try await loadChart(reference)
        let values = try flags.values.userValues(files: flags.valueFiles.files)
        if flags.skipSchemaValidation { chart.schema = nil }
        return try await global.withContext(quiet: true) { ctx, access in
            var spec = ReleaseSpec(name: name, namespace: access.namespace, chart: chart, values: values)
            spec.chartSource = reference
            spec.postRenderers = flags.postRender.renderers
            return try await ApplyAction(context: ctx).run(spec, opts)
        }
    }

    func loadChart(_ reference: String) async throws -> Chart {
        try await ChartLoad(global: global, chartPath: flags.chartPath, dependencyUpdate: flags.dependencyUpdate).loadChart(reference)
    }
}

/// A chart as install, upgrade and template take it: located, its missing dependencies
/// fetched with --dependency-update, and checked as installable.
struct ChartLoad {
    let global: GlobalOptions
    let chartPath: ChartPathOptions
    let dependencyUpdate: Bool

    func loadChart(_ reference: String) async throws -> Chart {
        let located = try await chartPath.locate(reference, global)
        if dependencyUpdate, let dir = located.localPath, FileSystem.kind(dir) == .directory {
            let manager = DependencyCommand.manager(chartPath.sources.fetcherOptions(), global.environment)
            if (try? Dependencies.check(try located.load())) == nil { try await manager.update(dir) }
        }
        let chart = try located.load()
        try chart.checkInstallable()
        try Dependencies.check(chart)
        return chart
    }
}

/// Release names as helm takes and makes them.
enum InstallNaming {
    /// helm's ValidateReleaseName: a DNS-1123 subdomain of at most 53 characters.
    static func validate(_ name: String) throws {
        let ok = !name.isEmpty && name.count <= 53 && name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard let first = label.first, let last = label.last else { return false }
            func alnum(_ c: Character) -> Bool { c.isASCII && (c.isLowercase || c.isNumber) }
            return alnum(first) && alnum(last) && label.allSatisfy { alnum($0) || $0 == "-" }
        }
        if !ok {
            throw CLIError.helm("release name \"\(name)\": invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53")
        }
    }

    /// helm install's NAME and CHART from its arguments (action.Install.NameAndChart).
    static func nameAndChart(_ args: [String], generateName: Bool, nameTemplate: String?, command: String) throws -> (String, String) {
        if args.isEmpty { throw CLIError.arguments("\"\(Hrctl.programName) \(command)\" requires at least 1 argument", usage: "\(Hrctl.programName) \(command) [NAME] [CHART] [flags]") }
        if args.count > 2 { throw CLIError.helm("expected at most two arguments, unexpected arguments: \(args.dropFirst(2).joined(separator: ", "))") }
        if args.count == 2 {
            if generateName { throw CLIError.helm("cannot set --generate-name and also specify a name") }
            if nameTemplate != nil { throw CLIError.helm("cannot set --name-template and also specify a name") }
            try validate(args[0])
            return (args[0], args[1])
        }
        if let nameTemplate {
            let name = try render(nameTemplate)
            try validate(name)
            return (name, args[0])
        }
        guard generateName else { throw CLIError.helm("must either provide a name or specify --generate-name") }
        // helm: the chart's base name up to its first dot, and the Unix time.
        var base = Files.baseName(args[0])
        if base == "." || base.isEmpty { base = "chart" }
        if let dot = base.firstIndex(of: ".") { base = String(base[..<dot]) }
        return ("\(base)-\(time(nil))", args[0])
    }

    /// --name-template, rendered with Sprig's functions as helm renders it.
    static func render(_ text: String) throws -> String {
        let set = TemplateSet(funcs: Sprig.functions)
        try set.parse(name: "name-template", text: text)
        var out: [UInt8] = []
        try set.execute("name-template", data: nil, output: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    /// Go's strings.Trim(s, "\"").
    func trimmingPrefixAndSuffix(_ c: Character) -> Substring {
        var s = Substring(self)
        while s.first == c { s = s.dropFirst() }
        while s.last == c { s = s.dropLast() }
        return s
    }
}
