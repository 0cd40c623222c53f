import ArgumentParser
import Values
import Actions
import ChartSource
import HelmRelease
import Release
import FileIO

// Flag groups shared by several commands, each defined once (helm's pkg/cmd/flags.go).

/// `--wait[=watcher|hookOnly|legacy]`, `--wait-for-jobs`, `--timeout`. A bare `--wait` reaches
/// here as `--wait=watcher` (`Hrctl.normalize`), as helm's NoOptDefVal gives it.
struct WaitOptions: ParsableArguments {
    @Option(name: .long, help: "wait until resources are ready (up to --timeout): watcher, hookOnly or legacy; a bare --wait is watcher")
    var wait: String?

    @Flag(name: .customLong("wait-for-jobs"), help: "if set and --wait enabled, will wait until all Jobs have been completed before marking the release as successful")
    var waitForJobs = false

    @Option(name: .long, help: "time to wait for any individual Kubernetes operation (like Jobs for hooks) (default 5m0s)")
    var timeout: String?

    /// Whether objects are waited for (hooks always are): absent or hookOnly is no.
    func waits() throws -> Bool {
        switch wait {
        case nil, "hookOnly": return false
        case "watcher", "legacy": return true
        case "true": Output.error("level=WARN msg=\"--wait=true is deprecated (boolean value) and can be replaced with --wait=watcher\"\n"); return true
        case "false": Output.error("level=WARN msg=\"--wait=false is deprecated (boolean value) and can be replaced by omitting the --wait flag\"\n"); return false
        case let other?: throw CLIError.invalidOption("--wait", other, expected: "watcher, hookOnly or legacy")
        }
    }

    func validate() throws {
        if let timeout, GoDuration.seconds(timeout) == nil {
            throw CLIError.helm("invalid argument \"\(timeout)\" for \"--timeout\" flag: time: invalid duration \"\(timeout)\"")
        }
        _ = try waits()
    }

    func apply(to opts: inout DeployOptions) throws {
        // helm's --wait leaves Jobs to run unless --wait-for-jobs (a HelmRelease's wait waits for them).
        if try waits() { opts.wait = true; opts.waitForJobs = waitForJobs }
        if let timeout, let t = GoDuration.seconds(timeout) { opts.timeout = t }
    }
}

/// helm's `--dry-run[=none|client|server]`: a bare `--dry-run` reaches here as `client`.
struct DryRunOption: ParsableArguments {
    @Option(name: .customLong("dry-run"), help: "simulate an install/upgrade: \"client\" renders only, \"server\" also asks the API server (default \"none\")")
    var dryRun: String?

    enum Strategy { case none, client, server }

    func strategy() throws -> Strategy {
        switch dryRun {
        case nil, "none", "false": return .none
        case "client", "true": return .client
        case "server": return .server
        case let other?: throw CLIError.helm("invalid dry-run value (\"\(other)\"). Must be \"none\", \"server\", or \"client\"")
        }
    }

    func validate() throws { _ = try strategy() }

    func apply(to opts: inout DeployOptions) throws {
        switch try strategy() {
        case .none: break
        case .client: opts.dryRun = true
        case .server: opts.dryRun = true; opts.serverDryRun = true
        }
    }
}

/// `--crds create|create-replace|skip` (install, upgrade, apply): what the run does with the
/// chart's crds/, Flux's CRD policies. Unset, install creates them (unless --skip-crds) and an
/// upgrade leaves them alone, as helm; apply follows each HelmRelease's install.crds/upgrade.crds.
struct CRDOption: ParsableArguments {
    @Option(name: .customLong("crds"), help: "what to do with the chart's crds/: create (when absent), create-replace (create, or upgrade when safe for the objects stored in them), or skip; CRDs are never deleted")
    var crds: String?

    func policy() throws -> CRDPolicy? {
        guard let crds else { return nil }
        guard let p = CRDPolicy(flagValue: crds) else {
            throw CLIError.invalidOption("--crds", crds, expected: CRDPolicy.allCases.map(\.flagValue).joined(separator: ", "))
        }
        return p
    }

