import Foundation
import XCTest
import KubeTestServer
import KubeAPIServer
import Values

/// rollback's apply-method flags (--force-conflicts, --force-replace, --server-side,
/// --cleanup-on-fail) and history --show-rollback-revision, on the loopback API server, with
/// the messages helm v4.3.1 prints (checked against it on a genuine apiserver).
final class RollbackFlagTests: XCTestCase {
    var server: KubeTestServer!
    var dir = ""
    var kubeconfig = ""
    let chart = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/Fixtures/charts/applymethod"

    override func setUpWithError() throws {
        let cluster = try LoopbackCluster.start("rollback-flags")
        server = cluster.server; dir = cluster.dir; kubeconfig = cluster.kubeconfig
    }

    override func tearDown() { server?.stop() }

    @discardableResult
    func hrctl(_ args: String...) throws -> (out: String, err: String, code: Int32) {
        try CLIRunner.run(args + ["--kubeconfig", kubeconfig, "-n", "demo"], env: ["HRCTL_CACHE": dir + "/cache"])
    }

    func object(_ path: String) -> Value? {
        let r = server.core.handle(APIRequest(method: "GET", path: path))
        return r.status == 200 ? r.body : nil
    }

    var configValue: String? {
        guard case .map(let m)? = object("/api/v1/namespaces/demo/configmaps/r-cm"), case .map(let data)? = m.entries["data"] else { return nil }
        return data.entries["x"]?.stringValue
    }

    var extraExists: Bool { object("/api/v1/namespaces/demo/serviceaccounts/r-extra") != nil }

    /// Another field manager takes the ConfigMap's field, as `kubectl apply --server-side --force-conflicts` does.
    func takeFieldAsAnotherManager() {
        let r = server.core.handle(APIRequest(method: "PATCH", path: "/api/v1/namespaces/demo/configmaps/r-cm",
                                              query: ["fieldManager": "other", "force": "true"], contentType: "application/apply-patch+yaml",
                                              body: .map(["apiVersion": .string("v1"), "kind": .string("ConfigMap"),
                                                          "metadata": .map(["name": .string("r-cm"), "namespace": .string("demo")]),
                                                          "data": .map(["x": .string("other")])])))
        XCTAssertEqual(r.status, 200, "\(r.body)")
    }

    func testRollbackAppliesAsHelmsFlagsSay() throws {
        _ = server.core.handle(APIRequest(method: "POST", path: "/api/v1/namespaces", body: .map(["metadata": .map(["name": .string("demo")])])))
        var r = try hrctl("install", "r", chart, "--set", "extra=true")
        XCTAssertEqual(r.code, 0, r.err)
        r = try hrctl("upgrade", "r", chart, "--set", "x=2")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertFalse(extraExists)
        takeFieldAsAnotherManager()

        // Without --force-conflicts a field another manager owns fails the apply, in helm's words;
        // --cleanup-on-fail deletes what the failed rollback created (the ServiceAccount, applied before).
        r = try hrctl("rollback", "r", "1", "--cleanup-on-fail")
        XCTAssertEqual(r.code, 1)
        let conflict = "conflict occurred while applying object demo/r-cm /v1, Kind=ConfigMap: Apply failed with 1 conflict: conflict with \"other\""
        // helm's slog warning, then the error.
        XCTAssertTrue(r.err.hasPrefix("level=WARN msg=\"Rollback \\\"r\\\" failed: " + conflict.replacingOccurrences(of: "\"", with: "\\\"")), r.err)
        XCTAssertTrue(r.err.contains("\nError: " + conflict), r.err)
        XCTAssertFalse(extraExists, "--cleanup-on-fail removes what the rollback created")
        XCTAssertEqual(configValue, "other")
        // Without it, what was created stays, as helm leaves it.
        r = try hrctl("rollback", "r", "1")
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(extraExists)

        // --force-conflicts takes the field back.
        r = try hrctl("rollback", "r", "1", "--force-conflicts")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out, "Rollback was a success! Happy Helming!\n")
        XCTAssertEqual(configValue, "1")

        // --force-replace cannot be done by server-side apply: the rollback fails as helm's does,
        // its revision recorded failed.
        r = try hrctl("rollback", "r", "2", "--force-replace")
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(r.err, "level=WARN msg=\"Rollback \\\"r\\\" failed: invalid operation: cannot use server-side apply and force replace together\"\n"
                       + "Error: invalid operation: cannot use server-side apply and force replace together\n")
        XCTAssertEqual(configValue, "1", "nothing applied")

