import Foundation
import XCTest

/// HELM_DRIVER=configmap and HELM_DRIVER=sql, both ways with the official helm v4.3.1 CLI on
/// the genuine apiserver: what one tool installs the other lists, reads, upgrades, rolls back
/// and uninstalls, and no release Secret is written under another driver.
final class StorageDriverClusterTests: ClusterTestCase {
    func hrctl(_ env: [String: String], _ args: [String]) throws -> Run.Result { try Run.exec(Run.hrctl, args, env: cluster.env.merging(env) { $1 }) }
    func helm(_ env: [String: String], _ args: [String]) throws -> Run.Result {
        try Run.exec(GenuineCluster.tools + "/helm", args, env: cluster.env.merging(env) { $1 })
    }

    func releaseSecrets(_ ns: String) throws -> String { try cluster.kubectl(["get", "secrets", "-n", ns, "-l", "owner=helm", "-o", "name"]).out }

    /// helm installs, hrctl lists, reads values, upgrades, rolls back and deletes.
    func helmThenHrctl(_ env: [String: String], _ ns: String) throws {
        var h = try helm(env, ["install", "shop", shop, "-n", ns, "--create-namespace", "--set", "hooks=false,replicas=2"])
        XCTAssertEqual(h.code, 0, h.err)
        var r = try hrctl(env, ["list", "-n", ns, "-o", "json"])
        let list = try XCTUnwrap(try json(r.out) as? [[String: Any]], r.err)
        XCTAssertEqual(list.map { "\($0["name"] ?? "") \($0["revision"] ?? "") \($0["status"] ?? "") \($0["chart"] ?? "")" }, ["shop 1 deployed shop-1.0.0"])
        r = try hrctl(env, ["get", "values", "shop", "-n", ns])
        XCTAssertEqual(r.out, "USER-SUPPLIED VALUES:\nhooks: false\nreplicas: 2\n", r.err)
        r = try hrctl(env, ["apply", "-f", try fluxRelease("shop", namespace: ns, chart: shop, values: "{hooks: false, replicas: 4}")])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("REVISION: 2\n"), r.out)
        h = try helm(env, ["history", "shop", "-n", ns, "-o", "json"])
        XCTAssertEqual((try json(h.out) as? [[String: Any]])?.map { $0["status"] as? String }, ["superseded", "deployed"], h.err)
        r = try hrctl(env, ["rollback", "shop", "-n", ns])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(((try cluster.get(["deployment", "shop-web", "-n", ns]))?["spec"] as? [String: Any])?["replicas"] as? Int, 2)
        h = try helm(env, ["status", "shop", "-n", ns, "-o", "json"])
        let st = try XCTUnwrap(try json(h.out) as? [String: Any], h.err)
        XCTAssertEqual(st["version"] as? Int, 3)
        XCTAssertEqual((st["info"] as? [String: Any])?["description"] as? String, "Rollback to 1")
        r = try hrctl(env, ["delete", "shop", "-n", ns])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(try helm(env, ["list", "-n", ns, "-a", "-q"]).out, "")
    }

    /// hrctl installs, helm lists, upgrades, and uninstalls.
    func hrctlThenHelm(_ env: [String: String], _ ns: String, name: String = "shop") throws {
        let doc = try fluxRelease(name, namespace: ns, chart: shop, values: "{hooks: false, message: from-hrctl}")
        var r = try hrctl(env, ["apply", "-f", doc])
        XCTAssertEqual(r.code, 0, r.err)
        var h = try helm(env, ["list", "-n", ns, "-o", "json"])
        XCTAssertEqual((try json(h.out) as? [[String: Any]])?.map { "\($0["name"] ?? "") \($0["status"] ?? "") \($0["chart"] ?? "")" },
                       ["\(name) deployed shop-1.0.0"], h.err)
        XCTAssertEqual(try helm(env, ["get", "values", name, "-n", ns, "-o", "json"]).out, "{\"hooks\":false,\"message\":\"from-hrctl\"}\n")
        h = try helm(env, ["upgrade", name, shop, "-n", ns, "--reuse-values", "--set", "message=from-helm"])
        XCTAssertEqual(h.code, 0, h.err)
        r = try hrctl(env, ["status", name, "-n", ns, "-o", "json"])
        XCTAssertEqual((try json(r.out) as? [String: Any])?["version"] as? Int, 2, r.err)
        r = try hrctl(env, ["history", name, "-n", ns, "-o", "json"])
        XCTAssertEqual((try json(r.out) as? [[String: Any]])?.map { $0["status"] as? String }, ["superseded", "deployed"], r.err)
        h = try helm(env, ["uninstall", name, "-n", ns])
        XCTAssertEqual(h.code, 0, h.err)
        XCTAssertEqual(try hrctl(env, ["list", "-n", ns, "-a", "-o", "json"]).out, "[]\n")
    }

    func testConfigMapDriverSharesReleasesWithHelmBothWays() throws {
        let env = ["HELM_DRIVER": "configmap"]
        let ns = namespace
        try helmThenHrctl(env, ns)
        XCTAssertEqual(try releaseSecrets(ns), "")
        try hrctlThenHelm(env, ns)
        XCTAssertEqual(try releaseSecrets(ns), "")

        // The same object layout from both tools: name, no type, data.release only, Helm's labels.
        _ = try helm(env, ["install", "a", shop, "-n", ns, "--set", "hooks=false"])
        _ = try hrctl(env, ["apply", "-f", try fluxRelease("b", namespace: ns, chart: shop, values: "{hooks: false}")])
        let a = try XCTUnwrap(try cluster.get(["configmap", "sh.helm.release.v1.a.v1", "-n", ns]))
        let b = try XCTUnwrap(try cluster.get(["configmap", "sh.helm.release.v1.b.v1", "-n", ns]))
        for cm in [a, b] {
            XCTAssertEqual((cm["data"] as? [String: String])?.keys.sorted(), ["release"])
            XCTAssertNil(cm["binaryData"])
            let labels = ((cm["metadata"] as? [String: Any])?["labels"] as? [String: String]) ?? [:]
            XCTAssertEqual(labels["owner"], "helm")
            XCTAssertEqual(labels["status"], "deployed")
            XCTAssertEqual(labels["version"], "1")
        }
        XCTAssertEqual(Set((((a["metadata"] as? [String: Any])?["labels"] as? [String: String]) ?? [:]).keys),
                       Set((((b["metadata"] as? [String: Any])?["labels"] as? [String: String]) ?? [:]).keys))
        XCTAssertEqual(try releaseSecrets(ns), "")
        // Secrets stay the default: hrctl without HELM_DRIVER sees none of these releases.
        XCTAssertEqual(try cluster.hrctl(["list", "-n", ns, "-o", "json"]).out, "[]\n")
        let unknown = try hrctl(["HELM_DRIVER": "postgres"], ["list", "-n", ns])
        XCTAssertEqual(unknown.code, 1)
        XCTAssertTrue(unknown.err.contains("unknown driver \"postgres\""), unknown.err)
    }

    func testSQLDriverSharesReleasesWithHelmBothWaysAndHoldsBigReleases() throws {
        guard TestPostgres.bin != nil else { try TestPostgres.skip() }
        let pg = try TestPostgres(name: "interop")
        defer { pg.stop() }
        _ = try pg.psql("CREATE DATABASE helmfirst")
        _ = try pg.psql("CREATE DATABASE hrctlfirst")
        let ns = namespace
        // helm makes the schema in one database, hrctl in the other (the key=value form).
        try helmThenHrctl(["HELM_DRIVER": "sql", "HELM_DRIVER_SQL_CONNECTION_STRING": "postgres://postgres@127.0.0.1:\(pg.port)/helmfirst?sslmode=disable"], ns)
        let env = ["HELM_DRIVER": "sql", "HELM_DRIVER_SQL_CONNECTION_STRING": "host=127.0.0.1 port=\(pg.port) user=postgres dbname=hrctlfirst sslmode=disable"]
        try hrctlThenHelm(env, ns)
        XCTAssertEqual(try pg.psql("SELECT id FROM gorp_migrations ORDER BY id", database: "hrctlfirst"), "custom_labels\ninit\n")
        XCTAssertEqual(try releaseSecrets(ns), "")

        // 3 MiB of random bytes (base64): gzip cannot bring the record under a Secret's 1 MiB.
        var bytes = [UInt8](repeating: 0, count: 3 << 20)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let blob = Data(bytes).base64EncodedString()
        let big = try fluxRelease("big", namespace: ns, chart: shop, values: "{hooks: false, blob: \(blob)}")
        var r = try hrctl(env, ["apply", "-f", big])
        XCTAssertEqual(r.code, 0, r.err)
        let h = try helm(env, ["get", "values", "big", "-n", ns, "-o", "json"])
        XCTAssertEqual(h.code, 0, h.err)
        XCTAssertEqual((try json(h.out) as? [String: Any])?["blob"] as? String, blob)
        XCTAssertEqual(try helm(env, ["upgrade", "big", shop, "-n", ns, "--reuse-values", "--set", "replicas=2"]).code, 0)
        r = try hrctl(env, ["list", "-n", ns, "-o", "json"])
        XCTAssertEqual((try json(r.out) as? [[String: Any]])?.map { "\($0["name"] ?? "") \($0["revision"] ?? "")" }, ["big 2"], r.err)
        XCTAssertEqual(try releaseSecrets(ns), "")

        // On Secrets the same release is refused before anything is written, naming the way out.
        r = try cluster.hrctl(["apply", "-f", try fluxRelease("big", namespace: ns + "-s", chart: shop, values: "{hooks: false, blob: \(blob)}")])
        XCTAssertNotEqual(r.code, 0)
        XCTAssertTrue(r.err.contains("HELM_DRIVER=sql") && r.err.contains("Nothing was written"), r.err)
        XCTAssertEqual(try cluster.kubectl(["get", "secrets", "-A", "-l", "owner=helm,name=big", "-o", "name"]).out, "")
    }
}

