// The operator at scale on the genuine kube-apiserver (../shared/kube/cluster): N HelmReleases
// created at once (rabbitmq 6.10.0 from ../shared/repo, every 10th nginx 22.1.1), then the steady
// state, drift and valuesFrom reaction times, and a kill -9 and restart. N is
// HRCTL_BENCH_OPERATOR_N (default 100, CI-cheap; the issue's figure is 1000), workers
// HRCTL_BENCH_OPERATOR_WORKERS (2), replicas HRCTL_BENCH_OPERATOR_REPLICAS (1).
import Values
import YAML
import FileIO
import Kube
import Release
import Actions
import ChartSource
import KubeTestServer
import Operator
#if canImport(Glibc)
import Glibc
#endif

struct OperatorProcess {
    let pid: pid_t
    let port: Int
    let log: String

    static func start(_ binary: String, args: [String], env: [String: String], log: String) -> OperatorProcess? {
        let cargs = ([binary] + args).map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var envp = Subprocess.environment.merging(env) { $1 }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pid: pid_t = 0
        guard posix_spawn(&pid, binary, &actions, nil, cargs, &envp) == 0 else { return nil }
        let port = Int(args.first { $0.hasPrefix("127.0.0.1:") }?.split(separator: ":").last ?? "") ?? 0
        return OperatorProcess(pid: pid, port: port, log: log)
    }

    /// Peak resident memory (VmHWM) in MiB and CPU seconds (user + system) so far.
    var usage: (rssMiB: Double, cpu: Double) { OperatorProcess.usage(pid) }

    static func usage(_ pid: pid_t) -> (rssMiB: Double, cpu: Double) {
        var rss = 0.0, cpu = 0.0
        if let s = try? FileSystem.readText("/proc/\(pid)/status") {
            for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                rss = (Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
            }
        }
        if let s = try? FileSystem.readText("/proc/\(pid)/stat"), let close = s.lastIndex(of: ")") {
            let f = s[s.index(after: close)...].split(separator: " ")
            // Fields after the command: state is 3rd overall, utime 14th, stime 15th.
            if f.count > 13 { cpu = ((Double(f[11]) ?? 0) + (Double(f[12]) ?? 0)) / Double(sysconf(Int32(_SC_CLK_TCK))) }
        }
        return (rss, cpu)
    }

