// `make bench`, issue 26: how soon `--wait` returns once the release is ready. On a genuine
// cluster with 3 hollow nodes, hrctl (`apply -f` of a HelmRelease with wait) and helm
// (`install --wait --wait-for-jobs`) install the same chart (Fixtures/charts/rollout: a
// Deployment of 3, a StatefulSet of 2, a DaemonSet, a Service, a Job, a custom resource), each
// into a fresh namespace while this process watches the namespace's workloads itself: the moment
// the last of them turns ready (by their status, kstatus' rules) against the moment the tool
// exits is the tool's overhead over the rollout; both wait for the same kind of rollout, so the
// wall-time ratio to helm is bounded by the rollout itself.
import Dispatch
import FileIO
import Kube
import Values
#if canImport(Glibc)
import Glibc
#endif

enum WaitLatency {
    /// When each watched object last turned ready (monotonic seconds), from watch events.
    actor ReadyTimes {
        var current: [String: Bool] = [:]
        var turned: [String: Double] = [:]
        func see(_ key: String, ready: Bool, at t: Double) {
            if ready && current[key] != true { turned[key] = t }
            current[key] = ready
        }
        func last() -> (Double, Int, Bool) { (turned.values.max() ?? 0, current.count, current.values.allSatisfy { $0 }) }
    }

    /// apiVersion, kind and collection (under /apis/GROUP/VERSION/namespaces/NS/).
    static let collections: [(String, String, String)] = [
        ("apps/v1", "Deployment", "deployments"), ("apps/v1", "StatefulSet", "statefulsets"),
        ("apps/v1", "DaemonSet", "daemonsets"), ("batch/v1", "Job", "jobs"),
    ]

    /// Runs `args` on a thread of its own (the child blocks in waitpid), its exit time with it.
    static func child(_ args: [String], env: [String: String]) async -> (ChildRun, Double) {
        await withCheckedContinuation { c in
            DispatchQueue.global().async {
                let r = Child.run(args, env: env, keepStderr: true)
                c.resume(returning: (r, now()))
            }
        }
    }

    /// One install while the namespace's workloads are watched: wall ms, overhead ms after the last
    /// object turned ready (nil when the watch saw none, or not all ready), and the run.
    static func observe(_ client: KubeClient, ns: String, _ args: [String], env: [String: String]) async -> (ChildRun, Double?) {
        let times = ReadyTimes()
        let watchers = collections.map { (apiVersion, kind, resource) in
            Task {
                let path = "/apis/\(apiVersion)/namespaces/\(ns)/\(resource)"
                try? await Reflector(client: client, target: WatchTarget(path: path)).run { update in
                    let t = now()
                    var objects: [Value] = []
                    switch update {
                    case .replaced(let items), .page(let items, _): objects = items
                    case .event(let e): objects = e.kind == .deleted ? [] : [e.object]
                    }
                    for o in objects {
                        guard case .map(let m) = o, case .map(let md)? = m.entries["metadata"], let name = md.entries["name"]?.stringValue else { continue }
                        let ready = Readiness.of(o, mode: .resources(jobs: true), apiVersion: apiVersion, kind: kind) == .current
                        await times.see(kind + "/" + name, ready: ready, at: t)
                    }
                    return true
                }
            }
        }
        // The watches list first: give them a moment to be in place before the tool starts.
        try? await Task.sleep(nanoseconds: 300_000_000)
        let (run, exited) = await child(args, env: env)
        // Events in flight when the tool exited still count (they happened before).
        try? await Task.sleep(nanoseconds: 300_000_000)
        watchers.forEach { $0.cancel() }
        let (last, count, allReady) = await times.last()
        guard count > 0, allReady, run.ok else { return (run, nil) }
        return (run, (exited - last) * 1000)
    }

    static func run(hrctl: String, shared: String, chart: String, work: String, rounds: Int = 3) async {
        print("--wait on 3 hollow nodes, side by side with helm v4.3.1 (install --wait --wait-for-jobs of Fixtures/charts/rollout; medians of \(rounds)):")
        guard let helm = VersusHelm.helm else { print("  " + VersusHelm.skipHelm); return }
        let script = shared + "/kube/cluster"
        guard access(script, X_OK) == 0 else { print("  skipped: no \(script) (the genuine cluster)"); return }
        let dir = work + "/nodes"
        guard let up = try? Subprocess.run(script, ["up", dir, "--nodes", "3"]), up.status == 0 else {
            print("  skipped: the cluster did not start (\(script) up \(dir) --nodes 3)"); return
        }
        defer { _ = try? Subprocess.run(script, ["down", dir]) }
        let kubeconfig = String(decoding: up.out, as: UTF8.self).trimmingCharacters()
        let env = ["KUBECONFIG": kubeconfig, "HRCTL_CACHE": work + "/hrctl-cache",
                   "HELM_CACHE_HOME": work + "/helm/cache", "HELM_CONFIG_HOME": work + "/helm/config", "HELM_DATA_HOME": work + "/helm/data"]
        guard let access = try? KubeConfig.load(explicitPath: kubeconfig, environment: [:]).resolve(context: nil, namespace: nil),
              let client = try? KubeClient(access: access) else { print("  skipped: cannot use \(kubeconfig)"); return }
        var row = SideBySide(label: "  install --wait (rollout, 6 objects + CRD)")
        var overhead: (hrctl: [Double], helm: [Double]) = ([], [])
        for r in 0..<rounds {
            for tool in (r % 2 == 0 ? ["hrctl", "helm"] : ["helm", "hrctl"]) {
                let ns = "wait-\(tool)-\(r)"
                _ = try? await client.request(.POST, "/api/v1/namespaces", body: .map(["apiVersion": .string("v1"), "kind": .string("Namespace"),
                                                                                    "metadata": .map(["name": .string(ns)])]))
                if tool == "hrctl" {
                    let file = work + "/rollout-\(ns).yaml"
                    try? FileSystem.write(file, Array("""
                        apiVersion: helm.fluxcd.io/v1
                        kind: HelmRelease
                        metadata: {name: r, namespace: \(ns)}
                        spec:
                          releaseName: r
                          chart: {path: \(chart)}
                          wait: true
                          timeout: 120s

                        """.utf8))
                    let (run, extra) = await observe(client, ns: ns, [hrctl, "apply", "-f", file], env: env)
                    row.hrctl.append(run)
                    if let extra { overhead.hrctl.append(extra) }
                } else {
                    let (run, extra) = await observe(client, ns: ns, [helm, "install", "r", chart, "-n", ns, "--wait", "--wait-for-jobs", "--timeout", "120s"], env: env)
                    row.helm.append(run)
                    if let extra { overhead.helm.append(extra) }
                }
            }
        }
        try? await client.shutdown()
        func ms(_ xs: [Double]) -> String { xs.isEmpty ? "?" : "\(fixed(median(xs), 0)) ms (\(xs.map { fixed($0, 0) }.joined(separator: ", ")))" }
        row.note = "; exit after the last object turned ready: hrctl \(ms(overhead.hrctl)), helm \(ms(overhead.helm))"
        print(row.row)
    }
}
