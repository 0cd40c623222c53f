import ArgumentParser
import FileIO
import Kube
import Synchronization
import Actions
import Release
import ChartSource
#if canImport(Glibc)
import Glibc
#endif

/// Helm's global flags (its `EnvSettings`), accepted by every command before or after it: each
/// flag wins over its `HELM_*` variable, which wins over the default. The environment is read
/// here and nowhere else in the command line.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "path to the kubeconfig file")
    var kubeconfig: String?

    @Option(name: [.customLong("kube-context"), .customLong("context")], help: "name of the kubeconfig context to use")
    var kubeContext: String?

    @Option(name: [.short, .long], help: "namespace scope for this request", completion: ClusterCompletion.namespaces)
    var namespace: String?

    @Option(name: .customLong("kube-token"), help: "bearer token used for authentication")
    var kubeToken: String?

    @Option(name: .customLong("kube-as-user"), help: "username to impersonate for the operation")
    var kubeAsUser: String?

    @Option(name: .customLong("kube-as-group"), help: "group to impersonate for the operation, this flag can be repeated to specify multiple groups.")
    var kubeAsGroup: [String] = []

    @Option(name: .customLong("kube-apiserver"), help: "the address and the port for the Kubernetes API server")
    var kubeAPIServer: String?

    @Option(name: .customLong("kube-ca-file"), help: "the certificate authority file for the Kubernetes API server connection")
    var kubeCAFile: String?

    @Option(name: .customLong("kube-tls-server-name"), help: "server name to use for Kubernetes API server certificate validation")
    var kubeTLSServerName: String?

    @Flag(name: .customLong("kube-insecure-skip-tls-verify"), help: "if true, the Kubernetes API server's certificate will not be checked for validity")
    var kubeInsecure = false

    @Flag(name: .long, help: "enable verbose output (every API request and their count)")
    var debug = false

    @Option(name: .customLong("registry-config"), help: "path to the registry config file")
    var registryConfig: String?

    @Option(name: .customLong("repository-config"), help: "path to the file containing repository names and URLs")
    var repositoryConfig: String?

    @Option(name: .customLong("repository-cache"), help: "path to the directory containing cached repository indexes")
    var repositoryCache: String?

    @Option(name: .customLong("content-cache"), help: "path to the directory containing cached content (e.g. charts)")
    var contentCache: String?

    @Option(name: .customLong("burst-limit"), help: "client-side default throttling limit (default 100)")
    var burstLimit: Int?

    @Option(name: .customLong("qps"), help: "queries per second used when communicating with the Kubernetes API, not including bursting")
    var qps: Double?

    @Option(name: [.customLong("color"), .customLong("colour")], help: "use colored output (never, auto, always) (default \"auto\")")
    var color: String?

    /// The flags that take a value, as written on a command line: `Hrctl.normalize` moves them
    /// from before the subcommand to after it. `GlobalFlagsTests` checks this list against the
    /// declarations above, so it cannot drift from them.
    static let valuedFlags: Set<String> = [
        "--kubeconfig", "--kube-context", "--context", "-n", "--namespace", "--kube-token", "--kube-as-user", "--kube-as-group",
        "--kube-apiserver", "--kube-ca-file", "--kube-tls-server-name", "--registry-config", "--repository-config",
        "--repository-cache", "--content-cache", "--burst-limit", "--qps", "--color", "--colour",
    ]
    static let boolFlags: Set<String> = ["--debug", "--kube-insecure-skip-tls-verify"]

    func validate() throws {
        if let color, !["never", "auto", "always"].contains(color) {
            throw CLIError.invalidOption("--color", color, expected: "never, auto or always")
        }
    }

    /// The process environment with these flags written over their `HELM_*` variables, for the
    /// modules that read helm's paths (`HelmPaths`) and the chart cache.
    var environment: [String: String] {
        var env = Subprocess.environment
        if let registryConfig { env["HELM_REGISTRY_CONFIG"] = registryConfig }
        if let repositoryConfig { env["HELM_REPOSITORY_CONFIG"] = repositoryConfig }
        if let repositoryCache { env["HELM_REPOSITORY_CACHE"] = repositoryCache }
        if let contentCache { env["HELM_CONTENT_CACHE"] = contentCache }
        if let kubeContext { env["HELM_KUBECONTEXT"] = kubeContext }
        if let namespace { env["HELM_NAMESPACE"] = namespace }
        if debug { env["HELM_DEBUG"] = "true" }
        return env
    }

    var helmPaths: HelmPaths { HelmPaths(environment: environment) }

    /// upgrade's and rollback's --history-max default: HELM_MAX_HISTORY, else 10.
    var maxHistory: Int { Int(Subprocess.environment["HELM_MAX_HISTORY"] ?? "") ?? 10 }

    var isDebug: Bool { debug || Self.truthy(Subprocess.environment["HELM_DEBUG"]) }

    static func truthy(_ s: String?) -> Bool { ["1", "t", "T", "TRUE", "true", "True"].contains(s ?? "") }

    static func nonEmpty(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }

    /// The namespace a command works in, as helm's `Namespace()`: the flag, HELM_NAMESPACE, the
    /// kubeconfig context's, else "default" (without reading a kubeconfig when not needed).
    var explicitNamespace: String? { namespace ?? Self.nonEmpty(Subprocess.environment["HELM_NAMESPACE"]) }

    func resolvedNamespace() -> String { explicitNamespace ?? (try? access().namespace) ?? "default" }

    func access() throws -> ClusterAccess {
        let env = Subprocess.environment
        func pick(_ flag: String?, _ variable: String) -> String? { flag ?? Self.nonEmpty(env[variable]) }
        let cfg = try KubeConfig.load(explicitPath: kubeconfig, environment: env)
        var access: ClusterAccess
        // Like client-go: a kubeconfig without contexts plus --kube-apiserver is enough.
        if let server = pick(kubeAPIServer, "HELM_KUBEAPISERVER"), cfg.contextNames.isEmpty {
            access = ClusterAccess(contextName: "", server: server, namespace: explicitNamespace ?? "default")
        } else {
            access = try cfg.resolve(context: pick(kubeContext, "HELM_KUBECONTEXT"), namespace: explicitNamespace)
        }
        if let server = pick(kubeAPIServer, "HELM_KUBEAPISERVER") { access.server = server }
        if let token = pick(kubeToken, "HELM_KUBETOKEN") { access.token = token; access.tokenFile = nil; access.exec = nil }
        if let user = pick(kubeAsUser, "HELM_KUBEASUSER") { access.impersonateUser = user }
        let groups = kubeAsGroup.isEmpty ? (Self.nonEmpty(env["HELM_KUBEASGROUPS"])?.split(separator: ",").map(String.init) ?? []) : kubeAsGroup
        if !groups.isEmpty { access.impersonateGroups = groups }
        if let ca = pick(kubeCAFile, "HELM_KUBECAFILE") {
            do { access.certificateAuthority = try FileSystem.read(ca) } catch {
                throw CLIError.unreadableFile(ca, "\(error)")
            }
            access.certificateAuthoritySource = ca
        }
        if let name = pick(kubeTLSServerName, "HELM_KUBETLS_SERVER_NAME") { access.tlsServerName = name }
        if kubeInsecure || Self.truthy(env["HELM_KUBEINSECURE_SKIP_TLS_VERIFY"]) { access.insecureSkipTLSVerify = true; access.certificateAuthority = nil }
        return access
    }

    /// A client and action context; `body` runs with them and the client is shut down after.
    /// `quiet`: helm's verbs print no progress (only with --debug), so a script that reads
    /// their standard error sees what helm's shows; warnings and repairs are still said, and
    /// the wait's live line still shows on a terminal, where it is erased again.
    func withContext<T>(quiet: Bool = false, transport: KubeClient.Transport = .negotiated,
                        _ body: (ActionContext, ClusterAccess) async throws -> T) async throws -> T {
        let access = try self.access()
        let progress = Progress()
        let debug = isDebug
        var trace: (@Sendable (String) -> Void)? = nil
        if debug { trace = { @Sendable line in progress.say(line) } }
        let stats = RequestStats(trace: trace)
        let client = try KubeClient(access: access, userAgent: "hrctl/\(Hrctl.version)", stats: stats, transport: transport)
        let cache = ChartCache.defaultRoot(environment: environment) + "/discovery"
        defer { if debug { progress.say(stats.summary) }; progress.endLive() }
        let driver: any ReleaseDriver
        do { driver = try await ReleaseDrivers.make(environment: Subprocess.environment, client: client) } catch {
            try? await client.shutdown()
            throw error
        }
        let shown: @Sendable (String) -> Bool = { line in !quiet || debug || line.hasPrefix("warning") || line.hasPrefix("repairing") }
        var ctx = ActionContext(client: client, discoveryCache: cache, driver: driver, progress: { if shown($0) { progress.say($0) } })
        if !quiet || debug || progress.tty { ctx.waitStatus = { progress.live($0) } }
        do {
            let out = try await body(ctx, access)
            await driver.shutdown()
            try? await client.shutdown()
            return out
        } catch {
            await driver.shutdown()
            try? await client.shutdown()
            throw error
        }
    }
}

