// `make bench`, issue 23: reading release records at scale, side by side with helm v4.3.1 on
// the genuine kube-apiserver. 1,000 releases × 3 revisions (the real rabbitmq 6.10.0 to 6.18.2
// records of ../shared/releases, renamed and re-encoded in Helm's Secret format, in 10
// namespaces) are written once, concurrently; then `list -A`, `history` and `status` of one
// release by both tools, and an upgrade of a small release in a namespace holding 300 of those
// records against the same upgrade in an empty namespace: medians of 3 rounds, wall time and
// peak RSS.
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
        var templates: [Release] = []
        for v in 1...3 {
            guard let text = try? FileSystem.readText(shared + "/releases/rabbit.v\(v).release.json"),
                  let json = try? JSON.decode(text), let r = try? Release(json: json) else { print("  skipped: no \(shared)/releases/rabbit.v\(v).release.json"); return }
            templates.append(r)
        }
        // HRCTL_BENCH_CLUSTER=DIR: the cluster in DIR, left running with its records for a
        // profile or a second run (which writes no record twice).
        let kept = Subprocess.environment["HRCTL_BENCH_CLUSTER"]
        guard let cluster = kept.map({ BenchCluster.up(shared: shared, dir: $0, work: work) }) ?? BenchCluster.up(shared: shared, work: work, name: "storage-cluster") else { return }
        defer { if kept == nil { cluster.down() } else { print("  (the cluster stays up: KUBECONFIG=\(cluster.kubeconfig); \(cluster.script) down \(cluster.dir))") } }
        let started = now()
        do {
            let client = try cluster.client()
            await BenchCluster.createNamespaces(client, (0..<10).map { "scale\($0)" } + ["empty"])
            try await write(templates, releases: releases, client: client)
            try? await client.shutdown()
        } catch {
            print("  skipped: writing the records failed: \(error)"); return
        }
        print("  (\(releases * 3) records written in \(fixed(now() - started, 1)) s, 16 at a time)")
        let steps: [(String, [String], [String])] = [
            ("list -A (every release, json)", ["list", "-A", "--max", "0", "-o", "json"], ["list", "-A", "--max", "0", "-o", "json"]),
            ("history of one release (json)", ["history", "rabbit7", "-n", "scale7", "-o", "json"], ["history", "rabbit7", "-n", "scale7", "-o", "json"]),
            ("status of one release (json)", ["status", "rabbit7", "-n", "scale7", "-o", "json"], ["status", "rabbit7", "-n", "scale7", "-o", "json"]),
        ]
        var rows = steps.map { SideBySide(label: "  " + $0.0) }
        for r in 0..<rounds {
            for (i, step) in steps.enumerated() {
                let ours = { Child.run([hrctl] + step.1, env: cluster.env) }
                let theirs = { Child.run([helm] + step.2, env: cluster.env) }
                var a: ChildRun, b: ChildRun
                if r % 2 == 0 { a = ours(); cluster.settle(); b = theirs() } else { b = theirs(); cluster.settle(); a = ours() }
                cluster.settle()
                rows[i].hrctl.append(a); rows[i].helm.append(b)
            }
        }
        for row in rows { print(row.row) }
        await upgrades(hrctl: hrctl, helm: helm, cluster: cluster, work: work, crowded: "scale3", rounds: rounds)
    }

    /// Writes `releases` × 3 records, 16 at a time: each release renamed, in namespace
    /// scale(i % 10), encoded as Helm's Secrets driver encodes it.
    static func write(_ templates: [Release], releases: Int, client: KubeClient) async throws {
        let storage = ReleaseStorage(client: client)
        let jobs = (0..<releases).flatMap { i in (0..<3).map { (i, $0) } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func add() {
                guard next < jobs.count else { return }
                let (i, v) = jobs[next]; next += 1
                var r = templates[v]
                r.name = "rabbit\(i)"; r.namespace = "scale\(i % 10)"
                group.addTask {
                    do { try await storage.create(r) } catch StorageError.exists {}  // a rerun on the same cluster
                }
            }
            for _ in 0..<16 { add() }
            while try await group.next() != nil { add() }
        }
    }

    /// An upgrade of a small release (3 objects, values changed every round) by each tool in a
    /// namespace that holds 300 rabbitmq records, and the same in an empty namespace, in the
    /// same run: the history an upgrade reads should cost nothing for the records of others.
    static func upgrades(hrctl: String, helm: String, cluster: BenchCluster, work: String, crowded: String, rounds: Int) async {
        let chart = work + "/upchart"
        try? FileSystem.makeDirectories(chart + "/templates")
        try? FileSystem.write(chart + "/Chart.yaml", Array("apiVersion: v2\nname: upchart\nversion: 1.0.0\n".utf8))
        try? FileSystem.write(chart + "/values.yaml", Array("round: 0\n".utf8))
        try? FileSystem.write(chart + "/templates/objects.yaml", Array("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: {{ .Release.Name }}-config}
            data: {round: "{{ .Values.round }}"}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: {{ .Release.Name }}}
            spec:
              ports: [{port: 80}]
              selector: {app: {{ .Release.Name }}}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: {{ .Release.Name }}}
            spec:
              replicas: 1
              selector: {matchLabels: {app: {{ .Release.Name }}}}
              template:
                metadata:
                  labels: {app: {{ .Release.Name }}}
                  annotations: {round: "{{ .Values.round }}"}
                spec:
                  containers: [{name: web, image: nginx:1.27}]

            """.utf8))
        let places = [("upgrade, namespace holding 300 records", crowded), ("upgrade, empty namespace", "empty")]
        for (_, ns) in places {
            _ = Child.run([hrctl, "install", "up-hrctl", chart, "-n", ns], env: cluster.env)
            _ = Child.run([helm, "install", "up-helm", chart, "-n", ns], env: cluster.env)
        }
        cluster.settle()
        var rows = places.map { SideBySide(label: "  " + $0.0) }
        for r in 1...rounds {
            for (i, (_, ns)) in places.enumerated() {
                let ours = [hrctl, "upgrade", "up-hrctl", chart, "-n", ns, "--set", "round=\(r)"]
                let theirs = [helm, "upgrade", "up-helm", chart, "-n", ns, "--set", "round=\(r)"]
                if r % 2 == 1 {
                    rows[i].hrctl.append(Child.run(ours, env: cluster.env)); cluster.settle()
                    rows[i].helm.append(Child.run(theirs, env: cluster.env)); cluster.settle()
                } else {
                    rows[i].helm.append(Child.run(theirs, env: cluster.env)); cluster.settle()
                    rows[i].hrctl.append(Child.run(ours, env: cluster.env)); cluster.settle()
                }
            }
        }
        for row in rows { print(row.row) }
        let crowdedMs = median(rows[0].hrctl.map(\.ms)), emptyMs = median(rows[1].hrctl.map(\.ms))
        let helmCrowded = median(rows[0].helm.map(\.ms)), helmEmpty = median(rows[1].helm.map(\.ms))
        print("  upgrade beside 300 records against an empty namespace: hrctl \(emptyMs > 0 ? fixed(crowdedMs / emptyMs, 2) : "?")x, helm \(helmEmpty > 0 ? fixed(helmCrowded / helmEmpty, 2) : "?")x")
    }
}
