import Foundation
import XCTest

/// The operator as users install it (deploy/charts/hrctl-operator) on the genuine apiserver with
/// hollow nodes: installed by helm and by `hrctl apply` of a HelmRelease, its Pods scheduled and
/// Ready, its PDB accepted; then the operator binary run under the chart's ServiceAccount (a
/// TokenRequest token, the in-cluster environment) through a whole lifecycle, so every request
/// it makes goes through the chart's RBAC.
final class OperatorChartClusterTests: ClusterTestCase {
    static var chart: String { GenuineCluster.root + "/deploy/charts/hrctl-operator" }
    var chart: String { Self.chart }
    var app: String { GenuineCluster.root + "/Fixtures/charts/rbac-app" }

    override class func setUp() {
        super.setUp()
        // Hollow nodes on the running cluster (the node layer alone starts).
        if let c = clusters[String(describing: self)] {
            let r = try? Run.exec(GenuineCluster.script, ["up", c.dir, "--nodes", "2"])
            if r?.code != 0 { failures[String(describing: self)] = "cluster up --nodes 2: \(r?.err ?? "")" }
        }
    }

    func deployment(_ name: String, _ ns: String) throws -> [String: Any]? { try cluster.get(["deployment", name, "-n", ns]) }

    func testChartLintsCleanWithHelmAndHrctl() throws {
        let h = try cluster.helm(["lint", "--strict", chart])
        XCTAssertEqual(h.code, 0, h.out + h.err)
        XCTAssertTrue(h.out.contains("0 chart(s) failed"), h.out)
        XCTAssertFalse(h.out.contains("[WARNING]") || h.out.contains("[ERROR]"), h.out)
        let r = try cluster.hrctl(["lint", "--strict", chart])
        XCTAssertEqual(r.code, 0, r.out + r.err)
        XCTAssertFalse(r.out.contains("[WARNING]") || r.out.contains("[ERROR]"), r.out)
        // The schema rejects a bad value with helm's words, naming the field.
        let bad = try cluster.helm(["template", "x", chart, "--set", "workers=0"])
        XCTAssertNotEqual(bad.code, 0)
        XCTAssertTrue(bad.err.contains("/workers"), bad.err)
        let badHrctl = try cluster.hrctl(["template", "x", chart, "--set", "workers=0"])
        XCTAssertNotEqual(badHrctl.code, 0)
        XCTAssertTrue(badHrctl.err.contains("workers"), badHrctl.err)
        // The chart's CRD is the one the operator serves.
        let crds = try cluster.hrctl(["crds"])
        let file = try String(contentsOfFile: chart + "/crds/helmreleases.helm.fluxcd.io.yaml", encoding: .utf8)
        XCTAssertEqual(file, crds.out, "deploy/charts/hrctl-operator/crds is stale: hrctl crds > it")
    }