/// helm's --labels, both ways on Secrets and on SQL (custom_labels_v1): what one tool labels
/// the other selects with `list -l`, an upgrade by either keeps the labels it did not change,
/// and a label the drivers own is refused in helm's words.
final class CustomLabelsClusterTests: ClusterTestCase {
    func run(_ tool: String, _ env: [String: String], _ args: [String]) throws -> Run.Result {
        try Run.exec(tool == "helm" ? GenuineCluster.tools + "/helm" : Run.hrctl, args, env: cluster.env.merging(env) { $1 })
    }

    func labelsPass(_ env: [String: String], _ ns: String) throws {
        func check(_ tool: String, _ args: [String], _ expected: String, line: UInt = #line) throws {
            let r = try run(tool, env, args)
            XCTAssertEqual(r.out, expected, "\(tool) \(args.joined(separator: " ")): \(r.err)", line: line)
        }
        var r = try run("helm", env, ["install", "a", shop, "-n", ns, "--create-namespace", "--set", "hooks=false", "--labels", "team=a,tier=web"])
        XCTAssertEqual(r.code, 0, r.err)
        try check("hrctl", ["list", "-n", ns, "-q", "-l", "team=a"], "a\n")
        r = try run("hrctl", env, ["upgrade", "a", shop, "-n", ns, "--reuse-values", "--labels", "tier=null,x=y"])
        XCTAssertEqual(r.code, 0, r.err)
        try check("helm", ["list", "-n", ns, "-q", "-l", "team=a,x=y"], "a\n")
        try check("helm", ["list", "-n", ns, "-q", "-l", "tier=web"], "")

        r = try run("hrctl", env, ["install", "b", shop, "-n", ns, "--set", "hooks=false", "-l", "team=b"])
        XCTAssertEqual(r.code, 0, r.err)
        try check("helm", ["list", "-n", ns, "-q", "-l", "team=b"], "b\n")
        r = try run("helm", env, ["upgrade", "b", shop, "-n", ns, "--reuse-values"])
        XCTAssertEqual(r.code, 0, r.err)
        try check("hrctl", ["list", "-n", ns, "-q", "-l", "team=b"], "b\n")
        try check("hrctl", ["list", "-n", ns, "-q", "-l", "team"], "a\nb\n")

        for tool in ["helm", "hrctl"] {
            r = try run(tool, env, ["install", "c", shop, "-n", ns, "--set", "hooks=false", "--labels", "owner=me"])
            XCTAssertEqual(r.code, 1, tool)
            XCTAssertTrue(r.err.contains("Error: INSTALLATION FAILED: user supplied labels contains system reserved label name. System labels: [name owner status version createdAt modifiedAt]"), "\(tool): \(r.err)")
            r = try run(tool, env, ["install", "c", shop, "-n", ns, "--labels", "bad"])
            XCTAssertTrue(r.err.contains("Error: invalid argument \"bad\" for \"-l, --labels\" flag: bad must be formatted as key=value"), "\(tool): \(r.err)")
        }
    }

    func testLabelsPassBetweenHelmAndHrctlOnSecretsAndSQL() throws {
        try labelsPass([:], namespace)
        guard TestPostgres.bin != nil else { try TestPostgres.skip() }
        let pg = try TestPostgres(name: "labels")
        defer { pg.stop() }
        let env = ["HELM_DRIVER": "sql", "HELM_DRIVER_SQL_CONNECTION_STRING": "postgres://postgres@127.0.0.1:\(pg.port)/postgres?sslmode=disable"]
        try labelsPass(env, namespace + "-sql")
        XCTAssertEqual(try pg.psql("SELECT releaseKey || ' ' || key || '=' || value FROM custom_labels_v1 ORDER BY 1"),
                       "sh.helm.release.v1.a.v1 team=a\nsh.helm.release.v1.a.v1 tier=web\nsh.helm.release.v1.a.v2 team=a\nsh.helm.release.v1.a.v2 x=y\n"
                       + "sh.helm.release.v1.b.v1 team=b\nsh.helm.release.v1.b.v2 team=b\n")
    }
}
