// `make bench`: times the template engine on a large generated template and prints
// operations per second and peak memory. A benchmark, not a test: it asserts nothing.
import GoTemplate
import Values
import YAML
import Engine
import Chart
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