    func testChartInstallsWithHelmAndWithHrctlApplyPodsReadyAndPDBAccepted() throws {
        // helm install, every namespace.
        XCTAssertEqual(try cluster.kubectl(["create", "namespace", "ops-helm"]).code, 0)
        let h = try cluster.helm(["install", "op", chart, "-n", "ops-helm", "--set", "replicaCount=2", "--wait", "--timeout", "60s"])
        XCTAssertEqual(h.code, 0, h.err)
        let d = try XCTUnwrap(try deployment("op-hrctl-operator", "ops-helm"))
        let status = try XCTUnwrap(d["status"] as? [String: Any])
        XCTAssertEqual(status["readyReplicas"] as? Int, 2, "\(status)")
        let pods = try XCTUnwrap(try cluster.get(["pods", "-n", "ops-helm", "-l", "app.kubernetes.io/instance=op"])?["items"] as? [[String: Any]])
        XCTAssertEqual(pods.count, 2)
        for pod in pods {
            let spec = try XCTUnwrap(pod["spec"] as? [String: Any])
            XCTAssertNotNil(spec["nodeName"] as? String, "scheduled")
            let c = try XCTUnwrap((spec["containers"] as? [[String: Any]])?.first)
            XCTAssertNotNil(c["livenessProbe"]); XCTAssertNotNil(c["readinessProbe"])
            let conditions = (pod["status"] as? [String: Any])?["conditions"] as? [[String: Any]] ?? []
            XCTAssertTrue(conditions.contains { $0["type"] as? String == "Ready" && $0["status"] as? String == "True" }, "\(conditions)")
        }
        // The PDB: the disruption controller counts both Pods and allows one eviction.
        try cluster.eventually("the PDB's status", timeout: 30) {
            let s = try cluster.get(["pdb", "op-hrctl-operator", "-n", "ops-helm"])?["status"] as? [String: Any]
            return s?["currentHealthy"] as? Int == 2 && s?["disruptionsAllowed"] as? Int == 1
        }
        // Pod Security "restricted": the namespace enforces it and the Pods were admitted.
        XCTAssertEqual(try cluster.kubectl(["create", "namespace", "ops-restricted"]).code, 0)
        XCTAssertEqual(try cluster.kubectl(["label", "namespace", "ops-restricted", "pod-security.kubernetes.io/enforce=restricted",
                                            "pod-security.kubernetes.io/warn=restricted"]).code, 0)
        let rendered = try cluster.helm(["template", "r", chart, "-n", "ops-restricted", "--skip-crds", "--set", "rbac.create=false"])
        let dry = try cluster.kubectl(["apply", "--dry-run=server", "-n", "ops-restricted", "-f", "-"], stdin: rendered.out)
        XCTAssertEqual(dry.code, 0, dry.err)
        // A workload's Pod template is checked at once: the server warns ("would violate PodSecurity") when it fails the profile.
        XCTAssertFalse(dry.err.contains("violate"), dry.err)
        let loose = try cluster.helm(["template", "r", chart, "-n", "ops-restricted", "--skip-crds", "--set", "rbac.create=false",
                                      "--set", "securityContext.allowPrivilegeEscalation=true"])
        let warned = try cluster.kubectl(["apply", "--dry-run=server", "-n", "ops-restricted", "-f", "-"], stdin: loose.out)
        XCTAssertTrue(warned.err.contains("would violate PodSecurity \"restricted:latest\""), "the check can fail: \(warned.err)")

        // hrctl apply of a HelmRelease that points at the chart: only two namespaces watched.
        for ns in ["ops-hrctl", "team-a", "team-b"] { XCTAssertEqual(try cluster.kubectl(["create", "namespace", ns]).code, 0) }
        let hr = try write("op-hrctl.yaml", """
            apiVersion: helm.fluxcd.io/v1
            kind: HelmRelease
            metadata: {name: op, namespace: ops-hrctl}
            spec:
              releaseName: op
              chart: {path: \(chart)}
              values:
                replicaCount: 1
                watchNamespaces: [team-a, team-b]

            """)
        let a = try cluster.hrctl(["apply", "-f", hr])
        XCTAssertEqual(a.code, 0, a.out + a.err)
        for ns in ["team-a", "team-b"] {
            let name = "op-hrctl-operator-" + ns
            try cluster.eventually("\(name) ready", timeout: 30) {
                (try deployment(name, "ops-hrctl")?["status"] as? [String: Any])?["readyReplicas"] as? Int == 1
            }
            let args = try XCTUnwrap(((try deployment(name, "ops-hrctl")?["spec"] as? [String: Any]).flatMap { ($0["template"] as? [String: Any])?["spec"] as? [String: Any] })?["containers"] as? [[String: Any]])
            XCTAssertTrue((args.first?["args"] as? [String] ?? []).contains("--namespace=\(ns)"))
            XCTAssertNotNil(try cluster.get(["role", "op-hrctl-operator", "-n", ns]))
        }
        XCTAssertEqual(try cluster.helm(["list", "-n", "ops-hrctl", "-q"]).out, "op\n")
        XCTAssertEqual(try cluster.helm(["status", "op", "-n", "ops-hrctl"]).code, 0)

        // hrctl install, as helm's command line: waits for the Pods, helm sees the release.
        let i = try cluster.hrctl(["install", "op", chart, "-n", "ops-cli", "--create-namespace", "--set", "replicaCount=1", "--wait", "--timeout", "60s"])
        XCTAssertEqual(i.code, 0, i.out + i.err)
        XCTAssertTrue(i.out.contains("STATUS: deployed\n"), i.out)
        XCTAssertEqual((try deployment("op-hrctl-operator", "ops-cli")?["status"] as? [String: Any])?["readyReplicas"] as? Int, 1)
        XCTAssertEqual(try cluster.helm(["list", "-n", "ops-cli", "-q"]).out, "op\n")
    }

    // MARK: the operator under its own ServiceAccount

