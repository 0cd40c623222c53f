// `make bench`, side by side with the official helm CLI (issue 13): the cluster side (install,
// upgrade, apply of an unchanged release, uninstall of a 200-object chart on the genuine
// kube-apiserver) and renders (kube-prometheus-stack, the whole ../shared/charts corpus), as
// ratios measured in one run. Wall time of the whole process and its peak RSS (the child's
// rusage, as /usr/bin/time reports it).
import FileIO
import Kube
import Values
#if canImport(Glibc)
import Glibc
#endif

/// One child process: wall time, peak RSS, whether it exited 0, its standard error when kept.
struct ChildRun {
    var ms: Double
    var rssMiB: Double?
    var ok: Bool
    var stderr: String
}

enum Child {
    static let rssFile = "/tmp/hrctl-bench-vs-rss-\(getpid())"
    static let errFile = "/tmp/hrctl-bench-vs-err-\(getpid())"

    /// Runs `args` with stdout discarded. The peak RSS comes from the rusage of a child of a
    /// small process, GNU time: rusage of our own child would start from this (larger)
    /// process's peak, which Linux carries into the child until exec.
    static func run(_ args: [String], env: [String: String] = [:], keepStderr: Bool = false) -> ChildRun {
        let timed = access("/usr/bin/time", X_OK) == 0
        let full = (timed ? ["/usr/bin/time", "-f", "%M", "-o", rssFile] : []) + args
        unlink(rssFile)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, keepStderr ? errFile : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = full.map { strdup($0) } + [nil]
        let envp = Subprocess.environment.merging(env) { $1 }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let start = now()
        guard posix_spawn(&pid, full[0], &actions, nil, argv, envp) == 0 else { return ChildRun(ms: 0, rssMiB: nil, ok: false, stderr: "cannot run \(full[0])") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let ms = (now() - start) * 1000
        let rss = timed ? (try? FileSystem.readText(rssFile)).flatMap { Double($0.split(separator: "\n").last.map(String.init) ?? "") }.map { $0 / 1024 } : nil
        let err = keepStderr ? ((try? FileSystem.readText(errFile)) ?? "") : ""
        // GNU time passes the exit status on.
        return ChildRun(ms: ms, rssMiB: rss, ok: status == 0, stderr: err)
    }
}

func median(_ xs: [Double]) -> Double {
    guard !xs.isEmpty else { return 0 }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func fixed(_ d: Double, _ places: Int) -> String {
    if places == 0 { return String(Int(d.rounded())) }
    var p = 1.0
    for _ in 0..<places { p *= 10 }
    let v = (d * p).rounded() / p
    var s = "\(v)"
    if let dot = s.firstIndex(of: ".") {
        let decimals = s.distance(from: dot, to: s.endIndex) - 1
        if decimals < places { s += String(repeating: "0", count: places - decimals) }
    } else if places > 0 { s += "." + String(repeating: "0", count: places) }
    return s
}

func padded(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }

/// Measurements of one step for both tools, printed as one row.
struct SideBySide {
    var label: String
    var hrctl: [ChildRun] = []
    var helm: [ChildRun] = []
    var note = ""

    var row: String {
        let hm = median(hrctl.map(\.ms)), gm = median(helm.map(\.ms))
        let hr = hrctl.compactMap(\.rssMiB), gr = helm.compactMap(\.rssMiB)
        var s = padded(label, 50) + " hrctl \(fixed(hm, 0)) ms"
        if !hr.isEmpty { s += " \(fixed(median(hr), 1)) MiB" }
        s += " | helm \(fixed(gm, 0)) ms"
        if !gr.isEmpty { s += " \(fixed(median(gr), 1)) MiB" }
        s += " | wall \(gm > 0 ? fixed(hm / gm, 2) : "?")x"
        if !hr.isEmpty && !gr.isEmpty { s += ", memory \(fixed(median(hr) / median(gr), 2))x" }
        if hrctl.contains(where: { !$0.ok }) || helm.contains(where: { !$0.ok }) { s += " (A RUN FAILED)" }
        return s + note
    }
}

enum VersusHelm {
    static var helm: String? {
        let tools = Subprocess.environment["HRCTL_TOOLS"] ?? ((Subprocess.environment["HOME"] ?? "") + "/.cache/hrctl-tools")
        let h = tools + "/helm"
        return access(h, X_OK) == 0 ? h : nil
    }

    static let skipHelm = "skipped: no helm in $HRCTL_TOOLS (default ~/.cache/hrctl-tools); ../shared/tools/install-helm ~/.cache/hrctl-tools installs it"

    /// `hrctl template` and `helm template`: kube-prometheus-stack with its subcharts (both cases of
    /// the corpus folder), then every case of the corpus.
    static func renders(hrctl: String, shared: String, rounds: Int = 5) {
        print("render, side by side with helm v4.3.1 (whole process: medians of \(rounds), alternating which runs first):")
        guard let helm else { print("  " + skipHelm); return }
        let kps = shared + "/charts/prometheus-community-kube-prometheus-stack"
        if access(kps + "/chart/Chart.yaml", R_OK) == 0 {
            for (label, extra) in [("default values", [String]()), ("values-custom.yaml", ["--values", kps + "/values-custom.yaml"])] {
                var row = SideBySide(label: "  kube-prometheus-stack 88.5.3, \(label)")
                let args = ["template", "demo", kps + "/chart", "--namespace", "apps"] + extra
                for r in 0..<rounds {
                    if r % 2 == 0 { row.hrctl.append(Child.run([hrctl] + args)); row.helm.append(Child.run([helm] + args)) }
                    else { row.helm.append(Child.run([helm] + args)); row.hrctl.append(Child.run([hrctl] + args)) }
                }
                print(row.row)
            }
        } else {
            print("  skipped kube-prometheus-stack: \(kps) is missing")
        }

        // The corpus: every case chart-conformance runs (default, custom, refused), each once per
        // tool, alternating which goes first; totals of wall time, the largest peak RSS.
        guard let names = try? FileSystem.list(shared + "/charts") else { print("  skipped the corpus: no \(shared)/charts"); return }
        var cases: [[String]] = []
        for name in names.sorted() {
            let d = shared + "/charts/" + name
            guard access(d + "/meta.json", R_OK) == 0 else { continue }
            let base = ["template", "demo", d + "/chart", "--namespace", "apps"]
            if access(d + "/expected-error.txt", R_OK) == 0 { cases.append(base); continue }
            if access(d + "/expected-default.yaml", R_OK) == 0 { cases.append(base) }
            if access(d + "/expected-custom.yaml", R_OK) == 0 { cases.append(base + ["--values", d + "/values-custom.yaml"]) }
        }
        var hrctlMs = 0.0, helmMs = 0.0, hrctlRSS = 0.0, helmRSS = 0.0
        var measured = true
        var perCase: [(label: String, ratio: Double, hrctl: Double, helm: Double)] = []
        for (i, args) in cases.enumerated() {
            let a: ChildRun, b: ChildRun
            if i % 2 == 0 { a = Child.run([hrctl] + args); b = Child.run([helm] + args) }
            else { b = Child.run([helm] + args); a = Child.run([hrctl] + args) }
            hrctlMs += a.ms; helmMs += b.ms
            if let r = a.rssMiB, let g = b.rssMiB { hrctlRSS = max(hrctlRSS, r); helmRSS = max(helmRSS, g) } else { measured = false }
            let chart = args[2].split(separator: "/").dropLast().last.map(String.init) ?? args[2]
            if b.ms > 0 { perCase.append((chart + (args.contains("--values") ? " custom" : ""), a.ms / b.ms, a.ms, b.ms)) }
        }
        var s = padded("  whole corpus (\(cases.count) cases, one pass each)", 50) + " hrctl \(fixed(hrctlMs / 1000, 2)) s"
        if measured { s += " \(fixed(hrctlRSS, 1)) MiB" }
        s += " | helm \(fixed(helmMs / 1000, 2)) s"
        if measured { s += " \(fixed(helmRSS, 1)) MiB" }
        s += " | wall \(helmMs > 0 ? fixed(hrctlMs / helmMs, 2) : "?")x"
        if measured && helmRSS > 0 { s += ", peak memory \(fixed(hrctlRSS / helmRSS, 2))x" }
        print(s)
        // Each case against its own helm run: the worst ratios (one run each, so noisy).
        let worst = perCase.sorted { $0.ratio > $1.ratio }.prefix(3)
        print("    worst single cases: " + worst.map { "\($0.label) \(fixed($0.ratio, 2))x (\(fixed($0.hrctl, 0)) vs \(fixed($0.helm, 0)) ms)" }.joined(separator: ", "))
        umbrella(hrctl: hrctl, helm: helm, shared: shared)
    }

    /// An umbrella chart of 100 subcharts: 100 aliases of bitnami nginx 22.1.1 (with bitnami
    /// common), about 600 objects and 200 generated RSA keys, built here from ../shared/repo.
    static func umbrella(hrctl: String, helm: String, shared: String, rounds: Int = 3) {
        let nginx = shared + "/repo/nginx-22.1.1.tgz"
        guard access(nginx, R_OK) == 0 else { print("  skipped the umbrella chart: no \(nginx)"); return }
        let dir = "/tmp/hrctl-bench-umbrella-\(getpid())"
        defer { FileSystem.removeTree(dir) }
        do {
            try FileSystem.makeDirectories(dir + "/charts")
            try FileSystem.write(dir + "/charts/nginx-22.1.1.tgz", try FileSystem.read(nginx))
            var chart = "apiVersion: v2\nname: umbrella\nversion: 0.1.0\ndependencies:\n"
            for i in 1...100 { chart += "- name: nginx\n  version: 22.1.1\n  alias: nginx\(i)\n" }
            try FileSystem.write(dir + "/Chart.yaml", Array(chart.utf8))
        } catch {
            print("  skipped the umbrella chart: \(error)")
            return
        }
        let args = ["template", "u", dir, "--namespace", "apps"]
        // Same output but for the generated keys and certificates.
        func tame(_ out: [UInt8]) -> [Substring] {
            String(decoding: out, as: UTF8.self).split(separator: "\n").filter { !$0.contains("tls.crt:") && !$0.contains("tls.key:") && !$0.contains("ca.crt:") }
        }
        let same: String
        if let a = try? Subprocess.run(hrctl, args), let b = try? Subprocess.run(helm, args) {
            same = a.status == 0 && b.status == 0 && tame(a.out) == tame(b.out) ? "output identical but for keys and certificates" : "OUTPUT DIFFERS"
        } else {
            same = "output not compared"
        }
        var row = SideBySide(label: "  umbrella of 100 nginx subcharts")
        for r in 0..<rounds {
            if r % 2 == 0 { row.hrctl.append(Child.run([hrctl] + args)); row.helm.append(Child.run([helm] + args)) }
            else { row.helm.append(Child.run([helm] + args)); row.hrctl.append(Child.run([hrctl] + args)) }
        }
        row.note = " (\(same))"
        print(row.row)
    }

    /// The cluster side on a private genuine kube-apiserver: each tool installs, upgrades (values
    /// changed), applies again unchanged (helm: upgrade with the same values) and uninstalls the
    /// 200-object chart in its own namespace; after every step the cluster is left to settle
    /// (controllers creating or collecting ReplicaSets and Pods), so one step's aftermath does
    /// not land in the next one's time.
    static func cluster(hrctl: String, shared: String, chart: String, work: String, rounds: Int = 3) async {
        print("cluster side, side by side with helm v4.3.1 (genuine kube-apiserver v1.28, \(chart): 50 each of ConfigMap, Secret, Service, Deployment; medians of \(rounds) rounds):")
        guard let helm else { print("  " + skipHelm); return }
        let script = shared + "/kube/cluster"
        guard access(script, X_OK) == 0 else { print("  skipped: no \(script) (the genuine cluster)"); return }
        guard access(chart + "/Chart.yaml", R_OK) == 0 else { print("  skipped: no chart at \(chart)"); return }
        let dir = work + "/cluster"
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
        do {
            let access = try KubeConfig.load(explicitPath: kubeconfig, environment: [:]).resolve(context: nil, namespace: nil)
            let client = try KubeClient(access: access)
            for ns in ["bench-helm", "bench-hrctl"] {
                _ = try? await client.request(.POST, "/api/v1/namespaces", body: .map(["apiVersion": .string("v1"), "kind": .string("Namespace"),
                                                                                    "metadata": .map(["name": .string(ns)])]))
            }
            try? await client.shutdown()
        } catch {
            print("  skipped: cannot use the cluster's kubeconfig \(kubeconfig): \(error)"); return
        }
        func release(_ values: String) -> String {
            let file = work + "/bench200-\(values.isEmpty ? "one" : "two").yaml"
            try? FileSystem.write(file, Array("""
                apiVersion: helm.fluxcd.io/v1
                kind: HelmRelease
                metadata: {name: bench, namespace: bench-hrctl}
                spec:
                  releaseName: bench
                  chart: {path: \(chart)}
                  values: {\(values)}

                """.utf8))
            return file
        }
        let first = release(""), second = release("revision: two")
        let steps: [(String, [String], [String])] = [
            ("install", ["apply", "-f", first], ["install", "bench", chart, "-n", "bench-helm"]),
            ("upgrade (values changed)", ["apply", "-f", second], ["upgrade", "bench", chart, "-n", "bench-helm", "--set", "revision=two"]),
            ("apply unchanged (helm: upgrade, same values)", ["apply", "-f", second], ["upgrade", "bench", chart, "-n", "bench-helm", "--set", "revision=two"]),
            ("uninstall", ["delete", "bench", "-n", "bench-hrctl"], ["uninstall", "bench", "-n", "bench-helm"]),
            // The same with helm's own command line on both sides (hrctl as a drop-in helm).
            ("install (helm's command line)", ["install", "bench", chart, "-n", "bench-hrctl"], ["install", "bench", chart, "-n", "bench-helm"]),
            ("upgrade --install (values changed)", ["upgrade", "--install", "bench", chart, "-n", "bench-hrctl", "--set", "revision=two"],
             ["upgrade", "--install", "bench", chart, "-n", "bench-helm", "--set", "revision=two"]),
            ("uninstall (helm's command line)", ["uninstall", "bench", "-n", "bench-hrctl"], ["uninstall", "bench", "-n", "bench-helm"]),
        ]
        var rows = steps.map { SideBySide(label: "  " + $0.0) }
        var requests = [Int](repeating: 0, count: steps.count)
        for r in 0..<rounds {
            for (i, step) in steps.enumerated() {
                let ours = { Child.run([hrctl] + step.1 + ["--debug"], env: env, keepStderr: true) }
                let theirs = { Child.run([helm] + step.2, env: env) }
                var a: ChildRun, b: ChildRun
                if r % 2 == 0 { a = ours(); settle(pids); b = theirs() } else { b = theirs(); settle(pids); a = ours() }
                settle(pids)
                rows[i].hrctl.append(a); rows[i].helm.append(b)
                // "[1.2s] 209 API requests (PATCH 200, …)", the client's own count (--debug).
                if let line = a.stderr.split(separator: "\n").last(where: { $0.contains(" API request") }),
                   let n = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) { requests[i] = n }
            }
        }
        for (i, var row) in rows.enumerated() {
            row.note = "; \(requests[i]) API requests, \(fixed(Double(requests[i]) / 200, 3)) per object"
            print(row.row)
        }
    }

    /// Waits (at most 20 s) until the cluster's processes use under 5% of a core over half a second.
    static func settle(_ pids: [Int32]) {
        func cpuTicks() -> Int {
            pids.reduce(0) { sum, pid in
                guard let stat = try? FileSystem.readText("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return sum }
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                guard fields.count > 13, let u = Int(fields[11]), let s = Int(fields[12]) else { return sum }
                return sum + u + s
            }
        }
        let hz = Int(sysconf(Int32(_SC_CLK_TCK)))
        let deadline = now() + 20
        while now() < deadline {
            let before = cpuTicks()
            usleep(500_000)
            if cpuTicks() - before <= max(1, hz / 40) { return }
        }
    }
}
