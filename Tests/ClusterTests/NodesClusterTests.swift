import Foundation
import XCTest

/// `--wait`, hooks, tests and the operator's wait on real controllers: a genuine cluster with the
/// scheduler and three hollow nodes (real kubelets, simulated container exits), hrctl side by side
/// with the official helm v4.3.1 CLI (`--wait`, its watcher strategy) on the same chart and values,
/// each in a namespace of its own and run at the same time.
final class NodesClusterTests: ClusterTestCase {
    override class var nodes: Int { 3 }

    var rollout: String { GenuineCluster.root + "/Fixtures/charts/rollout" }

    /// A Helm Operator HelmRelease of the rollout chart (or `chart`) with these values (JSON).
    func doc(_ name: String, _ ns: String, values: String, chart: String? = nil, spec: String = "wait: true\n  timeout: 60s") throws -> String {
        try write("\(name)-\(ns)-\(UUID().uuidString.prefix(6)).yaml", """
            apiVersion: helm.fluxcd.io/v1
            kind: HelmRelease
            metadata: {name: \(name), namespace: \(ns)}
            spec:
              releaseName: \(name)
              chart: {path: \(chart ?? rollout)}
              \(spec)
              values: \(values)

            """)
    }

    func valuesFile(_ values: String) throws -> String { try write("values-\(UUID().uuidString.prefix(8)).json", values) }

