import ArgumentParser
import Dispatch
import FileIO
import Values
import Kube
import Actions
import Operator
#if canImport(Glibc)
import Glibc
#endif

/// `hrctl crds`: the HelmRelease CustomResourceDefinition, for `kubectl apply -f -`.
struct CRDs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "crds", abstract: "Print the CustomResourceDefinition of HelmRelease (helm.fluxcd.io/v1).")

    func run() throws {
        Output.write(Array(try HelmReleaseCRD.yaml().utf8))
    }
}

extension KubeClient.Transport: ExpressibleByArgument {}

/// `hrctl operator`: reconcile HelmRelease objects in the cluster until SIGTERM.
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "operator", abstract: "Watch HelmRelease objects in the cluster and keep their releases in sync.")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var sources: SourceOptions
    @OptionGroup var renderLimits: RenderLimitOptions
    @Flag(name: [.short, .customShort("A"), .customLong("all-namespaces")], help: "Watch HelmReleases in every namespace (-A as kubectl spells it).") var allNamespaces = false
    @Option(name: .long, help: "Reconciles running at once.") var workers = 2
    @Option(name: .long, help: "Reconcile every HelmRelease at least this often (Go duration).") var interval = "5m"
    @Option(name: .customLong("probe-address"), help: "Where /healthz, /readyz and /metrics listen (host:port).") var probeAddress = ":8080"
    @Option(name: .customLong("leader-election-namespace"), help: "Namespace of the leader Lease (default: the operator's namespace).") var leaseNamespace: String?
    @Option(name: .customLong("lease-duration"), help: "How long a leader's lease lasts without renewal (Go duration).") var leaseDuration = "15s"
    @Option(name: .customLong("watch-label-selector"), help: "Only HelmReleases matching this label selector (shard=a; as Flux's flag).") var watchLabelSelector: String?
    @Flag(name: .customLong("scale-out"), help: "Replicas share the HelmReleases (membership Leases, consistent hashing) instead of one leader reconciling all.") var scaleOut = false
    @Option(name: .customLong("api-transport"), help: "How requests reach the API server: http1 (kept connections; the cheapest for the operator's many small requests) or negotiated (HTTP/2 when the server offers it).") var apiTransport: KubeClient.Transport = .http1
    @Option(name: .customLong("leader-election-id"), help: "The leader Lease's name (default hrctl-operator, or one derived from --watch-label-selector).") var leaseName: String?

    func run() async throws {
        try renderLimits.apply()
        guard let seconds = GoDuration.seconds(interval), seconds > 0 else { throw CLIError.invalidOption("--interval", interval, expected: "a duration such as 5m") }
        guard let lease = GoDuration.seconds(leaseDuration), lease > 0 else { throw CLIError.invalidOption("--lease-duration", leaseDuration, expected: "a duration such as 15s") }
        // One look at a repository's index serves every release reconciled within 10 s.
        let fetcher = try sources.fetcher(indexTTL: 10)
        try await cluster.withContext(transport: apiTransport) { ctx, access in
            var host = "0.0.0.0"
            var hostname = [CChar](repeating: 0, count: 256)
            gethostname(&hostname, hostname.count)
            var config = OperatorConfig(identity: "\(String(cString: hostname))_\(getpid())")
            config.namespace = allNamespaces ? nil : access.namespace
            config.workers = workers
            config.resyncInterval = seconds
            config.leaseNamespace = leaseNamespace ?? access.namespace
            config.leaseDuration = lease
            config.retryPeriod = max(0.5, lease / 7.5)
            config.watchLabelSelector = watchLabelSelector.flatMap { $0.isEmpty ? nil : $0 }
            config.leaseName = leaseName ?? OperatorConfig.leaseName(selector: config.watchLabelSelector)
            config.scaleOut = scaleOut
            let op = Operator(config: config, context: ctx, fetcher: fetcher)
            let parts = probeAddress.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count == 2, !parts[0].isEmpty { host = String(parts[0]) }
            let probes = ProbeServer(answer: { await op.probe($0) })
            let port = try probes.start(host: host, port: Int(parts.last ?? "") ?? 8080)
            ctx.progress("operator \(config.identity): watching HelmReleases in \(config.namespace.map { "namespace \($0)" } ?? "all namespaces"); probes on \(host):\(port)")
            // SIGTERM/SIGINT: finish what is in flight, give up the lease, exit.
            signal(SIGTERM, SIG_IGN)
            signal(SIGINT, SIG_IGN)
            var sources: [DispatchSourceSignal] = []
            for sig in [SIGTERM, SIGINT] {
                let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                s.setEventHandler { ctx.progress("stopping"); op.stop() }
                s.resume()
                sources.append(s)
            }
            try await op.run()
            sources.forEach { $0.cancel() }
            probes.stop()
        }
        await fetcher.shutdown()
    }
}