    /// The in-cluster environment of a Pod of the chart's Deployment: the API server's address,
    /// a token minted by the TokenRequest API, the cluster's CA and the namespace.
    func serviceAccountEnvironment(_ sa: String, _ ns: String) throws -> [String: String] {
        let dir = cluster.dir + "/sa-" + sa
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let t = try cluster.kubectl(["create", "token", sa, "-n", ns, "--duration", "1h"])
        XCTAssertEqual(t.code, 0, t.err)
        try t.out.trimmingCharacters(in: .whitespacesAndNewlines).write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: cluster.dir + "/pki/ca.crt", toPath: dir + "/ca.crt")
        try ns.write(toFile: dir + "/namespace", atomically: true, encoding: .utf8)
        let url = try XCTUnwrap(URL(string: cluster.server))
        return ["KUBERNETES_SERVICE_HOST": url.host ?? "127.0.0.1", "KUBERNETES_SERVICE_PORT": String(url.port ?? 443),
                "HRCTL_SERVICEACCOUNT_DIR": dir, "HOME": dir, "HRCTL_CACHE": dir + "/cache"]
    }

    /// The operator binary with exactly the args of the chart's Deployment (probes on a free
    /// loopback port, short leases), as a Pod of it would run, but no kubeconfig.
    func startOperator(args: [String], env: [String: String], log: String) throws -> Process {
        FileManager.default.createFile(atPath: log, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Run.hrctl)
        p.arguments = args.map { a in
            if a.hasPrefix("--probe-address=") { return "--probe-address=127.0.0.1:0" }
            if a.hasPrefix("--lease-duration=") { return "--lease-duration=3s" }
            return a
        }
        var e = ProcessInfo.processInfo.environment
        for k in ["KUBECONFIG", "HELM_KUBECONTEXT"] { e[k] = nil }
        p.environment = e.merging(env) { $1 }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = h
        p.standardError = h
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return p
    }

    func stop(_ p: Process) {
        guard p.isRunning else { return }
        kill(p.processIdentifier, SIGTERM)
        let end = Date().addingTimeInterval(15)
        while p.isRunning && Date() < end { Thread.sleep(forTimeInterval: 0.1) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
    }

    func hrStatus(_ name: String, _ ns: String) throws -> [String: Any]? { try cluster.get(["hr", name, "-n", ns])?["status"] as? [String: Any] }

    func released(_ name: String, _ ns: String) throws -> [String: Any]? {
        (try hrStatus(name, ns)?["conditions"] as? [[String: Any]])?.first { $0["type"] as? String == "Released" }
    }

    func testOperatorUnderTheChartsServiceAccountRunsAWholeLifecycle() throws {
        let system = "hrctl-system", apps = "rbac-apps"
        XCTAssertEqual(try cluster.kubectl(["create", "namespace", system]).code, 0)
        XCTAssertEqual(try cluster.kubectl(["create", "namespace", apps]).code, 0)
        let h = try cluster.helm(["install", "hrctl-operator", chart, "-n", system, "--set", "replicaCount=1"])
        XCTAssertEqual(h.code, 0, h.err)
        let spec = try XCTUnwrap(((try deployment("hrctl-operator", system)?["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any])
        XCTAssertEqual(spec["serviceAccountName"] as? String, "hrctl-operator")
        let args = try XCTUnwrap((spec["containers"] as? [[String: Any]])?.first?["args"] as? [String])
        // The Pod of the chart stops being the one that reconciles: the test's process takes its place.
        XCTAssertEqual(try cluster.kubectl(["scale", "deployment", "hrctl-operator", "-n", system, "--replicas=0"]).code, 0)
        // The token proves who the operator is: the API server says so.
        let env = try serviceAccountEnvironment("hrctl-operator", system)
        let who = try cluster.kubectl(["auth", "can-i", "create", "clusterroles", "--as", "system:serviceaccount:\(system):hrctl-operator"])
        XCTAssertEqual(who.out.trimmingCharacters(in: .whitespacesAndNewlines), "no")

        let log = cluster.dir + "/operator-sa.log"
        let op = try startOperator(args: args, env: env, log: log)
        defer { stop(op) }
        // Membership Lease (--scale-out) in the chart's namespace.
        try cluster.eventually("the operator's Lease", timeout: 30) {
            let items = try cluster.get(["lease", "-n", system, "-l", "hrctl.io/members=hrctl-operator"])?["items"] as? [Any]
            return (items?.count ?? 0) == 1
        }

        let doc = { (values: String) in """
            apiVersion: helm.fluxcd.io/v1
            kind: HelmRelease
            metadata: {name: web, namespace: \(apps)}
            spec:
              releaseName: web
              chart: {path: \(self.app)}
              values: \(values)

            """ }
        // Install.
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: doc("{message: one}")).code, 0)
        try cluster.eventually("install", timeout: 40) { try hrStatus("web", apps)?["releaseStatus"] as? String == "deployed" }
        XCTAssertEqual(try hrStatus("web", apps)?["phase"] as? String, "Deployed")
        XCTAssertEqual(try cluster.helm(["history", "web", "-n", apps, "-o", "json"]).out.components(separatedBy: "\"revision\"").count - 1, 1)
        // Upgrade.
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: doc("{message: two}")).code, 0)
        try cluster.eventually("upgrade", timeout: 40) {
            let cm = try cluster.get(["configmap", "web-config", "-n", apps])?["data"] as? [String: String]
            let generation = try hrStatus("web", apps)?["observedGeneration"] as? Int
            return cm?["message"] == "two" && generation == 2
        }
        // Drift: a deleted object comes back (the metadata watch of Deployments saw it go).
        XCTAssertEqual(try cluster.kubectl(["delete", "deployment", "web", "-n", apps]).code, 0)
        try cluster.eventually("drift repaired", timeout: 40) { try deployment("web", apps) != nil }
        // Events, written by the operator's identity.
        let events = try XCTUnwrap(try cluster.get(["events", "-n", apps, "--field-selector", "involvedObject.name=web"])?["items"] as? [[String: Any]])
        XCTAssertTrue(events.contains { $0["reason"] as? String == "ReleaseSynced" }, "\(events.map { $0["reason"] ?? "" })")

        // A kind the chart's RBAC does not grant: the upgrade fails and the condition names the permission.
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: doc("{message: two, quota: true}")).code, 0)
        try cluster.eventually("a DeployFailed naming the permission", timeout: 40) {
            let m = try released("web", apps)?["message"] as? String ?? ""
            return m.contains("resourcequotas") && m.contains("forbidden")
        }
        let m = try released("web", apps)?["message"] as? String ?? ""
        XCTAssertTrue(m.contains("system:serviceaccount:\(system):hrctl-operator"), m)
        XCTAssertEqual(try hrStatus("web", apps)?["phase"] as? String, "DeployFailed")
        XCTAssertNil(try cluster.get(["resourcequota", "web", "-n", apps]))
        // The remedy: grant the kind in the chart's values; the next reconcile installs it.
        let grant = try cluster.helm(["upgrade", "hrctl-operator", chart, "-n", system, "--reuse-values", "--set-json",
                                      #"rbac.extraRules=[{"apiGroups":[""],"resources":["resourcequotas"],"verbs":["get","list","watch","create","update","patch","delete"]}]"#])
        XCTAssertEqual(grant.code, 0, grant.err)
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: doc("{message: three, quota: true}")).code, 0)
        do { try cluster.eventually("recovered", timeout: 60) { try released("web", apps)?["status"] as? String == "True" } }
        catch { throw Failure("\(error): \(try released("web", apps) ?? [:])\n\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")") }
        XCTAssertNotNil(try cluster.get(["resourcequota", "web", "-n", apps]))
        XCTAssertEqual(try cluster.kubectl(["delete", "hr", "web", "-n", apps, "--wait=true", "--timeout=60s"]).code, 0)
        XCTAssertNil(try cluster.get(["hr", "web", "-n", apps]))
        XCTAssertEqual(try cluster.helm(["list", "-n", apps, "-q"]).out, "")
        XCTAssertNil(try deployment("web", apps))
        XCTAssertNil(try cluster.get(["resourcequota", "web", "-n", apps]))

        // Nothing but the ResourceQuota was refused: the watches, Leases, records and status all passed RBAC.
        let text = try String(contentsOfFile: log, encoding: .utf8)
        let refused = text.split(separator: "\n").filter { $0.contains("forbidden") && !$0.contains("resource \"resourcequotas\"") }
        XCTAssertTrue(refused.isEmpty, refused.joined(separator: "\n"))
        let watches = text.split(separator: "\n").filter { $0.contains("watch of") && !$0.contains("resourcequotas") }
        XCTAssertTrue(watches.isEmpty, "a watch failed:\n" + watches.joined(separator: "\n"))
    }
}
