import Foundation
import XCTest

/// Taking over without an upgrade, on the genuine apiserver: a release installed by helm that a
/// new HelmRelease names, and a HelmRelease Helm Operator wrote and statused (its status fields,
/// its finalizer, its `helm.fluxcd.io/antecedent` annotations on the objects). No new revision
/// when chart, values and objects match; otherwise one upgrade, and the status says why.
final class OperatorTakeoverClusterTests: ClusterTestCase {
    var app: String { GenuineCluster.root + "/Fixtures/charts/rbac-app" }

    func startOperator(_ ns: String) throws -> (Process, String) {
        let crds = try cluster.hrctl(["crds"])
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: crds.out).code, 0)
        XCTAssertEqual(try cluster.kubectl(["wait", "--for", "condition=established", "--timeout", "30s", "crd/helmreleases.helm.fluxcd.io"]).code, 0)
        let log = cluster.dir + "/operator-\(ns).log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Run.hrctl)
        p.arguments = ["operator", "-n", ns, "--lease-duration", "3s", "--probe-address", "127.0.0.1:0", "--workers", "2"]
        p.environment = ProcessInfo.processInfo.environment.merging(cluster.env) { $1 }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = h
        p.standardError = h
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return (p, log)
    }

    func stop(_ p: Process) {
        guard p.isRunning else { return }
        kill(p.processIdentifier, SIGTERM)
        let end = Date().addingTimeInterval(10)
        while p.isRunning && Date() < end { Thread.sleep(forTimeInterval: 0.1) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
    }

    func status(_ name: String, _ ns: String) throws -> [String: Any] { try cluster.get(["hr", name, "-n", ns])?["status"] as? [String: Any] ?? [:] }
    func released(_ name: String, _ ns: String) throws -> [String: Any]? {
        (try status(name, ns)["conditions"] as? [[String: Any]])?.first { $0["type"] as? String == "Released" }
    }
    func revisions(_ release: String, _ ns: String) throws -> [Int] {
        let h = try cluster.helm(["history", release, "-n", ns, "-o", "json"])
        return ((try json(h.out) as? [[String: Any]]) ?? []).compactMap { $0["revision"] as? Int }
    }
    func hr(_ name: String, _ ns: String, release: String, values: String) -> String {
        """
        apiVersion: helm.fluxcd.io/v1
        kind: HelmRelease
        metadata: {name: \(name), namespace: \(ns)}
        spec:
          releaseName: \(release)
          chart: {path: \(app)}
          values: \(values)

        """
    }

    func testAHelmInstalledReleaseIsAdoptedWithoutARevisionAndADifferingOneUpgradedOnceSayingWhy() throws {
        let ns = namespace
        XCTAssertEqual(try cluster.kubectl(["create", "namespace", ns]).code, 0)
        for (name, message) in [("same", "one"), ("other", "one")] {
            let h = try cluster.helm(["install", name, app, "-n", ns, "--set", "message=\(message)"])
            XCTAssertEqual(h.code, 0, h.err)
        }
        let (op, log) = try startOperator(ns)
        defer { stop(op) }
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: hr("same", ns, release: "same", values: "{message: one}")).code, 0)
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: hr("other", ns, release: "other", values: "{message: two}")).code, 0)

        try cluster.eventually("adopted", timeout: 40) { try released("same", ns)?["reason"] as? String == "Adopted" }
        XCTAssertEqual(try revisions("same", ns), [1], (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        let st = try status("same", ns)
        XCTAssertEqual(st["releaseStatus"] as? String, "deployed")
        XCTAssertEqual(st["phase"] as? String, "Deployed")
        XCTAssertTrue((try released("same", ns)?["message"] as? String ?? "").contains("adopted at revision 1 without an upgrade"))
        // Marked as Helm Operator marked its releases' objects, so later reconciles find no drift.
        let d = try XCTUnwrap(try cluster.get(["deployment", "same", "-n", ns]))
        XCTAssertEqual(((d["metadata"] as? [String: Any])?["annotations"] as? [String: String])?["helm.fluxcd.io/antecedent"], "\(ns):helmrelease/same")
        // A drift check of everything after a restart still finds nothing to do.
        stop(op)
        let (again, _) = try startOperator(ns)
        defer { stop(again) }
        Thread.sleep(forTimeInterval: 3)
        XCTAssertEqual(try revisions("same", ns), [1])

        // Values differ: one upgrade, and the condition says why.
        try cluster.eventually("the other release upgraded", timeout: 40) { try released("other", ns)?["status"] as? String == "True" }
        XCTAssertEqual(try revisions("other", ns), [1, 2])
        let m = try released("other", ns)?["message"] as? String ?? ""
        XCTAssertTrue(m.contains("Taken over with an upgrade to revision 2: chart or values changed"), m)
        XCTAssertEqual((try cluster.get(["configmap", "other-config", "-n", ns])?["data"] as? [String: String])?["message"], "two")
    }

    func testAHelmOperatorEraHelmReleaseIsTakenOverWithoutARevision() throws {
        let ns = namespace
        XCTAssertEqual(try cluster.kubectl(["create", "namespace", ns]).code, 0)
        let crds = try cluster.hrctl(["crds"])
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: crds.out).code, 0)
        XCTAssertEqual(try cluster.kubectl(["wait", "--for", "condition=established", "--timeout", "30s", "crd/helmreleases.helm.fluxcd.io"]).code, 0)
        // What Helm Operator 1.4 left: a release named NAMESPACE-NAME, installed through Helm 3's
        // library, then `kubectl annotate`d with the antecedent (it annotated after each release)...
        let release = "\(ns)-legacy"
        XCTAssertEqual(try cluster.helm(["install", release, app, "-n", ns, "--set", "message=old"]).code, 0)
        for object in ["configmap/\(release)-config", "service/\(release)", "deployment/\(release)"] {
            let k = try cluster.kubectl(["annotate", "-n", ns, object, "helm.fluxcd.io/antecedent=\(ns):helmrelease/legacy"])
            XCTAssertEqual(k.code, 0, k.err)
        }
        // ...and the HelmRelease with its finalizer and the status it wrote.
        let doc = """
            apiVersion: helm.fluxcd.io/v1
            kind: HelmRelease
            metadata:
              name: legacy
              namespace: \(ns)
              finalizers: [helm.fluxcd.io]
            spec:
              chart: {path: \(app)}
              values: {message: old}

            """
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: doc).code, 0)
        let statusPatch = """
            {"status": {"phase": "Succeeded", "releaseName": "\(release)", "releaseStatus": "deployed", "revision": "1.0.0",
             "lastAttemptedRevision": "1.0.0", "rollbackCount": 0, "observedGeneration": 1,
             "conditions": [
               {"type": "ChartFetched", "status": "True", "reason": "RepoChartInCache", "message": "chart fetched: rbac-app-1.0.0.tgz",
                "lastTransitionTime": "2021-03-01T10:00:00Z", "lastUpdateTime": "2021-03-01T10:00:00Z"},
               {"type": "Released", "status": "True", "reason": "Succeeded", "message": "Release was successful for Helm release '\(release)' in '\(ns)'.",
                "lastTransitionTime": "2021-03-01T10:00:01Z", "lastUpdateTime": "2021-03-01T10:00:01Z"}]}}
            """
        let k = try cluster.kubectl(["patch", "hr", "legacy", "-n", ns, "--subresource=status", "--type=merge", "-p", statusPatch])
        XCTAssertEqual(k.code, 0, k.err)

        let (op, log) = try startOperator(ns)
        defer { stop(op) }
        // Reconciled: the revision it reports is now this operator's (the chart it reads).
        try cluster.eventually("reconciled", timeout: 40) { try status("legacy", ns)["revision"] as? String == app }
        XCTAssertEqual(try revisions(release, ns), [1], (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        let st = try status("legacy", ns)
        XCTAssertEqual(st["releaseStatus"] as? String, "deployed")
        XCTAssertEqual(st["phase"] as? String, "Succeeded")
        XCTAssertEqual(st["rollbackCount"] as? Int, 0, "Helm Operator's own fields are kept")
        XCTAssertEqual(try released("legacy", ns)?["status"] as? String, "True")
        let events = (try cluster.get(["events", "-n", ns, "--field-selector", "involvedObject.name=legacy"])?["items"] as? [[String: Any]]) ?? []
        XCTAssertFalse(events.contains { $0["reason"] as? String == "ReleaseSynced" }, "no install or upgrade")

        // Its finalizer is this operator's: deleting the HelmRelease uninstalls the release.
        XCTAssertEqual(try cluster.kubectl(["delete", "hr", "legacy", "-n", ns, "--wait=true", "--timeout=60s"]).code, 0)
        XCTAssertEqual(try cluster.helm(["list", "-n", ns, "-q"]).out, "")
    }
}