    func validate() throws { _ = try policy() }

    /// The given policy for whichever operation the run turns out to be; `skipCRDs` is helm's
    /// --skip-crds, which only a contradicting --crds overrules (refused).
    func apply(to opts: inout DeployOptions, skipCRDs: Bool = false) throws {
        let p = try policy()
        if skipCRDs, let p, p != .skip { throw CLIError.helm("--skip-crds and --crds \(p.flagValue) contradict each other") }
        if skipCRDs { opts.installCRDs = .skip; opts.upgradeCRDs = .skip }
        if let p { opts.installCRDs = p; opts.upgradeCRDs = p }
    }
}

/// `-o/--output table|json|yaml`.
struct OutputOption: ParsableArguments {
    @Option(name: [.short, .long], help: "prints the output in the specified format. Allowed values: table, json, yaml (default table)")
    var output = "table"

    func format() throws -> OutputFormat { try OutputFormat.parse(output) }
    func validate() throws { _ = try format() }
}

/// Where install, upgrade, template, show and pull find the chart (helm's ChartPathOptions).
struct ChartPathOptions: ParsableArguments {
    @Option(name: .long, help: "specify a version constraint for the chart version to use (exact or a range; default: the latest)")
    var version: String = ""

    @Option(name: .long, help: "chart repository url where to locate the requested chart")
    var repo: String?

    @Flag(name: .long, help: "use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored")
    var devel = false

    @Flag(name: .long, help: "verify the package before using it")
    var verify = false

    @Option(name: .long, help: "location of public keys used for verification (default \"~/.gnupg/pubring.gpg\")")
    var keyring: String?

    @OptionGroup var sources: SourceOptions

    var versionConstraint: String { version.isEmpty && devel ? ">0.0.0-0" : version }

    func keyringPath(_ global: GlobalOptions) -> String { keyring ?? Provenance.defaultKeyring(environment: global.environment) }

    func locator(_ global: GlobalOptions) -> ChartLocator {
        let env = global.environment
        return ChartLocator(paths: HelmPaths(environment: env), cache: ChartCache(root: ChartCache.defaultRoot(environment: env)),
                            options: sources.fetcherOptions(), warn: { Output.error("warning: \($0)\n") })
    }

    /// The chart, its provenance checked with --verify (as helm's LocateChart does: a folder
    /// cannot be, an archive needs ARCHIVE.prov beside it, a download the repository's).
    /// `provenance`: fetch the .prov of a download even without --verify (pull --prov).
    func locate(_ chart: String, _ global: GlobalOptions, allowLocal: Bool = true, provenance: Bool = false) async throws -> ChartLocator.Located {
        var located = try await locator(global).locate(chart, version: versionConstraint, repo: repo, allowLocal: allowLocal, provenance: verify || provenance)
        if verify { located.verification = try verification(located, global) }
        return located
    }

    func verification(_ located: ChartLocator.Located, _ global: GlobalOptions) throws -> Provenance.Verification {
        if let path = located.localPath { return try Self.verifyArchive(path, keyring: keyringPath(global)) }
        return try Provenance.verify(archive: located.archive ?? [], fileName: located.fileName, provenance: located.provenance ?? [], keyring: keyringPath(global))
    }

    /// helm's VerifyChart: a .tgz file and ARCHIVE.prov beside it, checked in that order.
    static func verifyArchive(_ path: String, keyring: String) throws -> Provenance.Verification {
        switch FileSystem.kind(path) {
        case .missing: throw CLIError.helm("stat \(path): no such file or directory")
        case .directory: throw CLIError.helm("unpacked charts cannot be verified")
        default: if !path.lowercased().hasSuffix(".tgz") { throw CLIError.helm("chart must be a tgz file") }
        }
        guard FileSystem.kind(path + ".prov") != .missing else {
            throw CLIError.helm("could not load provenance file \(path).prov: stat \(path).prov: no such file or directory")
        }
        return try Provenance.verify(archive: try FileSystem.read(path), fileName: Files.baseName(path), provenance: try FileSystem.read(path + ".prov"), keyring: keyring)
    }
}

