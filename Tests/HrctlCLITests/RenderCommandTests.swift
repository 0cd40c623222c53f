import Foundation
import XCTest
import KubeTestServer

/// Runs the built `hrctl` binary as a user would.
enum CLIRunner {
    static var binary: URL {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for dir in [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()] {
            let u = dir.appendingPathComponent("hrctl")
            if FileManager.default.isExecutableFile(atPath: u.path) { return u }
        }
        return root.appendingPathComponent(".build/debug/hrctl")
    }

    static func run(_ args: [String], env: [String: String] = [:], stdin: String? = nil) throws -> (out: String, err: String, code: Int32) {
        try exec(binary, args, env: env, stdin: stdin)
    }

    /// Any program (kubectl, for instance) with arguments, environment additions and standard input.
    static func exec(_ program: URL, _ args: [String], env: [String: String] = [:], stdin: String? = nil) throws -> (out: String, err: String, code: Int32) {
        let p = Process()
        p.executableURL = program
        p.arguments = args
        if !env.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 } }
        if let stdin {
            let i = Pipe()
            p.standardInput = i
            i.fileHandleForWriting.write(Data(stdin.utf8))
            try i.fileHandleForWriting.close()
        }
        let o = Pipe(), e = Pipe()
        p.standardOutput = o
        p.standardError = e
        try p.run()
        let out = o.fileHandleForReading.readDataToEndOfFile()
        let err = e.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self), p.terminationStatus)
    }

    static func temp(_ name: String, _ content: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hrctl-cli-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let u = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        try content.write(to: u, atomically: true, encoding: .utf8)
        return u.path
    }
}

final class RenderCommandTests: XCTestCase {
    func run(_ args: [String]) throws -> (out: String, err: String, code: Int32) { try CLIRunner.run(args) }
    func temp(_ name: String, _ content: String) throws -> String { try CLIRunner.temp(name, content) }