/// The name the commands have used for the group since before helm's global flags.
typealias ClusterOptions = GlobalOptions

/// Progress lines on standard error, with the time since start; plain lines when not a terminal.
final class Progress: Sendable {
    let start: Double
    let tty = isatty(2) == 1
    /// Whether a live line is on the terminal (erased before anything else is written).
    let liveShown = Mutex(false)

    init() { start = Progress.now() }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    func say(_ text: String) {
        let elapsed = Progress.now() - start
        let stamp = String(Int(elapsed * 10) / 10) + "." + String(Int(elapsed * 10) % 10) + "s"
        // A progress line replaces the live line, which the next live update draws again.
        let erase = liveShown.withLock { shown in defer { shown = false }; return shown } ? "\r\u{1B}[K" : ""
        Output.error(tty ? "\(erase)\u{1B}[2m[\(stamp)]\u{1B}[0m \(text)\n" : "[\(stamp)] \(text)\n")
    }

    /// What a wait still waits for: on a terminal one line redrawn in place (cut to its width),
    /// elsewhere a plain progress line per change.
    func live(_ text: String) {
        guard tty else { return say(text) }
        var ws = winsize()
        let width = ioctl(2, UInt(TIOCGWINSZ), &ws) == 0 && ws.ws_col > 0 ? Int(ws.ws_col) : 120
        let line = text.count > width - 1 ? String(text.prefix(max(10, width - 2))) + "…" : text
        liveShown.withLock { $0 = true }
        Output.error("\r\u{1B}[K" + line)
    }