/// helm's `-f`: values files for install, upgrade and template (apply and delete use `-f` for
/// HelmRelease files, so the long `--values` lives in ValueOptions and this short one apart).
struct ValuesShorthand: ParsableArguments {
    @Option(name: .customShort("f"), help: "specify values in a YAML file (can specify multiple; - is standard input)")
    var files: [String] = []
}

/// Helm's `--post-renderer PATH [--post-renderer-args ARG]…`.
struct PostRendererOptions: ParsableArguments {
    @Option(name: .customLong("post-renderer"), help: "the path to an executable to be used for post rendering")
    var path: String?
    @Option(name: .customLong("post-renderer-args"), help: "an argument to the post-renderer (can specify multiple)")
    var args: [String] = []

    var renderers: [PostRenderer] { path.map { [.executable(path: $0, args: args)] } ?? [] }
}

/// apply's, rollback's and delete's deploy flags over what a HelmRelease says.
struct DeployFlags: ParsableArguments {
    @OptionGroup var waiting: WaitOptions
    @OptionGroup var dryRun: DryRunOption

    @Flag(name: [.customLong("rollback-on-failure"), .customLong("atomic")], help: "roll back (or uninstall a first install) when the operation fails; --wait is then implied")
    var atomic = false

    @Flag(name: .customLong("no-hooks"), help: "prevent hooks from running")
    var noHooks = false

    @Option(name: [.customLong("history-max"), .customLong("max-history")], help: "limit the maximum number of revisions saved per release. Use 0 for no limit (default 10)")
    var maxHistory: Int?

    @Option(name: .long, help: "add a custom description")
    var description: String?

    func apply(to opts: inout DeployOptions) throws {
        try waiting.apply(to: &opts)
        if atomic { opts.atomic = true; opts.wait = true }
        try dryRun.apply(to: &opts)
        if noHooks { opts.noHooks = true }
        if let maxHistory { opts.maxHistory = maxHistory }
        if let description { opts.description = description }
    }
}

/// How objects are written: `--force-replace` (`--force`, deprecated), `--force-conflicts`,
/// `--server-side`. install and template take `--server-side` as a boolean (default true),
/// upgrade and rollback as true, false or auto (default auto, the method the previous revision
/// was applied with). hrctl applies by server-side apply only: false is refused, and auto is
/// server-side (a revision helm applied client-side is then continued server-side).
struct ApplyMethodOptions: ParsableArguments {
    @Flag(name: .customLong("force-replace"), help: "force resource updates by replacement (helm cannot with server-side apply: an upgrade or rollback then fails as helm's does)")
    var forceReplace = false
    @Flag(name: .customLong("force"), help: .hidden)
    var force = false
    @Flag(name: .customLong("force-conflicts"), help: "if set server-side apply will force changes against conflicts")
    var forceConflicts = false
    @Option(name: .customLong("server-side"), help: "object updates run in the server instead of the client: install and template true or false (default true); upgrade and rollback \"true\", \"false\" or \"auto\" (default \"auto\"); hrctl refuses false")
    var serverSide: String?

    /// How a command reads `--server-side`.
    enum Kind { case boolean, method }

    /// cobra's MarkFlagsMutuallyExclusive and flag deprecation, in its words (groups checked in
    /// name order, as cobra does).
    func validate() throws {
        if force { Output.error("Flag --force has been deprecated, use --force-replace instead\n") }
        for (flag, set) in [("force", force), ("force-replace", forceReplace)] where set && forceConflicts {
            let both = [flag, "force-conflicts"].sorted().joined(separator: " ")
            throw CLIError.helm("if any flags in the group [\(flag) force-conflicts] are set none of the others can be; [\(both)] were all set")
        }
    }

