// `make bench`: times the template engine on a large generated template and prints
// operations per second and peak memory, then whole-process runs (renders, chart fetches, the
// loopback server's releases, the operator) and the rows side by side with the official helm
// CLI (VersusHelm.swift). A benchmark, not a test: it asserts nothing.
import GoTemplate
import Values
import YAML
import Engine
import Chart
import ChartSource
import KubeTestServer
import FileIO
import Kube
import Actions
import Operator
#if canImport(Glibc)
import Glibc
#endif

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func peakRSSMiB() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / 1024
}

/// A chart-like template: `blocks` sections of ranges, conditions, printf and defines.
func generateTemplate(blocks: Int) -> String {
    var s = "{{- define \"labels\" -}}\napp: {{ .name }}\ntier: {{ .tier | printf \"%q\" }}\n{{- end -}}\n"
    for i in 0..<blocks {
        s += """
        ---
        # block \(i)
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{ printf "%s-%d" .name \(i) }}
          labels:
            {{- template "labels" . }}
        data:
        {{- range $k, $v := .data }}
          {{ $k }}: {{ printf "%v-%05d" $v \(i) | printf "%q" }}
        {{- end }}
        {{- if and .enabled (gt (len .items) 2) }}
          items: |
        {{- range $i, $item := .items }}
            {{ $i }}: {{ if eq $item.kind "a" }}{{ $item.value }}{{ else if eq $item.kind "b" }}{{ printf "%.2f" $item.weight }}{{ else }}other{{ end }}
        {{- end }}
        {{- else }}
          items: none
        {{- end }}
        {{- with .nested.deep }}
          deep: {{ .value | printf "%s" }}
        {{- end }}

        """
    }
    return s
}

func benchData() -> Value {
    var data: [String: Value] = [:]
    for i in 0..<10 { data["key\(i)"] = .string("value\(i)") }
    var items: [Value] = []
    for i in 0..<12 {
        items.append(.map(["kind": .string(["a", "b", "c"][i % 3]), "value": .string("v\(i)"), "weight": .float(Double(i) * 1.25)]))
    }
    return .map([
        "name": .string("bench"), "tier": .string("backend"), "enabled": .bool(true),
        "data": .map(data), "items": .list(items),
        "nested": .map(["deep": .map(["value": .string("found")])]),
    ])
}

func measure(_ label: String, minSeconds: Double = 1.0, _ body: () throws -> Void) rethrows -> Double {
    var n = 0
    let start = now()
    var elapsed = 0.0
    repeat {
        try body()
        n += 1
        elapsed = now() - start
    } while elapsed < minSeconds
    let ops = Double(n) / elapsed
    print("\(label): \(n) runs in \(format3(elapsed)) s = \(format3(ops)) ops/s, \(format3(elapsed / Double(n) * 1000)) ms/op")
    return ops
}

func format3(_ d: Double) -> String {
    let v = (d * 1000).rounded() / 1000
    return "\(v)"
}

// `hrctl-bench index FILE`: parse one index in a fresh process, so its peak memory is its own.
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "index" {
    let bytes = try FileSystem.read(CommandLine.arguments[2])
    let start = now()
    let index = try RepositoryIndex.parse(bytes, source: CommandLine.arguments[2])
    let ms = (now() - start) * 1000
    let versions = index.entries.values.reduce(0) { $0 + $1.count }
    print("\(format3(ms)) \(versions)")
    exit(0)
}

