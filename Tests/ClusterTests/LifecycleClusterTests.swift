import Foundation
import XCTest

/// The release commands on the genuine apiserver, as a user runs them: install, no-op, drift
/// repair after other tools changed or deleted objects, upgrade, diff, history, rollback, get,
/// delete, with `-o json` checked field by field and the records read by the helm CLI.
final class LifecycleClusterTests: ClusterTestCase {
    func testApplyListStatusDriftRepairRollbackAndDelete() throws {
        let ns = namespace
        let doc = try release("shop", namespace: ns, chart: shop, values: "{hooks: false, replicas: 2}")
        var r = try cluster.hrctl(["apply", "-f", doc])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.hasPrefix("Release \"shop\" has been installed. Happy Helming!\nNAME: shop\n"), r.out)
        XCTAssertTrue(r.err.contains("creating namespace \(ns)"), r.err)
        let dep = try XCTUnwrap(try cluster.get(["deployment", "shop-web", "-n", ns, "--show-managed-fields"]))
        XCTAssertEqual((dep["spec"] as? [String: Any])?["replicas"] as? Int, 2)
        let meta = try XCTUnwrap(dep["metadata"] as? [String: Any])
        XCTAssertEqual((meta["labels"] as? [String: String])?["app.kubernetes.io/managed-by"], "Helm")
        XCTAssertEqual((meta["annotations"] as? [String: String])?["meta.helm.sh/release-name"], "shop")
        XCTAssertEqual((meta["annotations"] as? [String: String])?["meta.helm.sh/release-namespace"], ns)
        let managers = (meta["managedFields"] as? [[String: Any]] ?? []).filter { $0["operation"] as? String == "Apply" }.compactMap { $0["manager"] as? String }
        XCTAssertEqual(managers, ["helm"], "hrctl applies as the helm CLI's field manager")

