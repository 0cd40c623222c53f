import ArgumentParser
import FileIO
import Actions
import ChartSource
#if canImport(Glibc)
import Glibc
#endif

/// `hrctl lint CHART…`: helm lint's rules, layout (`==> Linting`, `[ERROR]`, `[WARNING]`, `[INFO]`)
/// and exit code (1 when a chart has an error, or a warning with --strict).
struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lint", abstract: "Examine charts for possible issues.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Chart folders (default: the current folder).") var paths: [String] = []
    @Flag(name: .long, help: "Fail on lint warnings too.") var strict = false
    @Flag(name: .long, help: "Print only warnings and errors.") var quiet = false
    @Option(name: .customLong("kube-version"), help: "Kubernetes version for capabilities and deprecation checks.") var kubeVersion: String?
    @Flag(name: .customLong("skip-schema-validation"), help: "Do not validate values against values.schema.json.") var skipSchemaValidation = false
    @OptionGroup var values: ValueOptions
    @OptionGroup var renderLimits: RenderLimitOptions
    @Flag(name: .customLong("with-subcharts"), help: "lint dependent charts") var withSubcharts = false

    /// helm's --with-subcharts: every chart folder (a Chart.yaml) and archive found under each
    /// chart's charts/, in the order Go's filepath.Walk visits them (lexical).
    static func subcharts(of path: String) -> [String] {
        let root = (path.hasSuffix("/") ? String(path.dropLast()) : path) + "/charts"
        guard FileSystem.kind(root) == .directory, let files = try? FileSystem.walk(root) else { return [] }
        var out: [String] = []
        for f in files.sorted() {
            if f == "Chart.yaml" || f.hasSuffix("/Chart.yaml") {
                out.append(root + (f == "Chart.yaml" ? "" : "/" + String(f.dropLast("/Chart.yaml".count))))
            } else if f.hasSuffix(".tgz") || f.hasSuffix(".tar.gz") {
                out.append(root + "/" + f)
            }
        }
        return out
    }

    func run() throws {
        try renderLimits.apply()
        var o = Actions.Lint.Options()
        o.namespace = global.explicitNamespace ?? "default"
        o.kubeVersion = kubeVersion
        o.values = try values.userValues()
        o.skipSchemaValidation = skipSchemaValidation
        var charts = paths.isEmpty ? ["."] : paths
        if withSubcharts { charts += charts.flatMap(Self.subcharts) }
        var failed = 0
        var out = ""
        for path in charts {
            let messages = try Self.lint(path, options: o)
            let worst = messages.map(\.severity).max()
            let fails = worst == .error || (strict && worst == .warning)
            if fails { failed += 1 }
            let shown = quiet ? messages.filter { $0.severity >= .warning } : messages
            if quiet && shown.isEmpty { continue }
            out += "==> Linting \(path)\n" + shown.map { "\($0)\n" }.joined() + "\n"
        }
        Output.write(Array(out.utf8))
        let summary = "\(charts.count) chart(s) linted, \(failed) chart(s) failed"
        if failed > 0 { throw CLIError.lintFailed(summary) }
        Output.write(Array((summary + "\n").utf8))
    }

    /// A folder is linted where it is; an archive is unpacked into a temporary folder first, as helm does.
    static func lint(_ path: String, options: Actions.Lint.Options) throws -> [Actions.Lint.Message] {
        guard FileSystem.kind(path) == .file else { return Actions.Lint.lint(path, absolutePath: absolute(path), options: options) }
        let tmp = "/tmp/hrctl-lint-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { FileSystem.removeTree(tmp) }
        try ChartPull.unpack(try FileSystem.read(path), into: tmp, name: path)
        guard let top = try FileSystem.list(tmp).first else { return [] }
        return Actions.Lint.lint(tmp + "/" + top, absolutePath: tmp + "/" + top, options: options)
    }

    /// The chart folder as an absolute path (Helm names the folder so in its dependency warning).
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path }
        var buf = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buf, buf.count) != nil else { return path }
        var parts = String(cString: buf).split(separator: "/").map(String.init)
        for p in path.split(separator: "/") where p != "." {
            if p == ".." { _ = parts.popLast() } else { parts.append(String(p)) }
        }
        return "/" + parts.joined(separator: "/")
    }
}
