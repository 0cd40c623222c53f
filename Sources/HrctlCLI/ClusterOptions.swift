import ArgumentParser
import FileIO
import Kube
import Actions
import Release
import ChartSource
#if canImport(Glibc)
import Glibc
#endif

/// The flags every cluster command takes, as kubectl and helm spell them.
struct ClusterOptions: ParsableArguments {
    @Option(name: .long, help: "Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).")
    var kubeconfig: String?

    @Option(name: .long, help: "The kubeconfig context to use.")
    var context: String?

    @Option(name: [.short, .long], help: "Namespace (default: the context's, else \"default\").", completion: ClusterCompletion.namespaces)
    var namespace: String?

    @Flag(name: .long, help: "Print progress details, every API request and their count.")
    var debug = false

    func access() throws -> ClusterAccess {
        let env = Subprocess.environment
        let cfg = try KubeConfig.load(explicitPath: kubeconfig, environment: env)
        return try cfg.resolve(context: context, namespace: namespace)
    }

    /// A client and action context; `body` runs with them and the client is shut down after.
    func withContext<T>(_ body: (ActionContext, ClusterAccess) async throws -> T) async throws -> T {
        let access = try self.access()
        let progress = Progress()
        var trace: (@Sendable (String) -> Void)? = nil
        if debug { trace = { @Sendable line in progress.say(line) } }
        let stats = RequestStats(trace: trace)
        let client = try KubeClient(access: access, userAgent: "hrctl/\(Hrctl.version)", stats: stats)
        let cache = ChartCache.defaultRoot(environment: Subprocess.environment) + "/discovery"
        defer { if debug { progress.say(stats.summary) } }
        let driver: any ReleaseDriver
        do { driver = try await ReleaseDrivers.make(environment: Subprocess.environment, client: client) } catch {
            try? await client.shutdown()
            throw error
        }
        let ctx = ActionContext(client: client, discoveryCache: cache, driver: driver, progress: { progress.say($0) })
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

/// Progress lines on standard error, with the time since start; plain lines when not a terminal.
final class Progress: Sendable {
    let start: Double
    let tty = isatty(2) == 1

    init() { start = Progress.now() }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    func say(_ text: String) {
        let elapsed = Progress.now() - start
        let stamp = String(Int(elapsed * 10) / 10) + "." + String(Int(elapsed * 10) % 10) + "s"
        Output.error(tty ? "\u{1B}[2m[\(stamp)]\u{1B}[0m \(text)\n" : "[\(stamp)] \(text)\n")
    }
}

/// Flags of commands that fetch charts.
struct SourceOptions: ParsableArguments {
    @Flag(name: .long, help: "Use only the chart cache; never download.")
    var offline = false

    @Option(name: .customLong("ca-file"), help: "Verify chart repositories with this CA bundle.")
    var caFile: String?

    @Flag(name: .customLong("insecure-skip-tls-verify"), help: "Skip TLS verification of chart repositories.")
    var insecure = false

    @Flag(name: .customLong("plain-http"), help: "Talk to OCI registries over plain HTTP.")
    var plainHTTP = false

    @Option(name: .long, help: "Chart repository user name (basic auth).")
    var username: String?

    @Option(name: .long, help: "Chart repository password (basic auth).")
    var password: String?

    /// `indexTTL`: see ChartFetcher.Options (an operator looks at one index for many releases).
    func fetcher(indexTTL: Double = 0) throws -> ChartFetcher {
        let env = Subprocess.environment
        var options = fetcherOptions()
        options.indexTTL = indexTTL
        return try ChartFetcher(cache: ChartCache(root: ChartCache.defaultRoot(environment: env)), options: options,
                                warn: { Output.error("warning: \($0)\n") })
    }

    func fetcherOptions() -> ChartFetcher.Options {
        var o = ChartFetcher.Options()
        o.offline = offline
        o.http.caFile = caFile
        o.http.insecureSkipTLSVerify = insecure
        o.http.username = username
        o.http.password = password
        o.plainHTTP = plainHTTP
        return o
    }
}
