import Foundation
import XCTest

/// hrctl and the official helm v4.3.1 CLI continue each other's releases on the genuine
/// apiserver: both apply as the field manager `helm`, so neither meets a conflict.
final class HelmCLIInteropClusterTests: ClusterTestCase {
    func testHelmInstallsAndHrctlListsReadsUpgradesRollsBackAndDeletes() throws {
        let ns = namespace
        var h = try cluster.helm(["install", "shop", shop, "-n", ns, "--create-namespace", "--set", "hooks=false,replicas=2"])
        XCTAssertEqual(h.code, 0, h.err)

        var r = try cluster.hrctl(["list", "-n", ns, "-o", "json"])
        let list = try XCTUnwrap(try json(r.out) as? [[String: Any]], r.err)
        XCTAssertEqual(list.first?["name"] as? String, "shop")
        XCTAssertEqual(list.first?["revision"] as? String, "1")
        XCTAssertEqual(list.first?["status"] as? String, "deployed")
        XCTAssertEqual(list.first?["chart"] as? String, "shop-1.0.0")
        r = try cluster.hrctl(["get", "values", "shop", "-n", ns])
        XCTAssertEqual(r.out, "USER-SUPPLIED VALUES:\nhooks: false\nreplicas: 2\n")
        r = try cluster.hrctl(["get", "manifest", "shop", "-n", ns])
        XCTAssertEqual(r.out, try cluster.helm(["get", "manifest", "shop", "-n", ns]).out)

        // The same chart and values as helm installed: nothing to do.
        let same = try fluxRelease("shop", namespace: ns, chart: shop, values: "{hooks: false, replicas: 2}")
        r = try cluster.hrctl(["apply", "-f", same])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("is up to date"), r.out + r.err)
        let up = try fluxRelease("shop", namespace: ns, chart: shop, values: "{hooks: false, replicas: 4}")
        r = try cluster.hrctl(["apply", "-f", up])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("REVISION: 2\n"), r.out)
        XCTAssertEqual(((try cluster.get(["deployment", "shop-web", "-n", ns]))?["spec"] as? [String: Any])?["replicas"] as? Int, 4)
        h = try cluster.helm(["history", "shop", "-n", ns, "-o", "json"])
        let hist = try XCTUnwrap(try json(h.out) as? [[String: Any]], h.err)
        XCTAssertEqual(hist.map { $0["status"] as? String }, ["superseded", "deployed"])

        r = try cluster.hrctl(["rollback", "shop", "-n", ns])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(((try cluster.get(["deployment", "shop-web", "-n", ns]))?["spec"] as? [String: Any])?["replicas"] as? Int, 2)
        h = try cluster.helm(["status", "shop", "-n", ns, "-o", "json"])
        let st = try XCTUnwrap(try json(h.out) as? [String: Any], h.err)
        XCTAssertEqual(st["version"] as? Int, 3)
        XCTAssertEqual((st["info"] as? [String: Any])?["description"] as? String, "Rollback to 1")

        r = try cluster.hrctl(["delete", "shop", "-n", ns])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(try cluster.helm(["list", "-n", ns, "-q"]).out, "")
        XCTAssertNil(try cluster.get(["deployment", "shop-web", "-n", ns]))
    }

    func testHrctlInstallsAndHelmReadsUpgradesRollsBackAndUninstalls() throws {
        let ns = namespace
        let doc = try fluxRelease("shop", namespace: ns, chart: shop, values: "{hooks: false, message: from-hrctl}")
        var r = try cluster.hrctl(["apply", "-f", doc])
        XCTAssertEqual(r.code, 0, r.err)

        var h = try cluster.helm(["list", "-n", ns, "-o", "json"])
        XCTAssertEqual(h.code, 0, h.err)
        let list = try XCTUnwrap(try json(h.out) as? [[String: Any]])
        XCTAssertEqual(list.first?["name"] as? String, "shop")
        XCTAssertEqual(list.first?["status"] as? String, "deployed")
        XCTAssertEqual(list.first?["chart"] as? String, "shop-1.0.0")
        XCTAssertEqual(list.first?["app_version"] as? String, "2.0")
        h = try cluster.helm(["status", "shop", "-n", ns])
        XCTAssertTrue(h.out.contains("STATUS: deployed\nREVISION: 1\n"), h.out)
        h = try cluster.helm(["history", "shop", "-n", ns, "-o", "json"])
        XCTAssertEqual((try json(h.out) as? [[String: Any]])?.first?["description"] as? String, "Install complete")
        XCTAssertEqual(try cluster.helm(["get", "values", "shop", "-n", ns, "-o", "json"]).out, "{\"hooks\":false,\"message\":\"from-hrctl\"}\n")
        XCTAssertEqual(try cluster.helm(["get", "manifest", "shop", "-n", ns]).out, try cluster.hrctl(["get", "manifest", "shop", "-n", ns]).out)

        // helm upgrade continues the release (server-side apply as `helm`: no conflicts with hrctl's fields).
        h = try cluster.helm(["upgrade", "shop", shop, "-n", ns, "--reuse-values", "--set", "message=from-helm,replicas=3"])
        XCTAssertEqual(h.code, 0, h.err)
        XCTAssertFalse(h.err.contains("conflict"), h.err)
        let cm = try cluster.get(["configmap", "shop-config", "-n", ns])
        XCTAssertEqual((cm?["data"] as? [String: String])?["message"], "from-helm")
        // hrctl sees revision 2 as the deployed one; its own document now differs, so it upgrades back.
        r = try cluster.hrctl(["status", "shop", "-n", ns, "-o", "json"])
        XCTAssertEqual((try json(r.out) as? [String: Any])?["version"] as? Int, 2)
        r = try cluster.hrctl(["apply", "-f", doc])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("REVISION: 3\n"), r.out)
        XCTAssertEqual(((try cluster.get(["configmap", "shop-config", "-n", ns]))?["data"] as? [String: String])?["message"], "from-hrctl")

        h = try cluster.helm(["rollback", "shop", "2", "-n", ns])
        XCTAssertEqual(h.code, 0, h.err)
        XCTAssertEqual(((try cluster.get(["configmap", "shop-config", "-n", ns]))?["data"] as? [String: String])?["message"], "from-helm")
        r = try cluster.hrctl(["history", "shop", "-n", ns, "-o", "json"])
        let hist = try XCTUnwrap(try json(r.out) as? [[String: Any]], r.err)
        XCTAssertEqual(hist.map { $0["revision"] as? Int }, [1, 2, 3, 4])
        XCTAssertEqual(hist.last?["status"] as? String, "deployed")
        XCTAssertEqual(hist.last?["description"] as? String, "Rollback to 2")

        h = try cluster.helm(["uninstall", "shop", "-n", ns])
        XCTAssertEqual(h.code, 0, h.err)
        XCTAssertEqual(try cluster.hrctl(["list", "-n", ns, "-a", "-o", "json"]).out, "[]\n")
        XCTAssertNil(try cluster.get(["deployment", "shop-web", "-n", ns]))
    }
}