    /// Whether objects are applied server-side, as `kind` reads the flag; false is refused.
    func checkServerSide(_ kind: Kind) throws {
        guard let serverSide else { return }
        let serverSideApply: Bool
        switch kind {
        case .boolean:
            // pflag's strconv.ParseBool.
            if ["1", "t", "T", "TRUE", "true", "True"].contains(serverSide) { serverSideApply = true }
            else if ["0", "f", "F", "FALSE", "false", "False"].contains(serverSide) { serverSideApply = false }
            else { throw CLIError.helm("invalid argument \"\(serverSide)\" for \"--server-side\" flag: strconv.ParseBool: parsing \"\(serverSide)\": invalid syntax") }
        case .method:
            // Other words are the action's to refuse (helm's getUpgradeServerSideValue), as
            // only an upgrade of an existing release and a rollback read them.
            serverSideApply = serverSide != "false"
        }
        if !serverSideApply { throw CLIError.unsupported("--server-side=false: hrctl applies by server-side apply only") }
    }

    func apply(to opts: inout DeployOptions, _ kind: Kind) {
        opts.forceConflicts = forceConflicts
        opts.forceReplace = forceReplace || force
        if kind == .method { opts.serverSideMethod = serverSide }
    }
}

/// The flags of helm's addInstallFlags that shape how a release is written to the cluster:
/// install and upgrade apply them; template takes them as helm's does (checked, and without
/// effect on a client-side render).
struct ReleaseWriteFlags: ParsableArguments {
    @OptionGroup var waiting: WaitOptions
    @OptionGroup var applyMethod: ApplyMethodOptions

    @Flag(name: .customLong("create-namespace"), help: "create the release namespace if not present")
    var createNamespace = false
    @Option(name: .long, help: "add a custom description")
    var description: String?
    @Option(name: [.customShort("l"), .long], help: "Labels that would be added to release metadata. Should be divided by comma.")
    var labels: [String] = []
    @Flag(name: .customLong("take-ownership"), help: "if set, install will ignore the check for helm annotations and take ownership of the existing resources")
    var takeOwnership = false
    @Flag(name: [.customLong("rollback-on-failure"), .customLong("atomic")], help: "if set, the installation process deletes the installation (an upgrade rolls back) on failure; --wait is then implied")
    var rollbackOnFailure = false

    func validate() throws { _ = try customLabels() }

    func apply(to opts: inout DeployOptions, serverSide: ApplyMethodOptions.Kind) throws {
        try applyMethod.checkServerSide(serverSide)
        applyMethod.apply(to: &opts, serverSide)
        try waiting.apply(to: &opts)
        if rollbackOnFailure { opts.atomic = true; opts.wait = true }
        opts.createNamespace = createNamespace
        opts.description = description
        opts.takeOwnership = takeOwnership
        opts.labels = try customLabels()
    }

