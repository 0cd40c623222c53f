import Foundation
import XCTest
import KubeTestServer
import Kube
import Release
import Values
#if canImport(Glibc)
import Glibc
#endif

/// The release commands as a user runs them: the built binary against the loopback API server,
/// the chart from a repository hrctl packaged and indexed itself.
final class ReleaseCommandTests: XCTestCase {
    var server: KubeTestServer!
    var charts: StaticServer!
    var dir = ""
    var kubeconfig = ""
    var release = ""

    override func setUpWithError() throws {
        let cluster = try LoopbackCluster.start("releases")
        server = cluster.server; dir = cluster.dir; kubeconfig = cluster.kubeconfig
        let shop = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/Fixtures/charts/shop"
        XCTAssertEqual(try hrctl("package", shop, "-d", dir + "/repo").code, 0)
        XCTAssertEqual(try hrctl("package", shop, "-d", dir + "/repo", "--version", "1.1.0", "--app-version", "2.1").code, 0)
        XCTAssertEqual(try hrctl("repo", "index", dir + "/repo").code, 0)
        charts = StaticServer(root: dir + "/repo")
        let chartPort = try charts.start()
        release = try write("shop.yaml", version: "1.0.0", replicas: 2, repo: "http://127.0.0.1:\(chartPort)")
    }

    override func tearDown() {
        charts?.stop()
        server?.stop()
    }