        // Flag checks, in cobra's and helm's words; nothing is written.
        let refusals: [([String], String)] = [
            (["--force-replace", "--force-conflicts"], "Error: if any flags in the group [force-replace force-conflicts] are set none of the others can be; [force-conflicts force-replace] were all set\n"),
            (["--force", "--force-conflicts"], "Flag --force has been deprecated, use --force-replace instead\nError: if any flags in the group [force force-conflicts] are set none of the others can be; [force force-conflicts] were all set\n"),
            (["--server-side=bogus"], "Error: invalid/unknown release server-side apply method: bogus\n"),
            (["--server-side=True"], "Error: invalid/unknown release server-side apply method: True\n"),
            (["--server-side", "false"], "Error: not supported by hrctl: --server-side=false: hrctl applies by server-side apply only\n"),
        ]
        for (flags, message) in refusals {
            let out = try CLIRunner.run(["rollback", "r", "2"] + flags + ["--kubeconfig", kubeconfig, "-n", "demo"], env: ["HRCTL_CACHE": dir + "/cache"])
            XCTAssertEqual(out.code, 1, "\(flags)")
            XCTAssertEqual(out.err, message, "\(flags)")
        }
        r = try hrctl("rollback", "r", "2", "--server-side", "auto")
        XCTAssertEqual(r.code, 0, r.err)

        // The ROLLBACK column, blank but for rollbacks; descriptions are not cut (helm's history sets no width).
        r = try hrctl("history", "r", "--show-rollback-revision")
        XCTAssertEqual(r.code, 0, r.err)
        let rows = r.out.split(separator: "\n").map { $0.split(separator: "\t").map { $0.trimmingCharacters(in: .whitespaces) } }
        XCTAssertEqual(rows.first, ["REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "ROLLBACK", "DESCRIPTION"])
        XCTAssertEqual(rows.dropFirst().map { [$0[0], $0[2], $0[5]] }, [
            // A failed rollback supersedes the revision that was the latest (3 by 4), as helm's does.
            ["1", "superseded", ""], ["2", "superseded", ""], ["3", "superseded", "1"], ["4", "failed", "1"], ["5", "superseded", "1"],
            ["6", "failed", "2"], ["7", "deployed", "2"]])
        // (The genuine apiserver adds " using v1" before ": .data.x"; helm prints what it says.)
        XCTAssertTrue(rows[3][6].hasPrefix("Rollback \"r\" failed: " + conflict) && rows[3][6].hasSuffix(": .data.x"), rows[3][6])
        XCTAssertEqual(rows[6][6], "Rollback \"r\" failed: invalid operation: cannot use server-side apply and force replace together")
        r = try hrctl("history", "r")
        XCTAssertFalse(r.out.contains("ROLLBACK"), r.out)
    }

    func testInstallAndTemplateTakeServerSideAsABoolean() throws {
        // pflag's bool: a bare --server-side is true and the next word stays an argument.
        var r = try hrctl("template", "r", chart, "--server-side", "--force-conflicts", "--take-ownership", "--create-namespace",
                          "--wait", "--wait-for-jobs", "--timeout", "1m", "--labels", "a=b", "--description", "d", "--replace", "--release-name",
                          "--rollback-on-failure")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("name: r-cm"), r.out)
        for (args, message) in [(["install", "r", chart, "--server-side=bogus"], "Error: invalid argument \"bogus\" for \"--server-side\" flag: strconv.ParseBool: parsing \"bogus\": invalid syntax\n"),
                                (["template", "r", chart, "--server-side=maybe"], "Error: invalid argument \"maybe\" for \"--server-side\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax\n"),
                                (["template", "r", chart, "--force-replace", "--force-conflicts"], "Error: if any flags in the group [force-replace force-conflicts] are set none of the others can be; [force-conflicts force-replace] were all set\n"),
                                (["template", "r", chart, "--timeout", "soon"], "Error: invalid argument \"soon\" for \"--timeout\" flag: time: invalid duration \"soon\"\n"),
                                (["template", "r", chart, "--labels", "nolabel"], "Error: invalid argument \"nolabel\" for \"-l, --labels\" flag: nolabel must be formatted as key=value\n")] {
            r = try CLIRunner.run(args + ["--kubeconfig", kubeconfig, "-n", "demo"], env: ["HRCTL_CACHE": dir + "/cache"])
            XCTAssertEqual(r.code, 1, "\(args)")
            XCTAssertEqual(r.err, message, "\(args)")
        }
        // An install creates (helm's --force-replace only matters to objects it updates).
        _ = server.core.handle(APIRequest(method: "POST", path: "/api/v1/namespaces", body: .map(["metadata": .map(["name": .string("demo")])])))
        r = try hrctl("install", "r", chart, "--server-side", "--force-replace")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(configValue, "1")
        // upgrade's --server-side is read only when a release is upgraded (helm installs regardless).
        r = try hrctl("upgrade", "r2", chart, "--install", "--server-side=bogus")
        XCTAssertEqual(r.code, 0, r.err)
        r = try hrctl("upgrade", "r2", chart, "--install", "--server-side=bogus")
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(r.err, "Error: UPGRADE FAILED: invalid/unknown release server-side apply method: bogus\n")
        r = try hrctl("upgrade", "r", chart, "--force-replace", "--set", "x=2")
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(r.err, "Error: UPGRADE FAILED: invalid operation: cannot use server-side apply and force replace together\n")
    }
}