        // Unchanged: a no-op on the real server (its dry-run apply equals what it stored).
        r = try cluster.hrctl(["apply", "-f", doc])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("is up to date"), r.out + r.err)

        // -o json, field by field.
        r = try cluster.hrctl(["list", "-n", ns, "-o", "json"])
        let list = try XCTUnwrap(try json(r.out) as? [[String: Any]], r.out)
        XCTAssertEqual(list.count, 1)
        XCTAssertEqual(list[0]["name"] as? String, "shop")
        XCTAssertEqual(list[0]["namespace"] as? String, ns)
        XCTAssertEqual(list[0]["revision"] as? String, "1")
        XCTAssertEqual(list[0]["status"] as? String, "deployed")
        XCTAssertEqual(list[0]["chart"] as? String, "shop-1.0.0")
        XCTAssertEqual(list[0]["app_version"] as? String, "2.0")
        XCTAssertTrue((list[0]["updated"] as? String ?? "").hasSuffix(" +0000 UTC"), "\(list[0])")
        r = try cluster.hrctl(["status", "shop", "-n", ns, "-o", "json"])
        let status = try XCTUnwrap(try json(r.out) as? [String: Any], r.out)
        XCTAssertEqual(status["name"] as? String, "shop")
        XCTAssertEqual(status["namespace"] as? String, ns)
        XCTAssertEqual(status["version"] as? Int, 1)
        let info = try XCTUnwrap(status["info"] as? [String: Any])
        XCTAssertEqual(info["status"] as? String, "deployed")
        XCTAssertEqual(info["description"] as? String, "Install complete")
        XCTAssertEqual(info["notes"] as? String, "shop runs 2 replica(s) of nginx:1.27 in \(ns).\n")
        let config = try XCTUnwrap(status["config"] as? [String: Any])
        XCTAssertEqual(config.count, 2)
        XCTAssertEqual(config["hooks"] as? Bool, false)
        XCTAssertEqual(config["replicas"] as? Int, 2)
        XCTAssertEqual(status["apply_method"] as? String, "ssa")
        // helm 4.3.1's layout: the live objects by "VERSION/KIND" under info.resources.
        let objects = try XCTUnwrap(info["resources"] as? [String: [[String: Any]]], r.out)
        XCTAssertEqual(objects["v1/ConfigMap"]?.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }, ["shop-config", "shop-kept"])
        XCTAssertEqual(objects["v1/Service"]?.count, 1)
        XCTAssertEqual((objects["v1/Deployment"]?.first?["spec"] as? [String: Any])?["replicas"] as? Int, 2)
        XCTAssertNil(status["chart"], "helm status leaves the chart out")

        // The official helm reads the same records.
        r = try cluster.helm(["status", "shop", "-n", ns, "-o", "json"])
        XCTAssertEqual(r.code, 0, r.err)
        let helmStatus = try XCTUnwrap(try json(r.out) as? [String: Any])
        XCTAssertEqual((helmStatus["info"] as? [String: Any])?["status"] as? String, "deployed")
        XCTAssertEqual(helmStatus["version"] as? Int, 1)

        // Drift: another tool changes an object; apply puts it back.
        r = try cluster.kubectl(["scale", "deployment", "shop-web", "-n", ns, "--replicas", "5"])
        XCTAssertEqual(r.code, 0, r.err)
        r = try cluster.hrctl(["apply", "-f", doc])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("has been upgraded (drift: Deployment/shop-web was changed)"), r.out)
        XCTAssertEqual(((try cluster.get(["deployment", "shop-web", "-n", ns]))?["spec"] as? [String: Any])?["replicas"] as? Int, 2)
        // ...or deletes one; apply creates it again.
        XCTAssertEqual(try cluster.kubectl(["delete", "configmap", "shop-config", "-n", ns]).code, 0)
        r = try cluster.hrctl(["apply", "-f", doc])
        XCTAssertTrue(r.out.contains("has been upgraded (drift: ConfigMap/shop-config is missing)"), r.out + r.err)
        XCTAssertNotNil(try cluster.get(["configmap", "shop-config", "-n", ns]))
        XCTAssertTrue(try cluster.hrctl(["apply", "-f", doc]).out.contains("is up to date"))

        // A changed document: diff shows it, apply upgrades, prunes what the chart dropped.
        let edited = try release("shop", namespace: ns, chart: shop, values: "{hooks: false, replicas: 3, extra: true, message: bye}")
        r = try cluster.hrctl(["diff", "-f", edited, "--detailed-exitcode"])
        XCTAssertEqual(r.code, 2, r.err)
        XCTAssertTrue(r.out.contains("\(ns), shop-web, Deployment (apps) has changed:"), r.out)
        XCTAssertTrue(r.out.contains("-  replicas: 2\n+  replicas: 3\n"), r.out)
        r = try cluster.hrctl(["apply", "-f", edited])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("REVISION: 4\n"), r.out)
        XCTAssertNotNil(try cluster.get(["configmap", "shop-extra", "-n", ns]))
        XCTAssertNotNil(try cluster.get(["configmap", "shop-kept", "-n", ns]), "resource-policy: keep")

        r = try cluster.hrctl(["history", "shop", "-n", ns, "-o", "json"])
        let history = try XCTUnwrap(try json(r.out) as? [[String: Any]], r.out)
        XCTAssertEqual(history.map { $0["revision"] as? Int }, [1, 2, 3, 4])
        XCTAssertEqual(history.map { $0["status"] as? String }, ["superseded", "superseded", "superseded", "deployed"])
        XCTAssertEqual(history.map { $0["description"] as? String }, ["Install complete", "Upgrade complete", "Upgrade complete", "Upgrade complete"])
        r = try cluster.helm(["history", "shop", "-n", ns, "-o", "json"])
        let helmHistory = try XCTUnwrap(try json(r.out) as? [[String: Any]], r.err)
        XCTAssertEqual(helmHistory.map { $0["status"] as? String }, history.map { $0["status"] as? String })
        XCTAssertEqual(helmHistory.map { $0["chart"] as? String }, history.map { $0["chart"] as? String })

        r = try cluster.hrctl(["rollback", "shop", "1", "-n", ns])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(try cluster.hrctl(["get", "values", "shop", "-n", ns]).out, "USER-SUPPLIED VALUES:\nhooks: false\nreplicas: 2\n")
        XCTAssertNil(try cluster.get(["configmap", "shop-extra", "-n", ns]), "the rollback removed what revision 1 lacks")
        XCTAssertEqual(try cluster.helm(["get", "values", "shop", "-n", ns, "-o", "json"]).out, "{\"hooks\":false,\"replicas\":2}\n")
        r = try cluster.hrctl(["get", "manifest", "shop", "-n", ns, "--revision", "4"])
        XCTAssertTrue(r.out.contains("name: shop-extra"), r.out)
        XCTAssertEqual(r.out, try cluster.helm(["get", "manifest", "shop", "-n", ns, "--revision", "4"]).out)

        r = try cluster.hrctl(["delete", "shop", "-n", ns])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertNil(try cluster.get(["deployment", "shop-web", "-n", ns]))
        XCTAssertNil(try cluster.get(["configmap", "shop-config", "-n", ns]))
        XCTAssertNotNil(try cluster.get(["configmap", "shop-kept", "-n", ns]))
        let secrets = try cluster.kubectl(["get", "secrets", "-n", ns, "-l", "owner=helm", "-o", "name"])
        XCTAssertEqual(secrets.out, "", "no release records left")
        XCTAssertEqual(try cluster.helm(["list", "-n", ns, "-q"]).out, "")
    }

    /// rabbitmq 6.10.0 (a StatefulSet mounting one volume at two paths): applying it unchanged
    /// is a no-op on the genuine apiserver, as it now is on the loopback one.
    func testUnchangedRabbitmqIsUpToDate() throws {
        let ns = namespace
        let doc = try fluxRelease("rabbit", namespace: ns, chart: sharedRepo + "/rabbitmq-6.10.0.tgz")
        var r = try cluster.hrctl(["apply", "-f", doc])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertNotNil(try cluster.get(["statefulset", "rabbit-rabbitmq", "-n", ns]))
        r = try cluster.hrctl(["apply", "-f", doc])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("is up to date"), r.out)
    }

    /// Part of issue 12: a chart asking for an API the server no longer serves fails at once,
    /// as helm does, before any hook ran or any record or namespace was written.
    func testKindsTheServerDoesNotServeFailBeforeAnythingIsWritten() throws {
        let ns = namespace
        let chart = cluster.dir + "/oldapi"
        try FileManager.default.createDirectory(atPath: chart + "/templates", withIntermediateDirectories: true)
        try "apiVersion: v2\nname: oldapi\nversion: 0.1.0\n".write(toFile: chart + "/Chart.yaml", atomically: true, encoding: .utf8)
        try """
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: early
              annotations: {"helm.sh/hook": pre-install}
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: a, image: busybox}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1beta1
            kind: Role
            metadata: {name: old-role}
            rules: []

            """.write(toFile: chart + "/templates/all.yaml", atomically: true, encoding: .utf8)
        let doc = try release("oldapi", namespace: ns, chart: chart)
        let start = Date()
        let r = try cluster.hrctl(["apply", "-f", doc])
        XCTAssertEqual(r.code, 1)
        let message = "unable to build kubernetes objects from release manifest: resource mapping not found for name: \"old-role\" namespace: \"\" from \"\": no matches for kind \"Role\" in version \"rbac.authorization.k8s.io/v1beta1\"\nensure CRDs are installed first"
        XCTAssertEqual(r.err.split(separator: "\n").filter { !$0.hasPrefix("[") }.joined(separator: "\n"), "Error: HelmRelease \(ns)/oldapi: " + message)
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
        XCTAssertNil(try cluster.get(["namespace", ns]), "nothing was written, not even the namespace")
        // helm says the same after its INSTALLATION FAILED.
        let h = try cluster.helm(["install", "oldapi", chart, "-n", "default"])
        XCTAssertEqual(h.err, "Error: INSTALLATION FAILED: " + message + "\n")
    }

    /// The user's case: kube-prometheus-stack 88.5.3 (its old grafana subchart asks for
    /// rbac.authorization.k8s.io/v1beta1).
    func testKubePrometheusStackIsRefusedInSeconds() throws {
        let ns = namespace
        let doc = try release("kps", namespace: ns, chart: sharedRepo + "/kube-prometheus-stack-88.5.3.tgz")
        let start = Date()
        let r = try cluster.hrctl(["apply", "-f", doc])
        let took = Date().timeIntervalSince(start)
        XCTAssertEqual(r.code, 1, r.out)
        XCTAssertTrue(r.err.contains("unable to build kubernetes objects from release manifest: "), r.err)
        XCTAssertTrue(r.err.contains("no matches for kind \"Role\" in version \"rbac.authorization.k8s.io/v1beta1\"\nensure CRDs are installed first"), r.err)
        XCTAssertFalse(r.err.contains("running pre-install hook"), r.err)
        XCTAssertLessThan(took, 20)
        XCTAssertNil(try cluster.get(["namespace", ns]))
        XCTAssertNil(try cluster.get(["crd", "prometheuses.monitoring.coreos.com"]), "its crds/ were not installed either")
    }
}