    func write(_ name: String, version: String, replicas: Int, repo: String? = nil) throws -> String {
        var url = repo ?? ""
        if repo == nil {
            let line = try String(contentsOfFile: release, encoding: .utf8).split(separator: "\n").first { $0.contains("repository:") }
            url = line.flatMap { $0.split(separator: " ").last.map(String.init) } ?? ""
        }
        let path = dir + "/" + name
        try """
        apiVersion: helm.fluxcd.io/v1
        kind: HelmRelease
        metadata:
          name: shop
          namespace: demo
          labels: {team: storefront}
        spec:
          releaseName: shop
          chart:
            repository: \(url)
            name: shop
            version: \(version)
          values:
            replicas: \(replicas)

        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @discardableResult
    func hrctl(_ args: String...) throws -> (out: String, err: String, code: Int32) {
        try CLIRunner.run(args + (args.first == "package" || args.first == "repo" ? [] : ["--kubeconfig", kubeconfig]),
                          env: ["HRCTL_CACHE": dir + "/cache"])
    }

    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    /// `list -o json` and `history -o json` print helm's structs: fields in helm's order (not
    /// sorted as a map's keys) and `<`, `>`, `&` escaped, as helm v4.3.1 printed these records.
    func testListAndHistoryJSONKeepHelmsFieldOrderAndEscapes() async throws {
        let access = try KubeConfig.load(explicitPath: kubeconfig, environment: [:]).resolve(context: nil, namespace: nil)
        let client = try KubeClient(access: access)
        let storage = ReleaseStorage(client: client)
        for (v, status, description, rollback) in [(1, "superseded", #"a <b> & \"c\""#, ""), (2, "deployed", "Rollback to 1", #","rollback_revision":1"#)] {
            let text = #"{"name":"esc","namespace":"default","version":\#(v),"info":{"status":"\#(status)","description":"\#(description)","#
                + #""first_deployed":"2026-12-07T22:44:25.525882219Z","last_deployed":"2026-12-07T22:44:2\#(v).5Z"\#(rollback)},"#
                + #""chart":{"metadata":{"name":"c","version":"1.0.0","appVersion":"1<2&3"}}}"#
            try await storage.create(try Release(json: try JSON.decode(text)))
        }
        try await client.shutdown()
        var r = try hrctl("history", "esc", "-n", "default", "-o", "json")
        XCTAssertEqual(r.out, #"[{"revision":1,"updated":"2026-12-07T22:44:21.5Z","status":"superseded","chart":"c-1.0.0","app_version":"1\u003c2\u00263","description":"a \u003cb\u003e \u0026 \"c\""},"#
                       + #"{"revision":2,"updated":"2026-12-07T22:44:22.5Z","status":"deployed","chart":"c-1.0.0","app_version":"1\u003c2\u00263","rollback_revision":1,"description":"Rollback to 1"}]"# + "\n", r.err)
        r = try hrctl("list", "-n", "default", "-o", "json")
        XCTAssertEqual(r.out, #"[{"name":"esc","namespace":"default","revision":"2","updated":"2026-12-07 22:44:22.5 +0000 UTC","status":"deployed","chart":"c-1.0.0","app_version":"1\u003c2\u00263"}]"# + "\n", r.err)
        // YAML goes through a map in helm: sorted, unescaped.
        r = try hrctl("list", "-n", "default", "-o", "yaml")
        XCTAssertEqual(r.out, "- app_version: 1<2&3\n  chart: c-1.0.0\n  name: esc\n  namespace: default\n  revision: \"2\"\n  status: deployed\n  updated: 2026-12-07 22:44:22.5 +0000 UTC\n", r.err)
    }

    func testInstallUpgradeRollbackAndDeleteThroughTheCommandLine() throws {
        var r = try hrctl("apply", "-f", release)
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.hasPrefix("Release \"shop\" has been installed. Happy Helming!\nNAME: shop\n"), r.out)
        XCTAssertTrue(r.out.contains("REVISION: 1\n") && r.out.contains("shop runs 2 replica(s)"), r.out)
        XCTAssertTrue(r.err.contains("applying Deployment/shop-web"), r.err)

        r = try hrctl("apply", "-f", release)
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("is up to date"), r.out)

        r = try hrctl("list", "-A", "-o", "json")
        let list = try XCTUnwrap(try json(r.out) as? [[String: Any]])
        XCTAssertEqual(list.count, 1)
        XCTAssertEqual(list.first?["name"] as? String, "shop")
        XCTAssertEqual(list.first?["namespace"] as? String, "demo")
        XCTAssertEqual(list.first?["revision"] as? String, "1")
        XCTAssertEqual(list.first?["status"] as? String, "deployed")
        XCTAssertEqual(list.first?["chart"] as? String, "shop-1.0.0")
        r = try hrctl("list", "-n", "demo")
        XCTAssertTrue(r.out.hasPrefix("NAME"), r.out)
        XCTAssertTrue(r.out.contains("shop-1.0.0"), r.out)
        XCTAssertEqual(try hrctl("list", "-n", "default").out.split(separator: "\n").count, 1, "only the header in another namespace")

        r = try hrctl("status", "shop", "-n", "demo", "-o", "json")
        let status = try XCTUnwrap(try json(r.out) as? [String: Any])
        XCTAssertEqual(status["version"] as? Int, 1)
        XCTAssertEqual((status["info"] as? [String: Any])?["status"] as? String, "deployed")

        // An edited file: diff shows it and exits 2 with --detailed-exitcode; apply upgrades.
        let edited = try write("shop-2.yaml", version: "1.1.0", replicas: 3)
        r = try hrctl("diff", "-f", edited, "--detailed-exitcode")
        XCTAssertEqual(r.code, 2, r.err)
        XCTAssertTrue(r.out.contains("demo, shop-web, Deployment (apps) has changed:\n"), r.out)
        XCTAssertTrue(r.out.contains("-  replicas: 2\n+  replicas: 3\n"), r.out)
        XCTAssertEqual(try hrctl("diff", "-f", release, "--detailed-exitcode").code, 0)

        r = try hrctl("apply", "-f", edited)
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("REVISION: 2\n"), r.out)
        r = try hrctl("history", "shop", "-n", "demo", "-o", "json")
        let history = try XCTUnwrap(try json(r.out) as? [[String: Any]])
        XCTAssertEqual(history.map { $0["status"] as? String }, ["superseded", "deployed"])
        XCTAssertEqual(history.map { $0["chart"] as? String }, ["shop-1.0.0", "shop-1.1.0"])
        XCTAssertEqual(history.last?["app_version"] as? String, "2.1")

        r = try hrctl("rollback", "shop", "1", "-n", "demo")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.hasPrefix("Rollback was a success! Happy Helming!\n"), r.out)
        r = try hrctl("get", "values", "shop", "-n", "demo")
        XCTAssertEqual(r.out, "USER-SUPPLIED VALUES:\nreplicas: 2\n")
        r = try hrctl("get", "manifest", "shop", "-n", "demo", "--revision", "2")
        XCTAssertTrue(r.out.contains("replicas: 3"), r.out)

        r = try hrctl("delete", "shop", "-n", "demo")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.hasSuffix("release \"shop\" uninstalled\n"), r.out)
        r = try hrctl("status", "shop", "-n", "demo")
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.err.hasPrefix("Error: "), r.err)
        XCTAssertEqual(try hrctl("list", "-A", "--all", "-o", "json").out, "[]\n")
    }

    func testSelectorsDryRunAndBadInput() throws {
        // -l picks documents by label; when nothing matches it says so and fails, as helmfile does.
        var r = try hrctl("apply", "-f", release, "-l", "team=payments")
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(r.err, "Error: \(release): no HelmRelease matches the selector team=payments\n")
        XCTAssertEqual(try hrctl("list", "-A", "-o", "json").out, "[]\n")
        r = try hrctl("apply", "-f", release, "--dry-run")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(try hrctl("list", "-A", "-o", "json").out, "[]\n", "a dry run stores nothing")

        let bad = dir + "/bad.yaml"
        try "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {name: x}\nspec:\n  chart:\n    name: shop\n".write(toFile: bad, atomically: true, encoding: .utf8)
        r = try hrctl("apply", "-f", bad)
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.err.hasPrefix("Error: \(bad):5:"), r.err)
        XCTAssertTrue(r.err.contains("spec.chart"), r.err)

        r = try CLIRunner.run(["apply", "-f", release, "--kubeconfig", dir + "/missing"])
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.err.contains(dir + "/missing"), r.err)
    }

    /// Records as an interrupted or older writer leaves them, written straight into storage.
    func damage(_ storage: ReleaseStorage, _ version: Int, _ status: Release.Status, description: String? = nil) async throws {
        let history = try await storage.history("shop", namespace: "demo")
        var r = try XCTUnwrap(history.first { $0.version == version })
        r.info.status = status
        if let description { r.info.description = description }
        try await storage.update(r)
    }

    /// list, get, diff (and a dry-run apply), like status and history, say on stderr what an
    /// interrupted writer left and that the next writing command repairs it; none of them
    /// writes a record. The next apply repairs and says so.
    func testReadingCommandsWarnAboutAnInconsistentHistoryAndWriteNothing() async throws {
        XCTAssertEqual(try hrctl("apply", "-f", release).code, 0)
        let edited = try write("shop-2.yaml", version: "1.1.0", replicas: 3)
        XCTAssertEqual(try hrctl("apply", "-f", edited).code, 0)
        let access = try KubeConfig.load(explicitPath: kubeconfig, environment: [:]).resolve(context: nil, namespace: nil)
        let client = try KubeClient(access: access)
        let storage = ReleaseStorage(client: client)
        func statuses() async throws -> [Release.Status] { try await storage.history("shop", namespace: "demo").map(\.info.status) }

        // Killed between marking revision 2 deployed and superseding revision 1.
        try await damage(storage, 1, .deployed)
        let several = "warning: release shop: revision 1 also marked deployed (an interrupted or older writer); revision 2 is the deployed one; "
            + "the next apply, rollback or delete of it repairs this (a read changes nothing)\n"
        for args in [["list", "-n", "demo"], ["get", "values", "shop", "-n", "demo"], ["get", "manifest", "shop", "-n", "demo"],
                     ["diff", "-f", edited], ["apply", "-f", edited, "--dry-run"], ["status", "shop", "-n", "demo"], ["history", "shop", "-n", "demo"]] {
            let r = try CLIRunner.run(args + ["--kubeconfig", kubeconfig], env: ["HRCTL_CACHE": dir + "/cache"])
            XCTAssertEqual(r.code, 0, "\(args): \(r.err)")
            XCTAssertTrue(r.err.hasSuffix(several) && r.err.components(separatedBy: "warning: ").count == 2, "\(args): \(r.err)")
            XCTAssertFalse(r.err.contains("repairing"), "\(args): \(r.err)")
        }
        var s = try await statuses()
        XCTAssertEqual(s, [.deployed, .deployed], "a read changes nothing")
        var r = try hrctl("list", "-A")
        XCTAssertTrue(r.err.contains("warning: release shop in namespace demo: revision 1 also marked deployed"), r.err)

        // Killed while revision 2 was pending (revision 1 still deployed): diff plans past the
        // dead writer's lock instead of refusing.
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, 255)
        try await damage(storage, 2, .pendingUpgrade, description: "Upgrade in progress (hrctl pid 999999999 on \(String(cString: host)))")
        let gone = "warning: release shop: revision 2 is pending-upgrade but the run that wrote it is gone; the next apply, rollback or delete of it repairs this"
        r = try hrctl("diff", "-f", edited)
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.err.contains(gone), r.err)
        XCTAssertTrue(r.out.contains("no changes"), r.out)
        for args in [["list", "-n", "demo", "-o", "json"], ["get", "notes", "shop", "-n", "demo"]] {
            let r = try CLIRunner.run(args + ["--kubeconfig", kubeconfig], env: ["HRCTL_CACHE": dir + "/cache"])
            XCTAssertEqual(r.code, 0, "\(args): \(r.err)")
            XCTAssertTrue(r.err.contains(gone), "\(args): \(r.err)")
        }
        s = try await statuses()
        XCTAssertEqual(s, [.deployed, .pendingUpgrade], "a read changes nothing")

        // The next writing command repairs it and says so; reads are quiet again.
        r = try hrctl("apply", "-f", edited)
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.err.contains("repairing release shop: revision 2 is pending-upgrade but the run that wrote it is gone"), r.err)
        s = try await statuses()
        XCTAssertEqual(s, [.superseded, .failed, .deployed])
        for args in [["list", "-n", "demo"], ["get", "values", "shop", "-n", "demo"], ["diff", "-f", edited]] {
            let r = try CLIRunner.run(args + ["--kubeconfig", kubeconfig], env: ["HRCTL_CACHE": dir + "/cache"])
            XCTAssertFalse(r.err.contains("warning"), "\(args): \(r.err)")
        }
        try await client.shutdown()
    }
}