// `hrctl-bench helm [render|cluster|wait]`: only the rows side by side with helm.
if CommandLine.arguments.count >= 2, CommandLine.arguments[1] == "helm" {
    let only = CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : ""
    var cwdBuf = [CChar](repeating: 0, count: 4096)
    let root = String(cString: getcwd(&cwdBuf, cwdBuf.count))
    let scratch = "/tmp/hrctl-bench-\(getpid())"
    try FileSystem.makeDirectories(scratch)
    if only != "cluster" && only != "wait" { VersusHelm.renders(hrctl: ".build/release/hrctl", shared: "../shared") }
    if only != "render" && only != "wait" {
        await VersusHelm.cluster(hrctl: ".build/release/hrctl", shared: "../shared", chart: root + "/Fixtures/charts/bench200", work: scratch)
    }
    if only == "" || only == "wait" {
        // HRCTL_BENCH_HRCTL: another build of hrctl to time (a debug one, say).
        await WaitLatency.run(hrctl: Subprocess.environment["HRCTL_BENCH_HRCTL"] ?? ".build/release/hrctl", shared: "../shared", chart: root + "/Fixtures/charts/rollout", work: scratch)
    }
    FileSystem.removeTree(scratch)
    exit(0)
}

// `HRCTL_BENCH_ONLY=storage`: only the release-storage-at-scale rows (a genuine cluster of its own).
if Subprocess.environment["HRCTL_BENCH_ONLY"] == "storage" {
    let dir = "/tmp/hrctl-bench-\(getpid())"
    try FileSystem.makeDirectories(dir)
    await StorageScale.run(hrctl: ".build/release/hrctl", shared: "../shared", work: dir)
    FileSystem.removeTree(dir)
    exit(0)
}

// `HRCTL_BENCH_ONLY=operator`: only the operator-at-scale row (it brings a genuine cluster up).
if Subprocess.environment["HRCTL_BENCH_ONLY"] == "operator" {
    let dir = "/tmp/hrctl-bench-\(getpid())"
    try FileSystem.makeDirectories(dir)
    try await operatorScaleBench(binary: ".build/release/hrctl", shared: "../shared", work: dir)
    FileSystem.removeTree(dir)
    exit(0)
}

let blocks = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 1000 : 1000
let text = generateTemplate(blocks: blocks)
let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
print("template engine benchmark: \(lines) lines, \(text.utf8.count) bytes, \(blocks) blocks")
let data = benchData()

_ = try measure("parse") {
    let set = TemplateSet()
    try set.parse(name: "bench", text: text)
}
let set = TemplateSet()
try set.parse(name: "bench", text: text)
var outBytes = 0
_ = try measure("execute") {
    var out: [UInt8] = []
    out.reserveCapacity(outBytes)
    try set.execute("bench", data: data, output: &out)
    outBytes = out.count
}
print("output: \(outBytes) bytes per execution")
print("peak RSS so far: \(format3(peakRSSMiB())) MiB")

// toYaml of a large values tree (what charts do with `toYaml .Values.x | nindent`).
func bigTree(_ depth: Int, _ width: Int) -> Value {
    if depth == 0 { return .string("value with some text") }
    var m: [String: Value] = [:]
    for i in 0..<width {
        m["key\(i)"] = i % 3 == 0 ? .list([.float(Double(i)), .bool(true), .string("x\(i)")]) : bigTree(depth - 1, width)
    }
    return .map(m)
}
let tree = bigTree(4, 12)
var yamlBytes = 0
_ = try measure("toYaml (values tree of \(12 * 12 * 12 * 12) leaves)") {
    yamlBytes = try YAMLWriter.marshal(tree).utf8.count
}
print("toYaml output: \(yamlBytes) bytes")

// include-heavy rendering: a helper included thousands of times, as chart labels are.
let helpers = """
{{- define "c.name" -}}{{ default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- define "c.labels" -}}
app.kubernetes.io/name: {{ include "c.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}
"""
var body = ""
for i in 0..<500 {
    body += "---\nkind: ConfigMap\nmetadata:\n  name: cm-\(i)\n  labels:\n    {{- include \"c.labels\" . | nindent 4 }}\ndata:\n  v: {{ .Values.v | quote }}\n"
}
let chart = Chart(metadata: { var m = Metadata(); m.name = "c"; m.version = "1.0.0"; m.apiVersion = "v2"; return m }(),
                  values: Map(["v": .string("x")]),
                  templates: [Chart.File(name: "templates/_helpers.tpl", data: Array(helpers.utf8)),
                              Chart.File(name: "templates/cms.yaml", data: Array(body.utf8))],
                  files: [], source: "bench")
