// `make bench`: times the template engine on a large generated template and prints
// operations per second and peak memory. A benchmark, not a test: it asserts nothing.
import GoTemplate
import Values
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
print("peak RSS: \(format3(peakRSSMiB())) MiB")
