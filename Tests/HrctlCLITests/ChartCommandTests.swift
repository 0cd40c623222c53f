import Foundation
import XCTest
import KubeTestServer

/// helm's chart-side commands (version, completion, env, show, pull, search, dependency, lint),
/// each run side by side with the official helm v4.3.1 CLI (`../shared/tools/install-helm
/// ~/.cache/hrctl-tools`; .ci/run installs it) on the same input, with the same private helm
/// configuration, and compared byte for byte. ../shared/repo is served on 127.0.0.1.
final class ChartCommandTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let shared = (root as NSString).deletingLastPathComponent + "/shared"
    static let fixtures = root + "/Fixtures/chart-commands"
    static let helmPath = (ProcessInfo.processInfo.environment["HRCTL_TOOLS"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.cache/hrctl-tools") + "/helm"

    var dir = ""
    var server: StaticServer?
    var repoURL = ""

    /// A private helm (and hrctl) home: helm's config, cache and data, hrctl's cache.
    var env: [String: String] {
        ["HELM_CONFIG_HOME": dir + "/config", "HELM_CACHE_HOME": dir + "/cache", "HELM_DATA_HOME": dir + "/data",
         "HRCTL_CACHE": dir + "/hrctl-cache", "HELM_NAMESPACE": "", "KUBECONFIG": dir + "/no-kubeconfig"]
    }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hrctl-chartcmd-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        server?.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    func serveRepo() throws {
        let s = StaticServer(root: Self.shared + "/repo")
        repoURL = "http://127.0.0.1:\(try s.start())"
        server = s
    }

    func hrctl(_ args: [String], cwd: String? = nil, stdin: String? = nil) throws -> (out: String, err: String, code: Int32) {
        try run(CLIRunner.binary, args, cwd: cwd, stdin: stdin)
    }

    /// The helm CLI, or a skip that says how to get it.
    func helm(_ args: [String], cwd: String? = nil, stdin: String? = nil) throws -> (out: String, err: String, code: Int32) {
        guard FileManager.default.isExecutableFile(atPath: Self.helmPath) else {
            throw XCTSkip("helm v4.3.1 is not installed at \(Self.helmPath) (run ../shared/tools/install-helm ~/.cache/hrctl-tools, or set $HRCTL_TOOLS; .ci/run does)")
        }
        return try run(URL(fileURLWithPath: Self.helmPath), args, cwd: cwd, stdin: stdin)
    }

    func run(_ program: URL, _ args: [String], cwd: String?, stdin: String?) throws -> (out: String, err: String, code: Int32) {
        guard let cwd else { return try CLIRunner.exec(program, args, env: env, stdin: stdin) }
        let previous = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(cwd)
        defer { FileManager.default.changeCurrentDirectoryPath(previous) }
        return try CLIRunner.exec(program, args, env: env, stdin: stdin)
    }

    /// Both CLIs on the same arguments: same standard output and exit code.
    func assertSameAsHelm(_ args: [String], cwd: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        let h = try helm(args, cwd: cwd)
        let r = try hrctl(args, cwd: cwd)
        XCTAssertEqual(r.code, h.code, "exit code of \(args): hrctl \(r.err)", file: file, line: line)
        XCTAssertEqual(r.out, h.out, "output of \(args)", file: file, line: line)
    }

    /// repositories.yaml naming the served repository `shared`, and its index cached as
    /// `helm repo update` caches it.
    func configureRepository() throws {
        try serveRepo()
        let add = try helm(["repo", "add", "shared", repoURL])
        XCTAssertEqual(add.code, 0, add.err)
    }

    func copyFixture(_ name: String, to parent: String) throws -> String {
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let dest = parent + "/" + name
        try FileManager.default.copyItem(atPath: Self.fixtures + "/" + name, toPath: dest)
        return dest
    }

    // MARK: version, completion, env

    func testVersionShortTemplateAndStructuredOutput() throws {
        XCTAssertEqual(try hrctl(["version"]).out, "version.BuildInfo{Version:\"v0.1.0\", HelmVersion:\"v4.3.1\", SwiftVersion:\"6.3\", KubeClientVersion:\"v1.37\"}\n")
        XCTAssertEqual(try hrctl(["version", "--short"]).out, "v0.1.0\n")
        XCTAssertEqual(try hrctl(["--version"]).out, "0.1.0\n")
        XCTAssertEqual(try hrctl(["version", "-o", "json"]).out, #"{"version":"v0.1.0","helmVersion":"v4.3.1","swiftVersion":"6.3","kubeClientVersion":"v1.37"}"# + "\n")
        XCTAssertEqual(try hrctl(["version", "-o", "yaml"]).out, "helmVersion: v4.3.1\nkubeClientVersion: v1.37\nswiftVersion: \"6.3\"\nversion: v0.1.0\n")
        let bad = try hrctl(["version", "-o", "xml"])
        XCTAssertEqual(bad.code, 1)
        XCTAssertEqual(bad.err, "Error: invalid value \"xml\" for --output: expected json or yaml\n")
        // The Helm version hrctl names is the helm CLI it is checked against; --template prints as helm's does.
        XCTAssertEqual(try hrctl(["version", "--template", "{{.HelmVersion}}"]).out, try helm(["version", "--template", "{{.Version}}"]).out)
        XCTAssertEqual(try hrctl(["version", "--template", "hrctl {{.Version}}"]).out, "hrctl v0.1.0")
    }

    func testCompletionScriptsForEachShell() throws {
        let bash = try hrctl(["completion", "bash"])
        XCTAssertEqual(bash.code, 0, bash.err)
        XCTAssertTrue(bash.out.hasPrefix("#!/bin/bash"), bash.out)
        XCTAssertTrue(bash.out.contains("complete ") && bash.out.contains("hrctl"), bash.out)
        for sub in ["show", "pull", "dependency", "lint", "search", "registry", "version", "env"] {
            XCTAssertTrue(bash.out.contains(sub), "bash completion lacks \(sub)")
        }
        XCTAssertTrue(try hrctl(["completion", "zsh"]).out.hasPrefix("#compdef hrctl"))
        XCTAssertTrue(try hrctl(["completion", "fish"]).out.contains("complete -c 'hrctl'") || (try hrctl(["completion", "fish"]).out.contains("complete -c hrctl")))
        let bad = try hrctl(["completion", "powershell"])
        XCTAssertEqual(bad.code, 1)
        XCTAssertEqual(bad.err, "Error: invalid value \"powershell\" for SHELL: expected bash, zsh or fish\n")
    }

    func testEnvHasHelmsVariablesWithTheSamePaths() throws {
        let h = try helm(["env"])
        let r = try hrctl(["env"])
        XCTAssertEqual(r.code, 0, r.err)
        func vars(_ text: String) -> [String: String] {
            var out: [String: String] = [:]
            for line in text.split(separator: "\n") {
                guard let eq = line.firstIndex(of: "=") else { continue }
                out[String(line[..<eq])] = String(line[line.index(after: eq)...])
            }
            return out
        }
        let hv = vars(h.out), rv = vars(r.out)
        XCTAssertEqual(Set(hv.keys).subtracting(rv.keys), [], "helm's variables hrctl lacks")
        for (k, v) in hv where k != "HELM_BIN" { XCTAssertEqual(rv[k], v, k) }
        XCTAssertEqual(rv["HRCTL_CACHE"], "\"\(dir)/hrctl-cache\"")
        XCTAssertEqual(try hrctl(["env", "HELM_REPOSITORY_CONFIG"]).out, try helm(["env", "HELM_REPOSITORY_CONFIG"]).out)
    }

    // MARK: show, pull

    func testShowMatchesHelmForFoldersAndArchives() throws {
        let charts = [Self.shared + "/charts/helm-testdata-subpop/chart", Self.shared + "/repo/kube-prometheus-stack-88.5.3.tgz",
                      Self.shared + "/repo/wordpress-27.0.0.tgz", Self.shared + "/repo/rabbitmq-3.3.6.tgz", Self.fixtures + "/umbrella"]
        for chart in charts {
            for part in ["chart", "values", "readme", "crds", "all"] { try assertSameAsHelm(["show", part, chart]) }
        }
        let missing = try hrctl(["show", "chart", "./nope"])
        XCTAssertEqual(missing.code, 1)
        XCTAssertEqual(missing.err, "Error: path \"./nope\" not found\n")
    }

    func testShowFromRepositoriesByURLAndByName() throws {
        try configureRepository()
        try assertSameAsHelm(["show", "chart", "--repo", repoURL, "rabbitmq", "--version", "6.10.0"])
        try assertSameAsHelm(["show", "values", "--repo", repoURL, "rabbitmq", "--version", "~6.16"])
        try assertSameAsHelm(["show", "readme", "shared/nginx"])
        try assertSameAsHelm(["show", "all", "shared/kube-state-metrics"])
        // template takes the same chart references as show.
        try assertSameAsHelm(["template", "demo", "shared/kube-state-metrics", "--version", "8.4.0", "--namespace", "apps"])
        try assertSameAsHelm(["template", "demo", "kube-state-metrics", "--repo", repoURL])
        let noRepo = try hrctl(["show", "chart", "nope/nginx"])
        XCTAssertEqual(noRepo.err, "Error: repo nope not found\n")
        let bare = try hrctl(["show", "chart", "nginx"])
        XCTAssertEqual(bare.err, "Error: non-absolute URLs should be in form of repo_name/path_to_chart, got: nginx\n")
        let version = try hrctl(["show", "chart", "shared/rabbitmq", "--version", "9.9.9"])
        XCTAssertEqual(version.code, 1)
        XCTAssertTrue(version.err.contains("version \"9.9.9\" not found") && version.err.contains("6.18.2, 6.16.6, 6.10.0, 3.3.6"), version.err)
    }

    func testPullWritesWhatHelmWrites() throws {
        try configureRepository()
        let h = dir + "/helm-pull", r = dir + "/hrctl-pull"
        for d in [h, r] { try FileManager.default.createDirectory(atPath: d + "/sub", withIntermediateDirectories: true) }
        let runs: [[String]] = [["pull", "shared/rabbitmq", "--version", "~6.10"], ["pull", "--repo", repoURL, "nginx", "-d", "sub"],
                                ["pull", "shared/jenkins", "--untar", "-d", "out"], ["pull", "--repo", repoURL, "kube-state-metrics", "--untar", "--untardir", "u"]]
        for args in runs {
            let a = try helm(args, cwd: h), b = try hrctl(args, cwd: r)
            XCTAssertEqual(b.code, a.code, "\(args): \(b.err)")
            XCTAssertEqual(b.out, a.out, "\(args)")
        }
        XCTAssertEqual(try tree(r), try tree(h))
        XCTAssertTrue(try tree(r).contains { $0.hasPrefix("rabbitmq-6.10.0.tgz ") })
        // An unpacked chart is not overwritten, with helm's message.
        let again = try hrctl(["pull", "shared/jenkins", "--untar", "-d", "out"], cwd: r)
        XCTAssertEqual(again.code, 1)
        XCTAssertEqual(again.err, "Error: failed to untar: a file or directory with the name out/jenkins already exists\n")
        let local = try hrctl(["pull", Self.fixtures + "/localdep"])
        XCTAssertEqual(local.code, 1)
        XCTAssertEqual(local.err, "Error: \(Self.fixtures)/localdep is a local chart; pull downloads charts named REPO/NAME, NAME with --repo URL, or oci://…\n")
    }

    /// Every file under a folder with its contents' digest.
    func tree(_ root: String) throws -> [String] {
        var out: [String] = []
        let e = FileManager.default.enumerator(atPath: root)!
        while let rel = e.nextObject() as? String {
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDir)
            if isDir.boolValue { continue }
            let data = try Data(contentsOf: URL(fileURLWithPath: root + "/" + rel))
            out.append("\(rel) \(data.count) \(data.reduce(0) { ($0 &* 31) &+ Int($1) })")
        }
        return out.sorted()
    }

    // MARK: search

    func testSearchRepoMatchesHelm() throws {
        let none = try hrctl(["search", "repo", "nginx"])
        XCTAssertEqual(none.code, 1)
        XCTAssertEqual(none.err, "Error: no repositories configured\n")
        try configureRepository()
        for keyword in [[], ["rabbit"], ["message", "broker"], ["kube"], ["zzz"], ["AMQP"]] {
            for format in ["table", "json", "yaml"] { try assertSameAsHelm(["search", "repo"] + keyword + ["-o", format]) }
        }
        try assertSameAsHelm(["search", "repo", "rabbit", "--versions"])
        try assertSameAsHelm(["search", "repo", "rabbit", "--version", "<6.11"])
        try assertSameAsHelm(["search", "repo", "rabbit", "-l", "--max-col-width", "20"])
        try assertSameAsHelm(["search", "repo", "^shared/k", "--regexp"])
        // An hrctl extension: a repository given by URL, no configuration needed.
        let given = try hrctl(["search", "repo", "nginx", "--repo", repoURL])
        XCTAssertEqual(given.code, 0, given.err)
        XCTAssertTrue(given.out.contains("\(repoURL)/nginx\t22.1.1"), given.out)
    }

    /// --regexp is Go's regexp over each index line as it is (case-sensitive unless `(?i)`), and a
    /// pattern Go refuses is helm's error, word for word.
    func testSearchRepoRegexpIsGosRegexp() throws {
        try configureRepository()
        for pattern in ["(?i)RABBIT", "RABBIT", "[[:alpha:]]+mq", "(?<n>rab)", #"\pL"#, "broker$", "^$", "", "kube|nginx", #"\bmq\b"#] {
            try assertSameAsHelm(["search", "repo", pattern, "--regexp", "-o", "json"])
        }
        for pattern in ["(", "a**", #"\C"#, "x{1001}", "(?=a)"] {
            let h = try helm(["search", "repo", pattern, "-r"]), r = try hrctl(["search", "repo", pattern, "-r"])
            XCTAssertEqual(r.code, h.code, pattern)
            XCTAssertEqual(r.err, h.err, pattern)
        }
    }

    // MARK: dependency

    /// An umbrella chart with a repository dependency (a version range) and a file:// one.
    func umbrellaPair() throws -> (hrctl: String, helm: String) {
        var out: [String] = []
        for who in ["hrctl", "helm"] {
            let parent = dir + "/" + who
            let chart = try copyFixture("umbrella", to: parent)
            _ = try copyFixture("localdep", to: parent)
            let yaml = chart + "/Chart.yaml"
            try (try String(contentsOfFile: yaml, encoding: .utf8)).replacingOccurrences(of: "REPO_URL", with: repoURL).write(toFile: yaml, atomically: true, encoding: .utf8)
            out.append(chart)
        }
        return (out[0], out[1])
    }

    func testDependencyUpdateWritesHelmsLockAndArchives() throws {
        try configureRepository()
        let (mine, theirs) = try umbrellaPair()
        XCTAssertEqual(try hrctl(["dependency", "list", mine]).out, try helm(["dependency", "list", theirs]).out)
        let up = try hrctl(["dependency", "update", mine])
        XCTAssertEqual(up.code, 0, up.err)
        XCTAssertEqual(up.out, "Saving 2 charts\nDownloading kube-state-metrics from repo \(repoURL)\nDeleting outdated charts\n")
        XCTAssertEqual(try helm(["dependency", "update", theirs, "--skip-refresh"]).code, 0)
        func lock(_ chart: String) throws -> (body: String, generated: String) {
            let text = try String(contentsOfFile: chart + "/Chart.lock", encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            return (lines.filter { !$0.hasPrefix("generated: ") }.joined(separator: "\n"), lines.first { $0.hasPrefix("generated: ") }.map(String.init) ?? "")
        }
        let a = try lock(mine), b = try lock(theirs)
        XCTAssertEqual(a.body, b.body, "Chart.lock (digest included) differs from helm's")
        XCTAssertTrue(a.body.contains("version: 8.4.0"), a.body)
        XCTAssertTrue(a.generated.hasPrefix("generated: \"20") && a.generated.hasSuffix("Z\""), a.generated)
        let ksm = "/charts/kube-state-metrics-8.4.0.tgz"
        XCTAssertEqual(FileManager.default.contents(atPath: mine + ksm), FileManager.default.contents(atPath: theirs + ksm))
        XCTAssertTrue(FileManager.default.fileExists(atPath: mine + "/charts/localdep-0.3.0.tgz"))
        XCTAssertEqual(try hrctl(["dependency", "list", mine]).out, try helm(["dependency", "list", theirs]).out)
        // helm reads hrctl's lock as in sync.
        XCTAssertEqual(try helm(["dependency", "build", mine, "--skip-refresh"]).code, 0)
        XCTAssertEqual(try hrctl(["dependency", "build", mine, "--skip-refresh"]).code, 0)
    }

    func testDependencyBuildOfAFreshCheckoutThenTemplate() throws {
        try configureRepository()
        let (mine, theirs) = try umbrellaPair()
        XCTAssertEqual(try helm(["dependency", "update", theirs, "--skip-refresh"]).code, 0)
        // A fresh checkout: Chart.yaml and Chart.lock committed, charts/ not.
        try FileManager.default.copyItem(atPath: theirs + "/Chart.lock", toPath: mine + "/Chart.lock")
        let before = try hrctl(["template", "demo", mine])
        XCTAssertEqual(before.code, 1)
        let build = try hrctl(["dependency", "build", mine])
        XCTAssertEqual(build.code, 0, build.err)
        let t = try hrctl(["template", "demo", mine, "--namespace", "apps"])
        XCTAssertEqual(t.code, 0, t.err)
        XCTAssertEqual(t.out, try helm(["template", "demo", theirs, "--namespace", "apps"]).out)
        XCTAssertTrue(t.out.contains("subcharts: \"kube-state-metrics,localdep\""), t.out)
        // Chart.yaml edited after the lock: refused, as helm refuses it.
        let yaml = mine + "/Chart.yaml"
        try (try String(contentsOfFile: yaml, encoding: .utf8)).replacingOccurrences(of: ">=8.0.0 <9", with: ">=8.1.0 <9").write(toFile: yaml, atomically: true, encoding: .utf8)
        let stale = try hrctl(["dependency", "build", mine])
        XCTAssertEqual(stale.code, 1)
        XCTAssertEqual(stale.err, "Error: the lock file (Chart.lock) is out of sync with the dependencies file (Chart.yaml). Please update the dependencies\n")
    }

    // MARK: lint

    func testLintMatchesHelmOnFixturesAndRealCharts() throws {
        var charts = ["lint-bad", "lint-schema", "localdep", "umbrella"].map { Self.fixtures + "/" + $0 }
        for name in ["helm-testdata-subpop", "helm-testdata-chart-bad-type", "helm-testdata-dotname", "helm-testdata-dependent-chart-helmignore",
                     "helm-testdata-chart-with-bad-subcharts", "helm-testdata-chart-bad-requirements", "helm-testdata-chart-with-schema-negative",
                     "helm-redis", "helm-mysql", "prometheus-community-kube-state-metrics"] {
            let p = Self.shared + "/charts/" + name + "/chart"
            if FileManager.default.fileExists(atPath: p) { charts.append(p) }
        }
        for c in charts {
            let h = try helm(["lint", c]), r = try hrctl(["lint", c])
            XCTAssertEqual(r.out, h.out, "lint \(c)")
            XCTAssertEqual(r.err, h.err, "lint \(c)")
            XCTAssertEqual(r.code, h.code, "lint \(c)")
        }
        // Archives are unpacked and linted as folders.
        try assertSameAsHelm(["lint", Self.shared + "/repo/rabbitmq-3.3.6.tgz"])
        try assertSameAsHelm(["lint", Self.shared + "/repo/nginx-22.1.1.tgz"])
        try assertSameAsHelm(["lint", Self.fixtures + "/lint-bad", "--kube-version", "1.20"])
        try assertSameAsHelm(["lint", Self.fixtures + "/localdep", "--strict"])
        try assertSameAsHelm(["lint", Self.fixtures + "/localdep", Self.fixtures + "/lint-schema"])
    }

    func testLintReportsEachRuleWithHelmsWording() throws {
        let r = try hrctl(["lint", Self.fixtures + "/lint-bad"])
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(r.err, "Error: 1 chart(s) linted, 1 chart(s) failed\n")
        for line in ["==> Linting \(Self.fixtures)/lint-bad",
                     "[ERROR] Chart.yaml: version should be of type string but it's of type float64",
                     "[WARNING] Chart.yaml: version '1' is not a valid SemVerV2",
                     "[ERROR] Chart.yaml: invalid icon URL 'not-a-url'",
                     "[ERROR] templates/NOTES.md: file extension '.md' not valid. Valid extensions are .yaml, .yml, .tpl, or .txt",
                     "[WARNING] templates/deployment.yaml: extensions/v1beta1 Deployment is deprecated in v1.8+, unavailable in v1.16+; use apps/v1 Deployment",
                     "[ERROR] templates/deployment.yaml: a Deployment must contain matchLabels or matchExpressions, and \"web_app\" does not",
                     "[ERROR] templates/z-broken.yaml: unable to parse YAML: error converting YAML to JSON: yaml: line 3: did not find expected key"] {
            XCTAssertTrue(r.out.contains(line + "\n"), "missing: \(line)\n\(r.out)")
        }
        let ok = try hrctl(["lint", Self.fixtures + "/localdep"])
        XCTAssertEqual(ok.code, 0)
        XCTAssertTrue(ok.out.hasSuffix("\n1 chart(s) linted, 0 chart(s) failed\n"), ok.out)
    }
}
