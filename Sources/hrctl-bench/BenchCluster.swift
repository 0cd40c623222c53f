// A private genuine kube-apiserver for the bench rows side by side with helm: brought up in a
// folder of the bench's scratch space, its kubeconfig and the environment both tools run with
// (their caches and helm's homes kept in the scratch space too), and its processes' ids, whose
// CPU use `VersusHelm.settle` waits on between runs.
import FileIO
import Kube
import Values
#if canImport(Glibc)
import Glibc
#endif

struct BenchCluster {
    let script: String
    let dir: String
    let kubeconfig: String
    /// KUBECONFIG and the tools' cache and config homes.
    let env: [String: String]
    /// The cluster's processes (etcd, kube-apiserver, controller-manager, ...).
    let pids: [Int32]

    /// Starts the cluster in `work/name`; nil (with the reason printed, as a skipped row) when it
    /// cannot be had.
    static func up(shared: String, work: String, name: String) -> BenchCluster? { up(shared: shared, dir: work + "/" + name, work: work) }

    /// The same in `dir`.
    static func up(shared: String, dir: String, work: String) -> BenchCluster? {
        let script = shared + "/kube/cluster"
        guard access(script, X_OK) == 0 else { print("  skipped: no \(script) (the genuine cluster)"); return nil }
        guard let up = try? Subprocess.run(script, ["up", dir]), up.status == 0 else {
            print("  skipped: the cluster did not start (\(script) up \(dir))"); return nil
        }
        let kubeconfig = String(decoding: up.out, as: UTF8.self).trimmingCharacters()
        let env = ["KUBECONFIG": kubeconfig, "HRCTL_CACHE": work + "/hrctl-cache",
                   "HELM_CACHE_HOME": work + "/helm/cache", "HELM_CONFIG_HOME": work + "/helm/config", "HELM_DATA_HOME": work + "/helm/data"]
        let pids = ((try? FileSystem.list(dir + "/run")) ?? []).compactMap { f in
            (try? FileSystem.readText(dir + "/run/" + f)).flatMap { Int32($0.trimmingCharacters()) }
        }
        return BenchCluster(script: script, dir: dir, kubeconfig: kubeconfig, env: env, pids: pids)
    }

    func down() { _ = try? Subprocess.run(script, ["down", dir]) }

    /// A client of the cluster's kubeconfig (shut it down after use).
    func client() throws -> KubeClient {
        let access = try KubeConfig.load(explicitPath: kubeconfig, environment: [:]).resolve(context: nil, namespace: nil)
        return try KubeClient(access: access)
    }

    /// Creates the namespaces (those that exist already are no error).
    static func createNamespaces(_ client: KubeClient, _ names: [String]) async {
        for ns in names {
            _ = try? await client.request(.POST, "/api/v1/namespaces", body: .map(["apiVersion": .string("v1"), "kind": .string("Namespace"),
                                                                                "metadata": .map(["name": .string(ns)])]))
        }
    }

    /// Waits until the cluster's processes are idle (see `VersusHelm.settle`).
    func settle() { VersusHelm.settle(pids) }
}