    /// Erases a live line left on the terminal.
    func endLive() {
        if liveShown.withLock({ shown in defer { shown = false }; return shown }) { Output.error("\r\u{1B}[K") }
    }
}

/// Flags of commands that fetch charts.
struct SourceOptions: ParsableArguments {
    @Flag(name: .long, help: "Use only the chart cache; never download.")
    var offline = false

    @Option(name: .customLong("ca-file"), help: "verify certificates of HTTPS-enabled servers using this CA bundle")
    var caFile: String?

    @Option(name: .customLong("cert-file"), help: "identify HTTPS client using this SSL certificate file")
    var certFile: String?

    @Option(name: .customLong("key-file"), help: "identify HTTPS client using this SSL key file")
    var keyFile: String?

    @Flag(name: .customLong("insecure-skip-tls-verify"), help: "skip tls certificate checks for the chart download")
    var insecure = false

    @Flag(name: .customLong("plain-http"), help: "use insecure HTTP connections for the chart download")
    var plainHTTP = false

    @Option(name: .long, help: "chart repository username where to locate the requested chart")
    var username: String?

    @Option(name: .long, help: "chart repository password where to locate the requested chart")
    var password: String?

    @Flag(name: .customLong("pass-credentials"), help: "pass credentials to all domains")
    var passCredentials = false

    func validate() throws {
        if (certFile == nil) != (keyFile == nil) {
            throw CLIError.invalidOption(certFile == nil ? "--key-file" : "--cert-file", certFile ?? keyFile ?? "",
                                         expected: "--cert-file and --key-file together")
        }
    }

    /// `indexTTL`: see ChartFetcher.Options (an operator looks at one index for many releases).
    func fetcher(indexTTL: Double = 0, environment: [String: String] = Subprocess.environment) throws -> ChartFetcher {
        var options = fetcherOptions()
        options.indexTTL = indexTTL
        return try ChartFetcher(cache: ChartCache(root: ChartCache.defaultRoot(environment: environment)), options: options,
                                warn: { Output.error("warning: \($0)\n") })
    }

    func fetcherOptions() -> ChartFetcher.Options {
        var o = ChartFetcher.Options()
        o.offline = offline
        o.http.caFile = caFile
        o.http.certFile = certFile
        o.http.keyFile = keyFile
        o.http.insecureSkipTLSVerify = insecure
        o.http.username = username
        o.http.password = password
        o.plainHTTP = plainHTTP
        return o
    }
}