let chartValues = Coalesce.values(chart, Map([:]))
_ = try measure("include-heavy render (500 documents, 2,000 includes)") {
    _ = try Renderer.render(chart, values: chartValues, options: RenderOptions())
}
print("peak RSS of the benchmark process: \(format3(peakRSSMiB())) MiB")

// Whole-process renders of real charts with the release binary, as users run them.
let rssReport = "/tmp/hrctl-bench-rss-\(getpid())"

func runChild(_ argsIn: [String]) -> (ms: Double, rssMiB: Double, ok: Bool) {
    var pid: pid_t = 0
    let args = access("/usr/bin/time", X_OK) == 0 ? ["/usr/bin/time", "-f", "%M", "-o", rssReport] + argsIn : argsIn
    let cargs = args.map { strdup($0) } + [nil]
    defer { cargs.forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let start = now()
    guard posix_spawn(&pid, args[0], &actions, nil, cargs, environ) == 0 else { return (0, 0, false) }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    let elapsed = (now() - start) * 1000
    // rusage's maxrss of a child starts from its parent's peak on Linux, so the child runs
    // under GNU time (a small process) and its own peak is read from time's report.
    var hwmKiB = 0.0
    if let f = fopen(rssReport, "r") {
        var line = [CChar](repeating: 0, count: 64)
        if fgets(&line, Int32(line.count), f) != nil {
            hwmKiB = Double(String(decoding: line.prefix(while: { $0 != 0 && $0 != 10 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)) ?? 0
        }
        fclose(f)
    }
    return (elapsed, hwmKiB / 1024, status == 0)
}

let binary = ".build/release/hrctl"
let shared = "../shared"
let charts: [(String, String)] = [
    ("kube-prometheus-stack 88.5.3 (repo .tgz, with subcharts)", "\(shared)/repo/kube-prometheus-stack-88.5.3.tgz"),
    ("bitnami airflow", "\(shared)/charts/bitnami-airflow/chart"),
    ("bitnami kube-prometheus", "\(shared)/charts/bitnami-kube-prometheus/chart"),
]
if access(binary, X_OK) == 0 {
    for (label, path) in charts where access(path, R_OK) == 0 {
        var times: [Double] = [], rss: [Double] = []
        var ok = true
        for _ in 0..<7 {
            let r = runChild([binary, "template", "demo", path, "--namespace", "apps"])
            ok = ok && r.ok
            times.append(r.ms); rss.append(r.rssMiB)
        }
        times.sort()
        print("hrctl template \(label): median \(format3(times[times.count / 2])) ms, peak RSS \(format3(rss.max() ?? 0)) MiB\(ok ? "" : " (FAILED)")")
    }
} else {
    print("(build \(binary) with 'make release' to time whole chart renders)")
}

// MARK: chart sources and releases (issues 6 and 7)

/// Runs a child process; its wall time, peak RSS (from GNU time) and standard output.
func runCapture(_ args: [String], env: [String: String] = [:]) -> (ms: Double, rssMiB: Double, ok: Bool, out: String) {
    let outFile = "/tmp/hrctl-bench-out-\(getpid())"
    var pid: pid_t = 0
    let full = (access("/usr/bin/time", X_OK) == 0 ? ["/usr/bin/time", "-f", "%M", "-o", rssReport] : []) + args
    let cargs = full.map { strdup($0) } + [nil]
    defer { cargs.forEach { free($0) } }
    var envp = Subprocess.environment.merging(env) { $1 }.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { envp.forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, outFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let start = now()
    guard posix_spawn(&pid, full[0], &actions, nil, cargs, &envp) == 0 else { return (0, 0, false, "") }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    let ms = (now() - start) * 1000
    let rss = (try? FileSystem.readText(rssReport)).flatMap { Double($0.split(separator: "\n").last.map(String.init) ?? "") } ?? 0
    let out = (try? FileSystem.readText(outFile)) ?? ""
    return (ms, rss / 1024, status == 0, out)
}

let work = "/tmp/hrctl-bench-\(getpid())"
try FileSystem.makeDirectories(work)
defer { FileSystem.removeTree(work) }
let selfPath = CommandLine.arguments[0]

// Index parsing: ../shared/tools/gen-index writes 15,000 versions (~13 MB).
if access("\(shared)/tools/gen-index", R_OK) == 0 {
    let indexPath = work + "/index.yaml"
    _ = runCapture(["/usr/bin/env", "python3", "\(shared)/tools/gen-index", indexPath])
    var times: [Double] = [], rss: [Double] = []
    var versions = ""
    for _ in 0..<5 {
        let r = runCapture([selfPath, "index", indexPath])
        let parts = r.out.split(separator: " ")
        if let t = parts.first.flatMap({ Double($0) }) { times.append(t) }
        versions = parts.count > 1 ? String(parts[1]).trimmingCharacters() : ""
        rss.append(r.rssMiB)
    }
    times.sort()
    let size = FileSystem.info(indexPath)?.size ?? 0
    print("repository index (\(size >> 20) MB, \(versions) versions): parse median \(format3(times.isEmpty ? 0 : times[times.count / 2])) ms, process peak RSS \(format3(rss.max() ?? 0)) MiB (Helm: ~1200 ms, ~350 MiB)")
}

if access(binary, X_OK) == 0 {
    // Chart fetch: a v1 HelmRelease naming a chart in a repository on 127.0.0.1, cold cache then warm.
    let repo = StaticServer(root: "\(shared)/repo")
    let repoPort = try repo.start()
    let hr = work + "/rabbit.yaml"
    try FileSystem.write(hr, Array("""
    apiVersion: helm.fluxcd.io/v1
    kind: HelmRelease
    metadata: {name: rabbit, namespace: default}
    spec:
      releaseName: rabbit
      chart: {repository: "http://127.0.0.1:\(repoPort)/", name: kube-prometheus-stack, version: 88.5.3}

    """.utf8))
    var cold: [Double] = [], warm: [Double] = []
    for i in 0..<5 {
        let env = ["HRCTL_CACHE": work + "/cache-\(i)"]
        cold.append(runCapture([binary, "template", "-f", hr], env: env).ms)
        warm.append(runCapture([binary, "template", "-f", hr], env: env).ms)
    }
    cold.sort(); warm.sort()
    print("hrctl template -f (kube-prometheus-stack from a repository on 127.0.0.1): cold cache median \(format3(cold[2])) ms, warm cache median \(format3(warm[2])) ms")
    repo.stop()

    // Releases against the loopback API server: requests counted by the server.
    let server = try KubeTestServer()
    let apiPort = try server.start()
    let kubeconfig = work + "/kubeconfig"
    try FileSystem.write(kubeconfig, Array(server.credentials.kubeconfig(url: server.url(port: apiPort)).utf8))
    final class Counter: @unchecked Sendable {
        var n = 0
        let lock = NSLockBench()
        func add() { lock.lock(); n += 1; lock.unlock() }
        func take() -> Int { lock.lock(); defer { lock.unlock() }; let v = n; n = 0; return v }
    }
    let counter = Counter()
    server.requestLog = { _ in counter.add() }

    // A generated chart with 200 objects: ConfigMaps, Services and Deployments.
    let big = work + "/big"
    try FileSystem.makeDirectories(big + "/templates")
    try FileSystem.write(big + "/Chart.yaml", Array("apiVersion: v2\nname: big\nversion: 1.0.0\n".utf8))
    try FileSystem.write(big + "/values.yaml", Array("count: 200\nimage: nginx:1.27\n".utf8))
    try FileSystem.write(big + "/templates/objects.yaml", Array("""
    {{- range $i, $_ := until (int .Values.count) }}
    ---
    {{- if eq (mod $i 3) 0 }}
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: {{ $.Release.Name }}-cm-{{ $i }}
    data:
      index: "{{ $i }}"
    {{- else if eq (mod $i 3) 1 }}
    apiVersion: v1
    kind: Service
    metadata:
      name: {{ $.Release.Name }}-svc-{{ $i }}
    spec:
      ports: [{port: 80}]
      selector: {app: {{ $.Release.Name }}-{{ $i }}}
    {{- else }}
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: {{ $.Release.Name }}-deploy-{{ $i }}
    spec:
      replicas: 1
      selector: {matchLabels: {app: {{ $.Release.Name }}-{{ $i }}}}
      template:
        metadata: {labels: {app: {{ $.Release.Name }}-{{ $i }}}}
        spec:
          containers: [{name: web, image: {{ $.Values.image }}}]
    {{- end }}
    {{- end }}

    """.utf8))
    func release(_ name: String, chart: String, ns: String, values: String = "{}") -> String {
        "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {name: \(name), namespace: \(ns)}\nspec:\n  releaseName: \(name)\n  chart: {path: \(chart)}\n  values: \(values)\n"
    }
    let bigRelease = work + "/big.yaml"
    try FileSystem.write(bigRelease, Array(release("big", chart: big, ns: "bench").utf8))
    let install = runCapture([binary, "apply", "-f", bigRelease, "--kubeconfig", kubeconfig, "--wait"])
    let installRequests = counter.take()
    let noop = runCapture([binary, "apply", "-f", bigRelease, "--kubeconfig", kubeconfig])
    let noopRequests = counter.take()
    try FileSystem.write(bigRelease, Array(release("big", chart: big, ns: "bench", values: "{image: nginx:1.28}").utf8))
    let upgrade = runCapture([binary, "apply", "-f", bigRelease, "--kubeconfig", kubeconfig, "--wait"])
    let upgradeRequests = counter.take()
    print("hrctl apply, 200-object chart: install --wait \(format3(install.ms)) ms, \(installRequests) requests (\(format3(Double(installRequests) / 200)) per object), peak RSS \(format3(install.rssMiB)) MiB\(install.ok ? "" : " (FAILED)")")
    print("hrctl apply, 200-object chart unchanged (drift check): \(format3(noop.ms)) ms, \(noopRequests) requests\(noop.ok ? "" : " (FAILED)")")
    print("hrctl apply, 200-object chart upgrade --wait: \(format3(upgrade.ms)) ms, \(upgradeRequests) requests\(upgrade.ok ? "" : " (FAILED)")")

    // 50 releases in one input, applied in parallel.
    var cwd = [CChar](repeating: 0, count: 4096)
    let shop = String(cString: getcwd(&cwd, cwd.count)) + "/Fixtures/charts/shop"
    var many = ""
    for i in 0..<50 { many += "---\n" + release("shop-\(i)", chart: FileSystem.kind(shop) == .directory ? shop : big, ns: "many", values: "{hooks: false}") }
    let manyFile = work + "/many.yaml"
    try FileSystem.write(manyFile, Array(many.utf8))
    for parallel in [1, 8, 50] {
        _ = runCapture([binary, "delete", "-f", manyFile, "--kubeconfig", kubeconfig])
        _ = counter.take()
        let r = runCapture([binary, "apply", "-f", manyFile, "--kubeconfig", kubeconfig, "--parallel", String(parallel)])
        print("hrctl apply, 50 releases --parallel \(parallel): \(format3(r.ms)) ms, \(counter.take()) requests, peak RSS \(format3(r.rssMiB)) MiB\(r.ok ? "" : " (FAILED)")")
    }
    server.stop()

    // Operator mode: 100 HelmRelease objects created at once, reconciled by 8 workers.
    let opServer = try KubeTestServer()
    let opPort = try opServer.start()
    let opText = opServer.credentials.kubeconfig(url: opServer.url(port: opPort))
    let opAccess = try KubeConfig.load(explicitPath: "kc", environment: [:], readFile: { _ in opText }).resolve(context: nil, namespace: nil)
    let opClient = try KubeClient(access: opAccess)
    let opFetcher = try ChartFetcher(cache: ChartCache(root: work + "/op-cache"))
    _ = try await opClient.request(.POST, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: HelmReleaseCRD.definition())
    for _ in 0..<3 { _ = try await opClient.request(.GET, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/helmreleases.helm.fluxcd.io") }
    _ = try await opClient.request(.POST, "/api/v1/namespaces", body: .map(["metadata": .map(["name": .string("fleet")])]))
    var opConfig = OperatorConfig(identity: "bench")
    opConfig.workers = 8
    opConfig.resyncInterval = 3600
    let op = Operator(config: opConfig, context: ActionContext(client: opClient), fetcher: opFetcher)
    let opTask = Task { try await op.run() }
    let start = now()
    for i in 0..<100 {
        let hr = try YAML.load(release("r\(i)", chart: shop, ns: "fleet", values: "{hooks: false}"))!
        _ = try await opClient.request(.POST, "/apis/helm.fluxcd.io/v1/namespaces/fleet/helmreleases", body: hr)
    }
    var deployed = 0
    while now() - start < 120 {
        guard case .map(let list) = try await opClient.request(.GET, "/apis/helm.fluxcd.io/v1/namespaces/fleet/helmreleases"),
              case .list(let items)? = list.entries["items"] else { break }
        deployed = items.items.filter { v in
            if case .map(let m) = v, case .map(let st)? = m.entries["status"] { return st.entries["phase"]?.stringValue == "Deployed" }
            return false
        }.count
        if deployed == 100 { break }
        try await Task.sleep(nanoseconds: 50_000_000)
    }
    let elapsed = (now() - start) * 1000
    let perRelease = await op.metrics.text().split(separator: "\n").first { $0.hasPrefix("hrctl_reconcile_duration_seconds_sum") }
    print("operator, 100 HelmReleases created at once (8 workers): \(deployed)/100 Deployed in \(format3(elapsed)) ms; \(perRelease ?? "")")
    op.stop()
    _ = try? await opTask.value
    await opFetcher.shutdown()
    try? await opClient.shutdown()
    opServer.stop()
}

// MARK: side by side with helm (issue 13)

if access(binary, X_OK) == 0 {
    var cwdBuf = [CChar](repeating: 0, count: 4096)
    let root = String(cString: getcwd(&cwdBuf, cwdBuf.count))
    VersusHelm.renders(hrctl: binary, shared: shared)
    await VersusHelm.cluster(hrctl: binary, shared: shared, chart: root + "/Fixtures/charts/bench200", work: work)
    await WaitLatency.run(hrctl: binary, shared: shared, chart: root + "/Fixtures/charts/rollout", work: work)
    await StorageScale.run(hrctl: binary, shared: shared, work: work)
} else {
    print("side by side with helm: skipped (build \(binary) with 'make release')")
}

final class NSLockBench: @unchecked Sendable {
    private var m = pthread_mutex_t()
    init() { pthread_mutex_init(&m, nil) }
    func lock() { pthread_mutex_lock(&m) }
    func unlock() { pthread_mutex_unlock(&m) }
}

extension String {
    func trimmingCharacters() -> String { String(self.filter { !$0.isWhitespace }) }
}

// MARK: the operator at scale on the genuine apiserver (issue 17)
try await operatorScaleBench(binary: binary, shared: shared, work: work)