    /// Runs helm and hrctl at once (each with its arguments): they wait for the same kind of
    /// rollout on the same nodes.
    func sideBySide(helm: [String], hrctl: [String]) throws -> (helm: Run.Result, hrctl: Run.Result) {
        final class Box: @unchecked Sendable { var r: Result<Run.Result, Error>? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let env = cluster.env, program = GenuineCluster.tools + "/helm"
        DispatchQueue.global().async { box.r = Result { try Run.exec(program, helm, env: env) }; done.signal() }
        let ours = try Run.exec(Run.hrctl, hrctl, env: env)
        done.wait()
        return (try box.r!.get(), ours)
    }

    /// helm's arguments for `verb` (install or upgrade) of the rollout chart with these values.
    func helm(_ verb: String, _ name: String, _ ns: String, _ values: String, _ args: [String]) throws -> [String] {
        [verb, name, rollout, "-n", ns, "--create-namespace", "-f", try valuesFile(values)] + args
    }

    /// hrctl's arguments to apply a HelmRelease file.
    func apply(_ file: String) -> [String] { ["apply", "-f", file] }

    func namespaces(_ base: String) throws -> (String, String) {
        let a = base + "-h", b = base + "-k"
        XCTAssertEqual(try cluster.kubectl(["create", "namespace", a]).code, 0)
        return (a, b)
    }

    func object(_ kind: String, _ name: String, _ ns: String) throws -> [String: Any] {
        try XCTUnwrap(try cluster.get([kind, name, "-n", ns]), "\(kind)/\(name) in \(ns)")
    }

    func status(_ kind: String, _ name: String, _ ns: String) throws -> [String: Any] {
        try object(kind, name, ns)["status"] as? [String: Any] ?? [:]
    }

    func releaseStatus(_ name: String, _ ns: String) throws -> [[String: Any]] {
        let r = try cluster.helm(["history", name, "-n", ns, "-o", "json"])
        XCTAssertEqual(r.code, 0, r.err)
        return try json(r.out) as? [[String: Any]] ?? []
    }

    /// What both must find the moment their wait returns: every workload rolled out.
    func assertRolledOut(_ release: String, _ ns: String, tag: String, partition: Int = 0, file: StaticString = #filePath, line: UInt = #line) throws {
        let dep = try object("deployment", "\(release)-web", ns)
        let ds = try status("deployment", "\(release)-web", ns)
        XCTAssertEqual(ds["readyReplicas"] as? Int, 3, "Deployment \(ns): \(ds)", file: file, line: line)
        XCTAssertEqual(ds["updatedReplicas"] as? Int, 3, "Deployment \(ns): \(ds)", file: file, line: line)
        XCTAssertEqual((ds["observedGeneration"] as? Int), (dep["metadata"] as? [String: Any])?["generation"] as? Int, file: file, line: line)
        let sts = try status("statefulset", "\(release)-db", ns)
        XCTAssertEqual(sts["readyReplicas"] as? Int, 2, "StatefulSet \(ns): \(sts)", file: file, line: line)
        XCTAssertEqual(sts["updatedReplicas"] as? Int, 2 - partition, "StatefulSet \(ns): \(sts)", file: file, line: line)
        let daemons = try status("daemonset", "\(release)-agent", ns)
        XCTAssertEqual(daemons["numberReady"] as? Int, 3, "DaemonSet \(ns): \(daemons)", file: file, line: line)
        XCTAssertEqual(daemons["updatedNumberScheduled"] as? Int, 3, "DaemonSet \(ns): \(daemons)", file: file, line: line)
        let job = try status("job", "\(release)-migrate", ns)
        XCTAssertEqual(job["succeeded"] as? Int, 1, "Job \(ns): \(job)", file: file, line: line)
        let pods = try XCTUnwrap(try cluster.get(["pods", "-n", ns, "-l", "app=\(release)-web"])?["items"] as? [[String: Any]])
        let images = Set(pods.compactMap { (($0["spec"] as? [String: Any])?["containers"] as? [[String: Any]])?.first?["image"] as? String })
        XCTAssertEqual(images, ["example.test/app:\(tag)"], "Pods of the Deployment in \(ns)", file: file, line: line)
    }

    // MARK: - the tier

    func testInstallUpgradeAndRollbackWaitForRealRollouts() throws {
        let (h, k) = try namespaces(namespace)
        let v1 = #"{"tag": "1"}"#
        var (hr, kr) = try sideBySide(helm: try helm("install", "r", h, v1, ["--wait", "--wait-for-jobs", "--timeout", "90s"]),
                                      hrctl: apply(try doc("r", k, values: v1)))
        XCTAssertEqual(hr.code, 0, hr.err)
        XCTAssertEqual(kr.code, 0, kr.err)
        for ns in [h, k] { try assertRolledOut("r", ns, tag: "1") }
        // Services get Endpoints listing the Deployment's ready Pods.
        for ns in [h, k] {
            try cluster.eventually("Endpoints of r-web in \(ns)") {
                let subsets = try cluster.get(["endpoints", "r-web", "-n", ns])?["subsets"] as? [[String: Any]] ?? []
                return subsets.reduce(0) { $0 + (($1["addresses"] as? [Any])?.count ?? 0) } == 3
            }
        }
        // The custom resource (Ready True) counted: both report the release deployed.
        XCTAssertEqual(try releaseStatus("r", k).last?["status"] as? String, "deployed")

        // An upgrade that rolls every workload's Pods, the StatefulSet by a partition of 1.
        let v2 = #"{"tag": "2", "statefulset": {"enabled": true, "replicas": 2, "partition": 1}}"#
        (hr, kr) = try sideBySide(helm: try helm("upgrade", "r", h, v2, ["--wait", "--wait-for-jobs", "--timeout", "90s"]),
                                      hrctl: apply(try doc("r", k, values: v2)))
        XCTAssertEqual(hr.code, 0, hr.err)
        XCTAssertEqual(kr.code, 0, kr.err)
        for ns in [h, k] { try assertRolledOut("r", ns, tag: "2", partition: 1) }

        // Back to revision 1, waited for as well.
        (hr, kr) = try sideBySide(helm: ["rollback", "r", "1", "-n", h, "--wait", "--wait-for-jobs", "--timeout", "90s"],
                                      hrctl: ["rollback", "r", "1", "-n", k, "--wait", "--timeout", "90s"])
        XCTAssertEqual(hr.code, 0, hr.err)
        XCTAssertEqual(kr.code, 0, kr.err)
        for ns in [h, k] {
            try assertRolledOut("r", ns, tag: "1")
            XCTAssertEqual(try releaseStatus("r", ns).map { $0["status"] as? String }, ["superseded", "superseded", "deployed"])
        }
    }

    func testObjectsThatNeverBecomeReadyTimeOutNamingWhy() throws {
        let (h, k) = try namespaces(namespace)
        let v = #"{"unschedulable": true, "pvc": {"enabled": true}, "ingress": {"enabled": true}, "job": {"enabled": false}, "statefulset": {"enabled": false}}"#
        // (A release named `n` would be YAML's false in the HelmRelease.)
        let (hr, kr) = try sideBySide(helm: try helm("install", "nr", h, v, ["--wait", "--timeout", "5s"]),
                                      hrctl: apply(try doc("nr", k, values: v, spec: "wait: true\n  timeout: 5s")))
        XCTAssertNotEqual(hr.code, 0)
        XCTAssertNotEqual(kr.code, 0)
        // helm names the objects; hrctl names them the same way, and why the Pods do not run.
        for (out, ns) in [(hr.err, h), (kr.err, k)] {
            XCTAssertTrue(out.contains("resource Deployment/\(ns)/nr-web not ready. status: InProgress, message: Available: 0/3"), out)
            XCTAssertTrue(out.contains("resource PersistentVolumeClaim/\(ns)/nr-data not ready. status: InProgress, message: PVC is not Bound. phase: Pending"), out)
            // kstatus calls an Ingress current at once, and a Service.
            let notReady = out.split(separator: "\n").filter { $0.contains(" not ready. ") }
            XCTAssertEqual(notReady.count, 2, out)
            XCTAssertFalse(notReady.contains { $0.contains("Ingress/") || $0.contains("Service/") }, out)
        }
        XCTAssertTrue(kr.err.contains("timed out after 5s"), kr.err)
        XCTAssertTrue(kr.err.contains("is unschedulable: 0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector"), kr.err)
        for ns in [h, k] { XCTAssertEqual(try releaseStatus("nr", ns).last?["status"] as? String, "failed") }
    }

    func testAtomicRestoresThePreviousRevisionOnRealControllers() throws {
        let (h, k) = try namespaces(namespace)
        let good = #"{"job": {"enabled": false}}"#
        var (hr, kr) = try sideBySide(helm: try helm("install", "a", h, good, ["--wait", "--timeout", "60s"]),
                                      hrctl: apply(try doc("a", k, values: good)))
        XCTAssertEqual(hr.code, 0, hr.err)
        XCTAssertEqual(kr.code, 0, kr.err)
        let bad = #"{"job": {"enabled": false}, "tag": "2", "unschedulable": true}"#
        (hr, kr) = try sideBySide(helm: try helm("upgrade", "a", h, bad, ["--rollback-on-failure", "--timeout", "5s"]),
                                      hrctl: apply(try doc("a", k, values: bad, spec: "wait: true\n  timeout: 5s\n  rollback: {enable: true}")))
        XCTAssertNotEqual(hr.code, 0)
        XCTAssertNotEqual(kr.code, 0)
        XCTAssertTrue(hr.err.contains("rolled back"), hr.err)
        XCTAssertTrue(kr.err.contains("rolled back"), kr.err)
        XCTAssertTrue(kr.err.contains("resource Deployment/\(k)/a-web not ready"), kr.err)
        for ns in [h, k] {
            XCTAssertEqual(try releaseStatus("a", ns).map { $0["status"] as? String }, ["superseded", "failed", "deployed"], ns)
            // The nodeSelector is gone again and revision 1's Pods run.
            try cluster.eventually("a-web rolled back in \(ns)", timeout: 30) {
                let s = try status("deployment", "a-web", ns)
                let spec = (try object("deployment", "a-web", ns)["spec"] as? [String: Any])?["template"] as? [String: Any]
                return s["readyReplicas"] as? Int == 3 && s["updatedReplicas"] as? Int == 3 && s["replicas"] as? Int == 3
                    && ((spec?["spec"] as? [String: Any])?["nodeSelector"] == nil)
            }
        }
    }

    func testHooksRunInWeightOrderAndAFailedHookFailsTheUpgrade() throws {
        let (h, k) = try namespaces(namespace)
        let hooks = #"""
            {"deployment": {"enabled": true, "replicas": 1}, "statefulset": {"enabled": false}, "daemonset": {"enabled": false},
             "job": {"enabled": false}, "widget": {"enabled": false},
             "hooks": {"first": {"events": "pre-install", "weight": -5},
                       "second": {"events": "pre-install", "weight": 5},
                       "gone": {"events": "pre-install,pre-upgrade", "weight": 0, "deletePolicy": "hook-succeeded"},
                       "after": {"events": "post-install", "weight": 0}}}
            """#.replacingOccurrences(of: "\n", with: " ")
        var (hr, kr) = try sideBySide(helm: try helm("install", "hk", h, hooks, ["--wait", "--timeout", "60s"]),
                                      hrctl: apply(try doc("hk", k, values: hooks)))
        XCTAssertEqual(hr.code, 0, hr.err)
        XCTAssertEqual(kr.code, 0, kr.err)
        for ns in [h, k] {
            // Each pre-install hook ran to completion before the next by weight, then the
            // release's objects, then post-install.
            let first = try object("job", "hk-first", ns), second = try object("job", "hk-second", ns), after = try object("job", "hk-after", ns)
            let done = (first["status"] as? [String: Any])?["completionTime"] as? String ?? "~"
            let started = (second["metadata"] as? [String: Any])?["creationTimestamp"] as? String ?? ""
            XCTAssertLessThanOrEqual(done, started, "first must complete before second starts (\(ns))")
            XCTAssertEqual((after["status"] as? [String: Any])?["succeeded"] as? Int, 1, ns)
            let web = (try object("deployment", "hk-web", ns)["metadata"] as? [String: Any])?["creationTimestamp"] as? String ?? ""
            let secondDone = (second["status"] as? [String: Any])?["completionTime"] as? String ?? "~"
            XCTAssertLessThanOrEqual(secondDone, web, "the release's objects come after the pre-install hooks (\(ns))")
            XCTAssertNil(try cluster.get(["job", "hk-gone", "-n", ns]), "hook-succeeded deletes the hook (\(ns))")
        }

        // A pre-upgrade hook that fails (exit code 1) fails the upgrade before any object changes;
        // hook-failed deletes it.
        let failing = hooks.replacingOccurrences(of: #""after": {"events": "post-install", "weight": 0}"#,
                                                 with: #""after": {"events": "post-install", "weight": 0}, "bad": {"events": "pre-upgrade", "weight": 9, "exitCode": 1, "deletePolicy": "hook-failed"}"#)
            .replacingOccurrences(of: #""replicas": 1"#, with: #""replicas": 2"#)
        (hr, kr) = try sideBySide(helm: try helm("upgrade", "hk", h, failing, ["--wait", "--timeout", "60s"]),
                                      hrctl: apply(try doc("hk", k, values: failing)))
        XCTAssertNotEqual(hr.code, 0)
        XCTAssertNotEqual(kr.code, 0)
        XCTAssertTrue(hr.err.contains("pre-upgrade") && hr.err.contains("hk-bad"), hr.err)
        XCTAssertTrue(kr.err.contains("pre-upgrade") && kr.err.contains("Job/hk-bad"), kr.err)
        XCTAssertTrue(kr.err.contains("status: Failed"), kr.err)
        for ns in [h, k] {
            XCTAssertEqual(try releaseStatus("hk", ns).map { $0["status"] as? String }, ["deployed", "failed"], ns)
            XCTAssertEqual((try object("deployment", "hk-web", ns)["spec"] as? [String: Any])?["replicas"] as? Int, 1, ns)
            try cluster.eventually("hook-failed deletes hk-bad in \(ns)", timeout: 10) { try cluster.get(["job", "hk-bad", "-n", ns]) == nil }
        }
    }

    func testReleaseTestsPassAndFailOnNodes() throws {
        let (h, k) = try namespaces(namespace)
        let v = #"{"statefulset": {"enabled": false}, "daemonset": {"enabled": false}, "job": {"enabled": false}, "tests": {"ok": {}, "bad": {"exitCode": 1}}}"#
        var (hr, kr) = try sideBySide(helm: try helm("install", "t", h, v, ["--wait", "--timeout", "60s"]),
                                      hrctl: apply(try doc("t", k, values: v)))
        XCTAssertEqual(hr.code, 0, hr.err)
        XCTAssertEqual(kr.code, 0, kr.err)
        (hr, kr) = try sideBySide(helm: ["test", "t", "-n", h, "--timeout", "60s"],
                                      hrctl: ["test", "t", "-n", k, "--timeout", "60s"])
        XCTAssertNotEqual(hr.code, 0)
        XCTAssertNotEqual(kr.code, 0)
        XCTAssertTrue(hr.err.contains("t-bad"), hr.err)
        XCTAssertTrue(kr.err.contains("t-bad") && kr.err.contains("failed"), kr.err)
        for ns in [h, k] {
            XCTAssertEqual(try status("pod", "t-bad", ns)["phase"] as? String, "Failed", ns)
        }
        // Without the failing test, both pass.
        let ok = v.replacingOccurrences(of: #", "bad": {"exitCode": 1}"#, with: "")
        (hr, kr) = try sideBySide(helm: try helm("upgrade", "t", h, ok, ["--wait", "--timeout", "60s"]),
                                      hrctl: apply(try doc("t", k, values: ok)))
        XCTAssertEqual(hr.code, 0, hr.err)
        XCTAssertEqual(kr.code, 0, kr.err)
        (hr, kr) = try sideBySide(helm: ["test", "t", "-n", h, "--timeout", "60s"],
                                      hrctl: ["test", "t", "-n", k, "--timeout", "60s"])
        XCTAssertEqual(hr.code, 0, hr.err)
        XCTAssertEqual(kr.code, 0, kr.err)
        for ns in [h, k] { XCTAssertEqual(try status("pod", "t-ok", ns)["phase"] as? String, "Succeeded", ns) }
    }

    /// The operator: a HelmRelease with wait reaches Deployed only once the release is ready, says
    /// in Events what it waits for, and a failing pre-upgrade hook gives DeployFailed with the hook.
    func testOperatorDeploysOnlyWhenReadyAndReportsAFailedHook() throws {
        let ns = namespace
        let crds = try cluster.hrctl(["crds"])
        XCTAssertEqual(crds.code, 0, crds.err)
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: crds.out).code, 0)
        XCTAssertEqual(try cluster.kubectl(["wait", "--for", "condition=established", "--timeout", "30s", "crd/helmreleases.helm.fluxcd.io"]).code, 0)
        XCTAssertEqual(try cluster.kubectl(["create", "namespace", ns]).code, 0)
        let log = cluster.dir + "/operator-\(ns).log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let op = Process()
        op.executableURL = URL(fileURLWithPath: Run.hrctl)
        op.arguments = ["operator", "-n", ns, "--lease-duration", "3s", "--probe-address", "127.0.0.1:0", "--interval", "5m", "--workers", "2"]
        op.environment = ProcessInfo.processInfo.environment.merging(cluster.env) { $1 }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        op.standardOutput = h
        op.standardError = h
        try op.run()
        defer {
            kill(op.processIdentifier, SIGTERM)
            op.waitUntilExit()
        }
        // The Job runs 4 s: long enough to see the release wait for it.
        let values = #"{"job": {"enabled": true, "exitAfter": "4s"}}"#
        let doc = { (values: String) in """
            apiVersion: helm.fluxcd.io/v1
            kind: HelmRelease
            metadata: {name: op, namespace: \(ns)}
            spec:
              releaseName: op
              chart: {path: \(self.rollout)}
              wait: true
              timeout: 60s
              values: \(values)

            """ }
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: doc(values)).code, 0)
        var phases: [String] = []
        try cluster.eventually("the HelmRelease Deployed", timeout: 60) {
            let phase = ((try cluster.get(["hr", "op", "-n", ns]))?["status"] as? [String: Any])?["phase"] as? String ?? ""
            if phases.last != phase { phases.append(phase) }
            guard phase == "Deployed" else { return false }
            // The moment it says Deployed, everything is ready.
            try assertRolledOut("op", ns, tag: "1")
            return true
        }
        XCTAssertFalse(phases.contains("DeployFailed"), "\(phases)")
        let events = try cluster.get(["events", "-n", ns, "--field-selector", "involvedObject.name=op"])?["items"] as? [[String: Any]] ?? []
        let waiting = events.filter { $0["reason"] as? String == "Waiting" }.compactMap { $0["message"] as? String }
        XCTAssertTrue(waiting.contains { $0.hasPrefix("waiting for ") && $0.contains(" of ") }, "\(events.map { $0["message"] ?? "" })")

        let failing = #"{"job": {"enabled": true, "exitAfter": "4s"}, "tag": "2", "hooks": {"bad": {"events": "pre-upgrade", "exitCode": 1}}}"#
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: doc(failing)).code, 0)
        try cluster.eventually("the HelmRelease DeployFailed", timeout: 60) {
            ((try cluster.get(["hr", "op", "-n", ns]))?["status"] as? [String: Any])?["phase"] as? String == "DeployFailed"
        }
        let status = try XCTUnwrap((try cluster.get(["hr", "op", "-n", ns]))?["status"] as? [String: Any])
        let released = (status["conditions"] as? [[String: Any]] ?? []).first { $0["type"] as? String == "Released" }
        let message = released?["message"] as? String ?? ""
        XCTAssertTrue(message.contains("pre-upgrade") && message.contains("Job/op-bad") && message.contains("status: Failed"), message)
        // Nothing of revision 2 reached the workloads.
        try assertRolledOut("op", ns, tag: "1")
    }

    func testSeedChartsInstallWithWaitOnNodes() throws {
        let (h, k) = try namespaces(namespace)
        // No storage provisioner on hollow nodes and no ephemeral storage: persistence and
        // Bitnami's resource presets off, as a user of such a cluster would set them.
        let nginx = #"{"service": {"type": "ClusterIP"}, "resourcesPreset": "none"}"#
        var (hr, kr) = try sideBySide(
            helm: ["install", "web", sharedRepo + "/nginx-22.1.1.tgz", "-n", h, "-f", try valuesFile(nginx), "--wait", "--wait-for-jobs", "--timeout", "60s"],
            hrctl: apply(try doc("web", k, values: nginx, chart: sharedRepo + "/nginx-22.1.1.tgz")))
        XCTAssertEqual(hr.code, 0, hr.err)
        XCTAssertEqual(kr.code, 0, kr.err)
        for ns in [h, k] {
            let s = try status("deployment", "web-nginx", ns)
            XCTAssertEqual(s["availableReplicas"] as? Int, 1, "web-nginx in \(ns): \(s)")
        }

        // rabbitmq 6.10.0 and wordpress's mariadb mount ConfigMap files by subPath, which a
        // hollow node's fake mounter does not implement: their StatefulSets never become ready.
        // Both wait and fail naming them; hrctl also says why.
        let charts = [("rabbit", "rabbitmq-6.10.0.tgz", #"{"persistence": {"enabled": false}}"#, "StatefulSet/%@/rabbit-rabbitmq"),
                      ("wp", "wordpress-27.0.0.tgz",
                       #"{"persistence": {"enabled": false}, "service": {"type": "ClusterIP"}, "resourcesPreset": "none", "mariadb": {"primary": {"persistence": {"enabled": false}, "resourcesPreset": "none"}}}"#,
                       "StatefulSet/%@/wp-mariadb")]
        for (name, file, values, stuck) in charts {
            (hr, kr) = try sideBySide(
                helm: ["install", name, sharedRepo + "/" + file, "-n", h, "-f", try valuesFile(values), "--wait", "--wait-for-jobs", "--timeout", "6s"],
                hrctl: apply(try doc(name, k, values: values, chart: sharedRepo + "/" + file, spec: "wait: true\n  timeout: 6s")))
            XCTAssertNotEqual(hr.code, 0, name)
            XCTAssertNotEqual(kr.code, 0, name)
            XCTAssertTrue(hr.err.contains("resource " + stuck.replacingOccurrences(of: "%@", with: h) + " not ready"), hr.err)
            XCTAssertTrue(kr.err.contains("resource " + stuck.replacingOccurrences(of: "%@", with: k) + " not ready"), kr.err)
            // rabbitmq's Pod has no init containers: by the timeout its container has failed to start.
            if name == "rabbit" { XCTAssertTrue(kr.err.contains("container rabbitmq is waiting: CreateContainerConfigError"), kr.err) }
        }
    }
}