    func stop(signal sig: Int32 = SIGTERM) {
        kill(pid, sig)
        var status: Int32 = 0
        for _ in 0..<200 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(100_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }
}

/// A number from the operator's /metrics ("hrctl_api_requests_total").
func operatorMetric(_ http: HTTPFetcher, _ port: Int, _ name: String) async -> Double {
    guard case .body(let bytes, _, _)? = try? await http.get("http://127.0.0.1:\(port)/metrics") else { return -1 }
    for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix(name + " ") {
        return Double(line.split(separator: " ").last ?? "") ?? -1
    }
    return -1
}

func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

func operatorScaleBench(binary: String, shared: String, work: String) async throws {
    let env = Subprocess.environment
    let clusterTool = "\(shared)/kube/cluster"
    guard access(clusterTool, X_OK) == 0, access(binary, X_OK) == 0 else {
        print("operator scale on the genuine apiserver: skipped (needs \(clusterTool) and \(binary))")
        return
    }
    let n = Int(env["HRCTL_BENCH_OPERATOR_N"] ?? "") ?? 100
    let workers = Int(env["HRCTL_BENCH_OPERATOR_WORKERS"] ?? "") ?? 2
    let replicas = Int(env["HRCTL_BENCH_OPERATOR_REPLICAS"] ?? "") ?? 1
    let dir = "/tmp/hrctl-bench-cluster-\(getpid())"
    let up = try Subprocess.run(clusterTool, ["up", dir])
    guard up.status == 0 else {
        print("operator scale on the genuine apiserver: skipped (the cluster did not start: \(String(decoding: up.err, as: UTF8.self).split(separator: "\n").last ?? ""))")
        return
    }
    var processes: [OperatorProcess] = []
    let repo = StaticServer(root: "\(shared)/repo")
    defer {
        for p in processes { p.stop() }
        repo.stop()
        _ = try? Subprocess.run(clusterTool, ["down", dir])
        FileSystem.removeTree(dir)
    }
    let kubeconfig = String(decoding: up.out, as: UTF8.self).trimmingCharacters()
    let access = try KubeConfig.load(explicitPath: kubeconfig, environment: [:]).resolve(context: nil, namespace: nil)
    let client = try KubeClient(access: access)
    defer { Task { try? await client.shutdown() } }
    let http = try HTTPFetcher()
    let repoPort = try repo.start()

    _ = try await client.request(.POST, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: HelmReleaseCRD.definition())
    for _ in 0..<100 {
        if case .map(let crd)? = try? await client.request(.GET, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/helmreleases.helm.fluxcd.io"),
           case .map(let st)? = crd.entries["status"], case .list(let conds)? = st.entries["conditions"],
           conds.items.contains(where: { if case .map(let c) = $0 { return c.entries["type"]?.stringValue == "Established" && c.entries["status"]?.stringValue == "True" }; return false }) { break }
        usleep(100_000)
    }
    let ns = "fleet"
    _ = try await client.request(.POST, "/api/v1/namespaces", body: .map(["metadata": .map(["name": .string(ns)])]))
    let hrs = "/apis/helm.fluxcd.io/v1/namespaces/\(ns)/helmreleases"
    _ = try await client.request(.POST, "/api/v1/namespaces/\(ns)/configmaps", body: .map([
        "metadata": .map(["name": .string("fleet-values")]), "data": .map(["values.yaml": .string("commonLabels: {tier: one}\n")])]))

    let interval = n >= 500 ? 60 : 20
    func startOperator(_ tag: String) -> OperatorProcess? {
        let port = freePort()
        return OperatorProcess.start(binary, args: ["operator", "-A", "--workers", String(workers), "--interval", "\(interval)s",
                                                    "--probe-address", "127.0.0.1:\(port)", "--leader-election-namespace", "default"]
                                                    + (replicas > 1 ? ["--scale-out"] : []),
                                     env: ["KUBECONFIG": kubeconfig, "HRCTL_CACHE": work + "/op-cache"], log: work + "/operator-\(tag).log")
    }
    for r in 0..<replicas {
        guard let p = startOperator("1-\(r)") else { print("operator scale: cannot start \(binary)"); return }
        processes.append(p)
    }
    let first = processes[0]
    for _ in 0..<100 where await operatorMetric(http, first.port, "hrctl_leader") != 1 { usleep(100_000) }
    usleep(UInt32(replicas > 1 ? 3_000_000 : 0))
    /// A metric summed over the running replicas.
    func total(_ name: String) async -> Double {
        var t = 0.0
        for p in processes { t += max(0, await operatorMetric(http, p.port, name)) }
        return t
    }
    func usage() -> (Double, Double) {
        let u = processes.map(\.usage)
        return (u.map(\.rssMiB).max() ?? 0, u.map(\.cpu).reduce(0, +))
    }

    func document(_ i: Int) -> Value {
        let (chart, version) = i % 10 == 9 ? ("nginx", "22.1.1") : ("rabbitmq", "6.10.0")
        return .map(["apiVersion": .string("helm.fluxcd.io/v1"), "kind": .string("HelmRelease"),
                     "metadata": .map(["name": .string("r\(i)"), "namespace": .string(ns)]),
                     "spec": .map(["releaseName": .string("r\(i)"),
                                   "chart": .map(["repository": .string("http://127.0.0.1:\(repoPort)/"), "name": .string(chart), "version": .string(version)])])])
    }
    func deployedCount() async -> Int {
        guard case .map(let list)? = try? await client.request(.GET, hrs), case .list(let items)? = list.entries["items"] else { return 0 }
        return items.items.filter { v in
            guard case .map(let m) = v, case .map(let st)? = m.entries["status"], case .map(let md)? = m.entries["metadata"] else { return false }
            return st.entries["phase"]?.stringValue == "Deployed" && "\(st.entries["observedGeneration"] ?? .null)" == "\(md.entries["generation"] ?? .null)"
        }.count
    }

    // The burst: every HelmRelease created at once (16 requests in flight).
    let requests0 = await total("hrctl_api_requests_total")
    let start = now()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for lane in 0..<16 {
            group.addTask {
                for i in stride(from: lane, to: n, by: 16) { _ = try await client.request(.POST, hrs, body: document(i)) }
            }
        }
        try await group.waitForAll()
    }
    var deployed = 0
    // What the control plane spends meanwhile: on 2 cores it shares them with the operator, so
    // its CPU bounds the burst from below.
    let plane = ["kube-apiserver", "etcd", "kube-controller-manager"].map { name in
        (name, pid_t((try? FileSystem.readText("\(dir)/run/\(name).pid"))?.trimmingCharacters() ?? "") ?? 0)
    }
    let planeFrom = plane.map { OperatorProcess.usage($0.1).cpu }
    // The operators' success counts say when to look: the list of every HelmRelease that proves
    // it is itself a heavy request at 1,000 objects, and polled twice a second it added to the
    // apiserver load being measured.
    while now() - start < Double(n) * 1.5 + 120 {
        if await total("hrctl_reconcile_total{result=\"success\"}") >= Double(n) {
            deployed = await deployedCount()
            if deployed >= n { break }
            usleep(1_000_000)
        }
        usleep(100_000)
    }
    let burst = now() - start
    let burstRequests = await total("hrctl_api_requests_total") - requests0
    let (burstRSS, burstCPU) = usage()
    let cores = sysconf(Int32(_SC_NPROCESSORS_ONLN))
    let planeCPU = zip(plane, planeFrom).map { ($0.0, OperatorProcess.usage($0.1).cpu - $1) }
    var objects = 0
    for r in (try? await ReleaseStorage(client: client).latest(namespace: ns)) ?? [] { objects += ((try? ResourceList.parse(r.manifest)) ?? []).count }
    let budget = 1.5 * Double(objects) + 3 * Double(n)
    print("operator scale (genuine apiserver, \(n) HelmReleases at once, \(workers) workers, \(replicas) replica\(replicas > 1 ? "s, --scale-out" : "")): \(deployed)/\(n) Deployed in \(format3(burst)) s; "
          + "operator peak RSS \(format3(burstRSS)) MiB\(replicas > 1 ? " (largest replica)" : ""), CPU \(format3(burstCPU)) s; \(Int(burstRequests)) API requests = \(format3(burstRequests / Double(max(n, 1)))) per install "
          + "for \(objects) objects (budget 1.5/object + 3/release = \(Int(budget)))")
    print("  control plane CPU meanwhile: " + planeCPU.map { "\($0.0) \(format3($0.1)) s" }.joined(separator: ", ")
          + " (\(format3(planeCPU.map(\.1).reduce(0, +) + burstCPU)) CPU-s with the operator's, of \(format3(burst * Double(cores))) on \(cores) cores)")

    // Steady state: two resync intervals with nothing changing.
    let quietFrom = await total("hrctl_api_requests_total")
    let cpuFrom = usage().1
    let window = Double(interval * 2 + 2)
    usleep(UInt32(window * 1e6))
    let quietRequests = await total("hrctl_api_requests_total") - quietFrom
    let quietCPU = usage().1 - cpuFrom
    let skipped = await total("hrctl_reconcile_skipped_total")
    print("operator steady state (\(n) releases, resync every \(interval) s, \(Int(window)) s): \(Int(quietRequests)) API requests "
          + "(\(format3(quietRequests / Double(max(n, 1)) / 2)) per release per resync), CPU \(format3(quietCPU)) s; \(Int(skipped)) resync reconciles skipped as unchanged")

    // Drift: an owned object deleted, an owned field edited; a valuesFrom ConfigMap changed.
    func serviceOf(_ release: String) async -> (String, String)? {
        guard case .map(let l)? = try? await client.request(.GET, "/api/v1/namespaces/\(ns)/services",
                                                           query: [("labelSelector", "app.kubernetes.io/managed-by=Helm,release=\(release)")]),
              case .list(let items)? = l.entries["items"] else { return nil }
        for item in items.items {
            if case .map(let m) = item, case .map(let md)? = m.entries["metadata"], let name = md.entries["name"]?.stringValue {
                return (name, md.entries["uid"]?.stringValue ?? "")
            }
        }
        return nil
    }
    if let (svc, uid) = await serviceOf("r0") {
        _ = try? await client.request(.DELETE, "/api/v1/namespaces/\(ns)/services/\(svc)")
        let t = now()
        var back = false
        while now() - t < 60 {
            if case .map(let m)? = try? await client.request(.GET, "/api/v1/namespaces/\(ns)/services/\(svc)"),
               case .map(let md)? = m.entries["metadata"], md.entries["uid"]?.stringValue != uid { back = true; break }
            usleep(50_000)
        }
        print("operator drift: a deleted Service of r0 \(back ? "re-created in \(format3(now() - t)) s" : "NOT re-created within 60 s")")
        let patch: Value = .map(["metadata": .map(["labels": .map(["app": .string("edited")])])])
        _ = try? await client.request(.PATCH, "/api/v1/namespaces/\(ns)/services/\(svc)", query: [("fieldManager", "kubectl-edit")],
                                      body: patch, contentType: "application/merge-patch+json")
        let e = now()
        var reverted = false
        while now() - e < 60 {
            if case .map(let m)? = try? await client.request(.GET, "/api/v1/namespaces/\(ns)/services/\(svc)"),
               case .map(let md)? = m.entries["metadata"], case .map(let labels)? = md.entries["labels"],
               labels.entries["app"]?.stringValue != "edited" { reverted = true; break }
            usleep(50_000)
        }
        print("operator drift: a kubectl-edit of a Service label of r0 \(reverted ? "reverted in \(format3(now() - e)) s" : "NOT reverted within 60 s")")
    }
    var vf = document(n)
    if case .map(let m) = vf, case .map(let spec)? = m.entries["spec"] {
        spec.entries["valuesFrom"] = .list([.map(["configMapKeyRef": .map(["name": .string("fleet-values"), "key": .string("values.yaml")])])])
    }
    vf = try YAML.load(try YAMLWriter.marshal(vf))!
    _ = try? await client.request(.POST, hrs, body: vf)
    let vfName = "r\(n)"
    let vfStart = now()
    while now() - vfStart < 60, (try? await client.request(.GET, "/api/v1/namespaces/\(ns)/secrets/sh.helm.release.v1.\(vfName).v1")) == nil { usleep(100_000) }
    _ = try? await client.request(.PATCH, "/api/v1/namespaces/\(ns)/configmaps/fleet-values",
                                  body: .map(["data": .map(["values.yaml": .string("commonLabels: {tier: two}\n")])]), contentType: "application/merge-patch+json")
    let c = now()
    var upgraded = false
    while now() - c < 60 {
        if (try? await client.request(.GET, "/api/v1/namespaces/\(ns)/secrets/sh.helm.release.v1.\(vfName).v2")) != nil { upgraded = true; break }
        usleep(50_000)
    }
    print("operator valuesFrom: a changed ConfigMap \(upgraded ? "upgraded its release in \(format3(now() - c)) s" : "did NOT upgrade its release within 60 s")")

    // kill -9 and restart: the new one re-checks everything from its watches (with replicas,
    // one is killed and replaced; the others take its share meanwhile).
    let victim = processes.removeFirst()
    victim.stop(signal: SIGKILL)
    guard let second = startOperator("2") else { return }
    processes.append(second)
    let r0 = now()
    var settled = false
    while now() - r0 < Double(n) + 120 {
        let done = await total("hrctl_reconcile_total{result=\"success\"}") + (replicas > 1 ? await total("hrctl_reconcile_skipped_total") : 0)
        let depth = await total("hrctl_workqueue_depth")
        if done >= Double(replicas > 1 ? 0 : n + 1) && depth == 0 && now() - r0 > (replicas > 1 ? 20 : 0) { settled = true; break }
        usleep(250_000)
    }
    let restart = now() - r0
    let restartRequests = await operatorMetric(http, second.port, "hrctl_api_requests_total")
    let (restartRSS, restartCPU) = second.usage
    let finalDeployed = await deployedCount()
    var twice = 0
    for r in (try? await ReleaseStorage(client: client).query(namespace: ns)) ?? [] where r.info.status == .deployed { twice += 1 }
    print("operator restart after kill -9 (\(n + 1) deployed releases\(replicas > 1 ? ", 1 of \(replicas) replicas" : "")): \(settled ? "queue empty after \(format3(restart)) s" : "NOT settled in \(format3(restart)) s"), "
          + "the new process: \(Int(restartRequests)) API requests, peak RSS \(format3(restartRSS)) MiB, CPU \(format3(restartCPU)) s; \(finalDeployed)/\(n + 1) Deployed, "
          + "\(twice) deployed revisions in all (one per release expected)")
    for p in processes { p.stop() }
    processes = []
    let floor = try await OperatorFloor.measure(client: client, n: n, workers: workers, namespace: "floor") { i in
        "\(shared)/repo/" + (i % 10 == 9 ? "nginx-22.1.1.tgz" : "rabbitmq-6.10.0.tgz")
    }
    print("operator floor (the same \(n) releases' \(floor.objects) objects applied by server-side apply, \(workers) releases at a time, "
          + "no operator, no records): \(format3(floor.seconds)) s; the operator's burst took \(format3(burst)) s = \(format3(burst / floor.seconds))× the floor")
    var logs = ""
    for name in (try? FileSystem.list(work)) ?? [] where name.hasPrefix("operator-") { logs += (try? FileSystem.readText(work + "/" + name)) ?? "" }
    let failures = logs.split(separator: "\n").filter { $0.contains("failed") }
    if !failures.isEmpty { print("operator log: \(failures.count) failure lines, first: \(failures[0])") }
    if let keep = env["HRCTL_BENCH_KEEP_LOGS"], !keep.isEmpty {
        for name in (try? FileSystem.list(work)) ?? [] where name.hasPrefix("operator-") { _ = try? Subprocess.run("cp", [work + "/" + name, keep]) }
    }
}