    /// --labels as pflag's stringToString reads each: one "=" makes the whole value one pair,
    /// more are split as a CSV record; later flags add to and override earlier ones.
    func customLabels() throws -> [String: String] {
        var out: [String: String] = [:]
        for value in labels {
            let pairs: [String]
            switch value.filter({ $0 == "=" }).count {
            case 0: throw CLIError.helm("invalid argument \"\(value)\" for \"-l, --labels\" flag: \(value) must be formatted as key=value")
            case 1: pairs = [String(value.trimmingPrefixAndSuffix("\""))]
            default: pairs = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
            for pair in pairs {
                guard let eq = pair.firstIndex(of: "=") else {
                    throw CLIError.helm("invalid argument \"\(value)\" for \"-l, --labels\" flag: \(pair) must be formatted as key=value")
                }
                out[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
        }
        return out
    }

}

/// helm package's signing flags: `--sign` with the secret key `--key` of `--keyring`, its
/// passphrase from `--passphrase-file` (`-` for standard input).
struct SigningOptions: ParsableArguments {
    @Flag(name: .long, help: "use a PGP private key to sign this package")
    var sign = false
    @Option(name: .long, help: "name of the key to use when signing. Used if --sign is true")
    var key: String?
    @Option(name: .long, help: "location of a public keyring (default \"~/.gnupg/pubring.gpg\")")
    var keyring: String?
    @Option(name: .customLong("passphrase-file"), help: "location of a file which contains the passphrase for the signing key. Use \"-\" in order to read from stdin.")
    var passphraseFile: String?

    func check() throws {
        guard sign else { return }
        if (key ?? "").isEmpty { throw CLIError.helm("--key is required for signing a package") }
        if keyring == "" { throw CLIError.helm("--keyring is required for signing a package") }
    }

    /// ARCHIVE.prov beside the archive.
    func signArchive(_ path: String, global: GlobalOptions) throws {
        let ring = keyring ?? Provenance.defaultKeyring(environment: global.environment)
        let prov = try Provenance.sign(archive: path, key: key ?? "", keyring: ring, passphrase: try passphraseFile.map(Self.passphrase))
        try FileSystem.writeAtomically(path + ".prov", Array(prov.utf8))
    }

    /// helm's passphraseFileFetcher: the file's (or standard input's) first line.
    static func passphrase(_ file: String) throws -> [UInt8] {
        let bytes = file == "-" ? FileSystem.readStandardInput() : try FileSystem.read(file)
        return Array(bytes.prefix { $0 != 0x0A })
    }
}

extension Provenance.Verification {
    /// What helm's pull and verify print.
    var text: String { "Signed by: \(signedBy)\nUsing Key With Fingerprint: \(fingerprint)\nChart Hash Verified: \(fileHash)\n" }
}

/// The render limits (docs/template-engine.md, "Limits"), for every command that renders. Each
/// flag is named after the variable it overrides (--max-string-size, HRCTL_MAX_STRING_SIZE),
/// which stays the default; helm has no such limits, so no helm flag is shadowed.
struct RenderLimitOptions: ParsableArguments {
    @Option(name: .customLong("max-template-depth"), help: "most nested template, include and tpl calls in a render (default 2000; env HRCTL_MAX_TEMPLATE_DEPTH)")
    var maxTemplateDepth: String?

    @Option(name: .customLong("max-string-size"), help: "largest string a template function builds, and one template's output, e.g. 64Mi or 1Gi (default 64Mi; env HRCTL_MAX_STRING_SIZE)")
    var maxStringSize: String?

    @Option(name: .customLong("max-list-items"), help: "most items of a list a template function builds (default 1048576; env HRCTL_MAX_LIST_ITEMS)")
    var maxListItems: String?

    @Option(name: .customLong("max-render-size"), help: "largest output of a whole render (default 256Mi; env HRCTL_MAX_RENDER_SIZE)")
    var maxRenderSize: String?

    @Option(name: .customLong("render-timeout"), help: "longest a render may take, e.g. 30s; 0 for no limit (default none, the operator 30s; env HRCTL_RENDER_TIMEOUT)")
    var renderTimeout: String?

    func flag(_ kind: RenderLimits.Kind) -> String? {
        switch kind {
        case .depth: return maxTemplateDepth
        case .string: return maxStringSize
        case .list: return maxListItems
        case .output: return maxRenderSize
        case .time: return renderTimeout
        }
    }

    func validate() throws {
        var probe = RenderLimits()
        do { try probe.set(from: flag, problem: Self.problem) } catch { throw CLIError.helm("\(error)") }
    }

    static func problem(_ kind: RenderLimits.Kind, _ value: String, _ want: String) -> String {
        "invalid argument \"\(value)\" for \"\(kind.flag)\" flag: \(want)"
    }

    /// Sets the process's limits: these flags over the environment over the defaults.
    func apply() throws {
        do { try RenderLimits.configure(flags: flag, problem: Self.problem) } catch { throw CLIError.helm("\(error)") }
    }
}
