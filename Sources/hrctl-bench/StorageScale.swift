// `make bench`, issue 23: reading release records at scale, side by side with helm v4.3.1 on
// the genuine kube-apiserver. 1,000 releases × 3 revisions (the real rabbitmq 6.10.0 to 6.18.2
// records of ../shared/releases, renamed and re-encoded in Helm's Secret format, in 10
// namespaces) are written once; then `list -A`, `history` and `status` of one release by
// both tools, medians of 3 rounds, wall time and peak RSS.
import FileIO
import Kube
import Release
import Values
#if canImport(Glibc)
import Glibc
#endif

enum StorageScale {
    static func run(hrctl: String, shared: String, work: String, releases: Int = 1000, rounds: Int = 3) async {
        print("release storage at scale, side by side with helm v4.3.1 (genuine kube-apiserver v1.28, \(releases) releases × 3 revisions of rabbitmq in Secrets, 10 namespaces; medians of \(rounds) rounds):")
        guard let helm = VersusHelm.helm else { print("  " + VersusHelm.skipHelm); return }
        let script = shared + "/kube/cluster"
        guard access(script, X_OK) == 0 else { print("  skipped: no \(script) (the genuine cluster)"); return }
        var templates: [Release] = []
        for v in 1...3 {
            guard let text = try? FileSystem.readText(shared + "/releases/rabbit.v\(v).release.json"),
                  let json = try? JSON.decode(text), let r = try? Release(json: json) else { print("  skipped: no \(shared)/releases/rabbit.v\(v).release.json"); return }
            templates.append(r)
        }
        let dir = work + "/storage-cluster"
        guard let up = try? Subprocess.run(script, ["up", dir]), up.status == 0 else {
            print("  skipped: the cluster did not start (\(script) up \(dir))"); return
        }
        defer { _ = try? Subprocess.run(script, ["down", dir]) }
        let kubeconfig = String(decoding: up.out, as: UTF8.self).trimmingCharacters()
        let env = ["KUBECONFIG": kubeconfig, "HRCTL_CACHE": work + "/hrctl-cache",
                   "HELM_CACHE_HOME": work + "/helm/cache", "HELM_CONFIG_HOME": work + "/helm/config", "HELM_DATA_HOME": work + "/helm/data"]
        let pids = ((try? FileSystem.list(dir + "/run")) ?? []).compactMap { f in
            (try? FileSystem.readText(dir + "/run/" + f)).flatMap { Int32($0.trimmingCharacters()) }
        }
        let started = now()
        do {
            let access = try KubeConfig.load(explicitPath: kubeconfig, environment: [:]).resolve(context: nil, namespace: nil)
            let client = try KubeClient(access: access)
            for n in 0..<10 {
                _ = try? await client.request(.POST, "/api/v1/namespaces", body: .map(["apiVersion": .string("v1"), "kind": .string("Namespace"),
                                                                                    "metadata": .map(["name": .string("scale\(n)")])]))
            }
            let storage = ReleaseStorage(client: client)
            let jobs = (0..<releases).flatMap { i in (0..<3).map { (i, $0) } }
            try await withThrowingTaskGroup(of: Void.self) { group in
                var next = 0
                func add() {
                    guard next < jobs.count else { return }
                    let (i, v) = jobs[next]; next += 1
                    var r = templates[v]
                    r.name = "rabbit\(i)"; r.namespace = "scale\(i % 10)"
                    group.addTask { try await storage.create(r) }
                }
                for _ in 0..<16 { add() }
                while try await group.next() != nil { add() }
            }
            try? await client.shutdown()
        } catch {
            print("  skipped: writing the records failed: \(error)"); return
        }
        print("  (\(releases * 3) records written in \(fixed(now() - started, 1)) s)")
        let steps: [(String, [String], [String])] = [
            ("list -A (every release, json)", ["list", "-A", "-o", "json"], ["list", "-A", "--max", "0", "-o", "json"]),
            ("history of one release (json)", ["history", "rabbit7", "-n", "scale7", "-o", "json"], ["history", "rabbit7", "-n", "scale7", "-o", "json"]),
            ("status of one release (json)", ["status", "rabbit7", "-n", "scale7", "-o", "json"], ["status", "rabbit7", "-n", "scale7", "-o", "json"]),
        ]
        var rows = steps.map { SideBySide(label: "  " + $0.0) }
        for r in 0..<rounds {
            for (i, step) in steps.enumerated() {
                let ours = { Child.run([hrctl] + step.1, env: env) }
                let theirs = { Child.run([helm] + step.2, env: env) }
                var a: ChildRun, b: ChildRun
                if r % 2 == 0 { a = ours(); VersusHelm.settle(pids); b = theirs() } else { b = theirs(); VersusHelm.settle(pids); a = ours() }
                VersusHelm.settle(pids)
                rows[i].hrctl.append(a); rows[i].helm.append(b)
            }
        }
        for row in rows { print(row.row) }
    }
}
