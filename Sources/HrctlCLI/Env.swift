import ArgumentParser
import FileIO
import ChartSource
import Kube

/// `hrctl env [NAME]`: helm env's variables with the values hrctl uses (helm's configuration and
/// cache paths, which hrctl reads and writes too), plus HRCTL_CACHE, hrctl's own chart cache.
struct Env: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "env", abstract: "Print the environment variables hrctl uses (helm env's, and HRCTL_CACHE).")

    @Argument(help: "Print only this variable's value.") var name: String?
    @OptionGroup var cluster: ClusterOptions

    static func variables(_ env: [String: String], cluster: ClusterOptions) -> [(String, String)] {
        let p = HelmPaths(environment: env)
        func v(_ k: String, _ d: String = "") -> String { env[k].flatMap { $0.isEmpty ? nil : $0 } ?? d }
        // The namespace as a command would use it: -n, $HELM_NAMESPACE, the context's, else default.
        let namespace = cluster.namespace ?? env["HELM_NAMESPACE"].flatMap { $0.isEmpty ? nil : $0 } ?? (try? cluster.access().namespace) ?? "default"
        return [
            ("HELM_BIN", CommandLine.arguments.first ?? "hrctl"),
            ("HELM_BURST_LIMIT", v("HELM_BURST_LIMIT", "100")),
            ("HELM_CACHE_HOME", p.cacheHome),
            ("HELM_CONFIG_HOME", p.configHome),
            ("HELM_CONTENT_CACHE", p.contentCache),
            ("HELM_DATA_HOME", p.dataHome),
            ("HELM_DEBUG", cluster.debug || v("HELM_DEBUG") == "true" ? "true" : "false"),
            ("HELM_KUBEAPISERVER", v("HELM_KUBEAPISERVER")),
            ("HELM_KUBEASGROUPS", v("HELM_KUBEASGROUPS")),
            ("HELM_KUBEASUSER", v("HELM_KUBEASUSER")),
            ("HELM_KUBECAFILE", v("HELM_KUBECAFILE")),
            ("HELM_KUBECONTEXT", cluster.kubeContext ?? v("HELM_KUBECONTEXT")),
            ("HELM_KUBEINSECURE_SKIP_TLS_VERIFY", v("HELM_KUBEINSECURE_SKIP_TLS_VERIFY", "false")),
            ("HELM_KUBETLS_SERVER_NAME", v("HELM_KUBETLS_SERVER_NAME")),
            ("HELM_KUBETOKEN", v("HELM_KUBETOKEN")),
            ("HELM_MAX_HISTORY", v("HELM_MAX_HISTORY", "10")),
            ("HELM_NAMESPACE", namespace),
            ("HELM_PLUGINS", p.plugins),
            ("HELM_QPS", v("HELM_QPS", "0.00")),
            ("HELM_REGISTRY_CONFIG", p.registryConfig),
            ("HELM_REPOSITORY_CACHE", p.repositoryCache),
            ("HELM_REPOSITORY_CONFIG", p.repositoryConfig),
            ("HRCTL_CACHE", ChartCache.defaultRoot(environment: env)),
        ]
    }

    func run() throws {
        let vars = Self.variables(Subprocess.environment, cluster: cluster)
        if let name {
            if let hit = vars.first(where: { $0.0 == name }) { Output.write(Array((hit.1 + "\n").utf8)) }
            return
        }
        Output.write(Array(vars.map { "\($0.0)=\"\($0.1)\"\n" }.joined().utf8))
    }
}