    func testRendersWithYAMLAndJSONData() throws {
        let t = try temp("cm.tpl", "name: {{ .name }}\nreplicas: {{ .r }}\n{{- range .ports }}\n- {{ . }}{{ end }}\n")
        let y = try temp("d.yaml", "name: web\nr: 3\nports: [80, 443]\n")
        let j = try temp("d.json", #"{"name": "web", "r": 1000000, "ports": []}"#)
        let r1 = try run(["render", t, "--data", y])
        XCTAssertEqual(r1.code, 0, r1.err)
        XCTAssertEqual(r1.out, "name: web\nreplicas: 3\n- 80\n- 443\n")
        let r2 = try run(["render", t, "--data", j])
        XCTAssertEqual(r2.out, "name: web\nreplicas: 1e+06\n")
    }

    func testErrorsNameTheFileAndExitNonZero() throws {
        let t = try temp("broken", "ok\n{{ .a.b }}")
        let d = try temp("d2.json", #"{"a": "x"}"#)
        let r = try run(["render", t, "--data", d])
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(r.out, "ok\n")
        XCTAssertEqual(r.err, "Error: template: broken:2:5: executing \"broken\" at <.a.b>: can't evaluate field b in type interface {}\n")
        let p = try temp("parse", "{{ if }}")
        XCTAssertEqual(try run(["render", p]).err, "Error: template: parse:1: missing value for if\n")
        let bad = try temp("bad.yaml", "x: 1\na: b: c\n")
        XCTAssertEqual(try run(["render", p, "--data", bad]).err, "Error: \(bad): yaml: line 2: mapping values are not allowed in this context\n")
        XCTAssertEqual(try run(["render", "/nonexistent/x"]).err, "Error: cannot read /nonexistent/x: No such file or directory\n")
    }

    func testMissingKeyOption() throws {
        let t = try temp("mk", "{{ .nope }}")
        let d = try temp("mk.json", "{}")
        XCTAssertEqual(try run(["render", t, "--data", d]).out, "<no value>")
        let r = try run(["render", t, "--data", d, "--missingkey", "error"])
        XCTAssertEqual(r.err, "Error: template: mk:1:3: executing \"mk\" at <.nope>: map has no entry for key \"nope\"\n")
        XCTAssertEqual(try run(["render", t, "--missingkey", "bogus"]).code, 1)
    }

    func testVersionAndHelp() throws {
        XCTAssertEqual(try run(["--version"]).out, "0.1.0\n")
        XCTAssertTrue(try run(["--help"]).out.contains("render"))
    }
}

/// `hrctl template` as users run it.
final class TemplateCommandTests: XCTestCase {
    let cli = CLIRunner.self
    var shared: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared").path
    }

    func testTemplateMatchesHelmForAChartWithSubcharts() throws {
        let r = try cli.run(["template", "demo", shared + "/charts/helm-testdata-subpop/chart", "--namespace", "apps"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out, try String(contentsOfFile: shared + "/charts/helm-testdata-subpop/expected-default.yaml", encoding: .utf8))
    }

    func testValuesFilesSetAndShowOnly() throws {
        let chart = shared + "/charts/helm-testdata-subpop/chart"
        let v = try cli.temp("v.yaml", "subchart1:\n  service:\n    name: fromfile\n")
        let r = try cli.run(["template", "demo", chart, "--values", v, "--set", "subchart1.service.externalPort=8081",
                             "--show-only", "charts/subchart1/templates/service.yaml"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.hasPrefix("---\n# Source: parentchart/charts/subchart1/templates/service.yaml\n"), r.out)
        XCTAssertTrue(r.out.contains("name: fromfile"), r.out)
        XCTAssertTrue(r.out.contains("port: 8081"), r.out)
        let missing = try cli.run(["template", "demo", chart, "--show-only", "templates/nope.yaml"])
        XCTAssertEqual(missing.code, 1)
        XCTAssertEqual(missing.err, "Error: could not find template templates/nope.yaml in chart\n")
    }

    func testIncludeCRDsAndRefusedCharts() throws {
        let r = try cli.run(["template", "demo", shared + "/charts/helm-testdata-chart-with-only-crds/chart", "--include-crds"])
        XCTAssertTrue(r.out.hasPrefix("---\n# Source: crd-test/crds/test-crd.yaml\n"), r.out)
        let bad = try cli.run(["template", "demo", shared + "/charts/helm-testdata-chart-bad-type/chart"])
        XCTAssertEqual(bad.code, 1)
        XCTAssertEqual(bad.err, "Error: validation: chart.metadata.type must be application or library\n")
    }

    func testPackagedChartsRenderLikeTheirFolders() throws {
        let tgz = try cli.run(["template", "demo", shared + "/repo/kube-state-metrics-8.4.0.tgz", "-n", "apps"])
        let dir = try cli.run(["template", "demo", shared + "/charts/prometheus-community-kube-state-metrics/chart", "-n", "apps"])
        XCTAssertEqual(tgz.code, 0, tgz.err)
        XCTAssertEqual(tgz.out, dir.out)
    }
}

final class TemplateFromHelmReleaseTests: XCTestCase {
    var repo: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    func testRendersTheChartAHelmReleaseNames() throws {
        let r = try CLIRunner.run(["template", "-f", repo + "/Fixtures/demo/release.yaml"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("replicas: 3"))
        XCTAssertTrue(r.out.contains("greeting: hi from the HelmRelease"))
        XCTAssertTrue(r.out.contains("name: web-webapp"))
    }

    func testARepositoryChartRendersAsTheDownloadedChartDoes() throws {
        let shared = URL(fileURLWithPath: repo).deletingLastPathComponent().appendingPathComponent("shared").path
        let server = StaticServer(root: shared + "/repo")
        let port = try server.start()
        defer { server.stop() }
        let cache = try CLIRunner.temp("cache-\(port)/x", "")
        let hr = try CLIRunner.temp("rabbit-\(port).yaml", """
        apiVersion: helm.fluxcd.io/v1
        kind: HelmRelease
        metadata: {name: rabbit, namespace: default}
        spec:
          releaseName: rabbitmq
          chart: {repository: "http://127.0.0.1:\(port)/", name: rabbitmq, version: 6.16.6}
          values: {replicas: 2, rabbitmq: {password: pw, erlangCookie: cookie}}
        """)
        let env = ["HRCTL_CACHE": (cache as NSString).deletingLastPathComponent]
        let viaRelease = try CLIRunner.run(["template", "-f", hr], env: env)
        XCTAssertEqual(viaRelease.code, 0, viaRelease.err)
        let direct = try CLIRunner.run(["template", "rabbitmq", shared + "/repo/rabbitmq-6.16.6.tgz", "--set", "replicas=2,rabbitmq.password=pw,rabbitmq.erlangCookie=cookie"])
        XCTAssertEqual(viaRelease.out, direct.out)
        XCTAssertTrue(viaRelease.out.contains("replicas: 2"))
        // jenkins 3.3.6 never existed: say where and what does.
        let missing = try CLIRunner.temp("jenkins-\(port).yaml", "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {name: j}\nspec:\n  chart: {repository: \"http://127.0.0.1:\(port)\", name: jenkins, version: 3.3.6}\n")
        let r = try CLIRunner.run(["template", "-f", missing], env: env)
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(r.err, "Error: chart \"jenkins\" version \"3.3.6\" not found in repository http://127.0.0.1:\(port); available versions: 2.5.4\n")
    }
}

final class ValueFlagsTests: XCTestCase {
    var chart: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/demo/webapp").path
    }

    func testSetJSONSetFileAndSetString() throws {
        let f = try CLIRunner.temp("greeting.txt", "from a file")
        let r = try CLIRunner.run(["template", "x", chart, "--set-json", #"config={"a":[1,2],"b":true}"#,
                                   "--set-file", "config.c=\(f)", "--set-string", "replicaCount=007",
                                   "--show-only", "templates/configmap.yaml", "--show-only", "templates/deployment.yaml"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("  a:\n  - 1\n  - 2\n  b: true\n  c: from a file\n"), r.out)
        XCTAssertTrue(r.out.contains("replicas: 007"), r.out)
    }

    func testKubeVersionConstraintIsChecked() throws {
        let dir = try CLIRunner.temp("kv/Chart.yaml", "")
        _ = dir
        let root = (dir as NSString).deletingLastPathComponent
        try "apiVersion: v2\nname: kv\nversion: 1.0.0\nkubeVersion: \">=1.40.0-0\"\n".write(toFile: root + "/Chart.yaml", atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["template", "x", root])
        XCTAssertEqual(r.err, "Error: chart requires kubeVersion: >=1.40.0-0 which is incompatible with Kubernetes v1.37.0\n")
        XCTAssertEqual(try CLIRunner.run(["template", "x", root, "--kube-version", "1.41.0"]).code, 0)
    }
}
