import Foundation
import XCTest

/// Operator mode on the genuine apiserver: the CRD applied with kubectl, HelmRelease objects
/// reconciled with status and printer columns, the finalizer's uninstall, and a Lease that moves
/// between two operator processes.
final class OperatorClusterTests: ClusterTestCase {
    /// `hrctl operator -n NS` in the background, its output in a file.
    func startOperator(_ ns: String, _ tag: String, extra: [String] = []) throws -> (Process, String) {
        let log = cluster.dir + "/operator-\(tag).log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Run.hrctl)
        p.arguments = ["operator", "-n", ns, "--lease-duration", "3s", "--probe-address", "127.0.0.1:0", "--interval", "5m", "--workers", "2"] + extra
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

    func holder(_ ns: String) throws -> String? {
        (try cluster.get(["lease", "hrctl-operator", "-n", ns])?["spec"] as? [String: Any])?["holderIdentity"] as? String
    }

    func hr(_ ns: String) throws -> [String: Any]? { try cluster.get(["hr", "shop", "-n", ns]) }

    func testCRDsReconcileStatusColumnsLeaderElectionAndFinalizer() throws {
        let ns = namespace
        let crds = try cluster.hrctl(["crds"])
        XCTAssertEqual(crds.code, 0, crds.err)
        var k = try cluster.kubectl(["apply", "-f", "-"], stdin: crds.out)
        XCTAssertEqual(k.code, 0, k.err)
        k = try cluster.kubectl(["wait", "--for", "condition=established", "--timeout", "30s", "crd/helmreleases.helm.fluxcd.io"])
        XCTAssertEqual(k.code, 0, k.err)
        XCTAssertEqual(try cluster.kubectl(["create", "namespace", ns]).code, 0)

        let (first, firstLog) = try startOperator(ns, "a")
        let (second, secondLog) = try startOperator(ns, "b")
        defer { stop(first); stop(second) }
        try cluster.eventually("a leader", timeout: 20) { try holder(ns) != nil }
        let leader = try XCTUnwrap(try holder(ns))
        XCTAssertTrue([first, second].map { "_\($0.processIdentifier)" }.contains { leader.hasSuffix($0) }, leader)

        let doc = { (replicas: Int) in """
            apiVersion: helm.fluxcd.io/v1
            kind: HelmRelease
            metadata: {name: shop, namespace: \(ns)}
            spec:
              releaseName: shop
              chart: {path: \(self.shop)}
              values: {hooks: false, replicas: \(replicas)}

            """ }
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: doc(1)).code, 0)
        try cluster.eventually("the release deployed", timeout: 30) {
            ((try hr(ns))?["status"] as? [String: Any])?["releaseStatus"] as? String == "deployed"
        }
        let status = try XCTUnwrap((try hr(ns))?["status"] as? [String: Any])
        XCTAssertEqual(status["phase"] as? String, "Deployed")
        XCTAssertEqual(status["releaseName"] as? String, "shop")
        XCTAssertEqual(status["observedGeneration"] as? Int, 1)
        let meta = try XCTUnwrap((try hr(ns))?["metadata"] as? [String: Any])
        XCTAssertEqual(meta["finalizers"] as? [String], ["helm.fluxcd.io"])
        XCTAssertNotNil(try cluster.get(["deployment", "shop-web", "-n", ns]))
        XCTAssertEqual(try cluster.helm(["list", "-n", ns, "-q"]).out, "shop\n")
        // The server prints the CRD's columns.
        k = try cluster.kubectl(["get", "hr", "-n", ns])
        let header = k.out.split(separator: "\n").first.map { $0.split(separator: " ").map(String.init) } ?? []
        XCTAssertEqual(header, ["NAME", "RELEASE", "PHASE", "STATUS", "MESSAGE", "AGE"], k.out)
        XCTAssertTrue(k.out.contains("shop   shop      Deployed   deployed"), k.out)

        // The leader stops; the other replica takes the lease over and reconciles a change.
        let (leaderProcess, standby) = leader.hasSuffix("_\(first.processIdentifier)") ? (first, second) : (second, first)
        stop(leaderProcess)
        try cluster.eventually("the standby to lead", timeout: 20) { try holder(ns)?.hasSuffix("_\(standby.processIdentifier)") == true }
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: doc(3)).code, 0)
        try cluster.eventually("replicas 3", timeout: 30) {
            ((try cluster.get(["deployment", "shop-web", "-n", ns]))?["spec"] as? [String: Any])?["replicas"] as? Int == 3
        }
        try cluster.eventually("observedGeneration 2", timeout: 10) {
            ((try hr(ns))?["status"] as? [String: Any])?["observedGeneration"] as? Int == 2
        }

        // Deleting the HelmRelease uninstalls the release before the finalizer lets it go.
        XCTAssertEqual(try cluster.kubectl(["delete", "hr", "shop", "-n", ns, "--wait=false"]).code, 0)
        try cluster.eventually("the HelmRelease gone", timeout: 30) { try hr(ns) == nil }
        XCTAssertNil(try cluster.get(["deployment", "shop-web", "-n", ns]))
        XCTAssertEqual(try cluster.helm(["list", "-n", ns, "-q"]).out, "")
        stop(standby)
        let logs = [firstLog, secondLog].compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.joined(separator: "\n---\n")
        XCTAssertFalse(logs.contains("Error"), logs)
    }

    func installCRD() throws {
        let crds = try cluster.hrctl(["crds"])
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: crds.out).code, 0)
        XCTAssertEqual(try cluster.kubectl(["wait", "--for", "condition=established", "--timeout", "30s", "crd/helmreleases.helm.fluxcd.io"]).code, 0)
    }

    func shopRelease(_ name: String, _ ns: String, replicas: Int = 1, extra: String = "") -> String {
        """
        apiVersion: helm.fluxcd.io/v1
        kind: HelmRelease
        metadata: {name: \(name), namespace: \(ns)}
        spec:
          releaseName: \(name)
          chart: {path: \(shop)}
          values: {hooks: false, replicas: \(replicas)}
        \(extra)

        """
    }

    /// Owned objects and valuesFrom are watched: a kubectl edit, a deletion and a changed
    /// ConfigMap are acted on within 2 s, with the resync five minutes away.
    func testEditsDeletionsAndValuesAreActedOnWithinTwoSecondsFromWatches() throws {
        let ns = namespace
        try installCRD()
        XCTAssertEqual(try cluster.kubectl(["create", "namespace", ns]).code, 0)
        XCTAssertEqual(try cluster.kubectl(["create", "configmap", "shop-values", "-n", ns, "--from-literal=values.yaml=message: one"]).code, 0)
        let (op, log) = try startOperator(ns, "watch")
        defer { stop(op) }
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: shopRelease("shop", ns, extra: """
          valuesFrom:
          - configMapKeyRef: {name: shop-values, key: values.yaml}
        """)).code, 0)
        try cluster.eventually("deployed", timeout: 40) {
            ((try cluster.get(["hr", "shop", "-n", ns]))?["status"] as? [String: Any])?["releaseStatus"] as? String == "deployed"
        }
        func replicas() throws -> Int? { ((try cluster.get(["deployment", "shop-web", "-n", ns]))?["spec"] as? [String: Any])?["replicas"] as? Int }
        // kubectl edit's manager changes a field Helm owns: reverted.
        XCTAssertEqual(try cluster.kubectl(["patch", "deployment", "shop-web", "-n", ns, "--field-manager", "kubectl-edit",
                                            "--type", "merge", "-p", "{\"spec\":{\"replicas\":5}}"]).code, 0)
        do { try cluster.eventually("the edit reverted", timeout: 2) { try replicas() == 1 } }
        catch { XCTFail("\(error)\n" + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")); throw error }
        XCTAssertEqual(try cluster.kubectl(["delete", "service", "shop-web", "-n", ns, "--wait=false"]).code, 0)
        try cluster.eventually("the deleted Service back", timeout: 2) { try cluster.get(["service", "shop-web", "-n", ns]) != nil }
        XCTAssertEqual(try cluster.kubectl(["patch", "configmap", "shop-values", "-n", ns, "--type", "merge",
                                            "-p", "{\"data\":{\"values.yaml\":\"message: two\"}}"]).code, 0)
        try cluster.eventually("the values change upgraded", timeout: 2) {
            ((try cluster.get(["configmap", "shop-config", "-n", ns]))?["data"] as? [String: Any])?["message"] as? String == "two"
        }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        XCTAssertFalse(text.contains("failed"), text)
    }

    /// Flux v2's spec.kubeConfig.secretRef: the operator in this cluster installs into a second
    /// genuine cluster whose kubeconfig is in a Secret; objects and records are there, not here.
    func testAReleaseGoesToTheClusterOfTheKubeconfigInItsSecret() throws {
        let ns = namespace
        try installCRD()
        let remote = try GenuineCluster(name: "remote-\(getpid())")
        defer { remote.down() }
        XCTAssertEqual(try cluster.kubectl(["create", "namespace", ns]).code, 0)
        XCTAssertEqual(try cluster.kubectl(["create", "secret", "generic", "remote-kubeconfig", "-n", ns, "--from-file=value=\(remote.kubeconfig)"]).code, 0)
        let (op, log) = try startOperator(ns, "remote")
        defer { stop(op) }
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: shopRelease("far", ns, extra: """
          kubeConfig:
            secretRef: {name: remote-kubeconfig}
        """)).code, 0)
        try cluster.eventually("deployed remotely", timeout: 60) {
            ((try cluster.get(["hr", "far", "-n", ns]))?["status"] as? [String: Any])?["releaseStatus"] as? String == "deployed"
        }
        XCTAssertNotNil(try remote.get(["deployment", "far-web", "-n", ns]))
        XCTAssertNil(try cluster.get(["deployment", "far-web", "-n", ns]))
        XCTAssertEqual(try remote.helm(["list", "-n", ns, "-q"]).out, "far\n")
        XCTAssertEqual(try cluster.helm(["list", "-n", ns, "-q"]).out, "")
        // Deleting the HelmRelease uninstalls it there.
        XCTAssertEqual(try cluster.kubectl(["delete", "hr", "far", "-n", ns, "--wait=false"]).code, 0)
        try cluster.eventually("uninstalled remotely", timeout: 40) { try cluster.get(["hr", "far", "-n", ns]) == nil }
        XCTAssertNil(try remote.get(["deployment", "far-web", "-n", ns]))
        XCTAssertEqual(try remote.helm(["list", "-n", ns, "-q"]).out, "")
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        XCTAssertFalse(text.contains("failed"), text)
    }

    /// --scale-out: three replicas share the releases; one is killed (SIGKILL) and another
    /// joins while every release changes. Nothing is lost, every release has one deployed
    /// revision, and no two replicas' reconciles of one release overlap in time.
    func testScaledOutReplicasKilledWhileReleasesChangeNeverOverlap() throws {
        let ns = namespace
        try installCRD()
        XCTAssertEqual(try cluster.kubectl(["create", "namespace", ns]).code, 0)
        let scale = ["--scale-out", "--leader-election-namespace", ns]
        var procs: [(Process, String)] = []
        for t in ["a", "b", "c"] { procs.append(try startOperator(ns, "scale-\(t)", extra: scale)) }
        defer { for (p, _) in procs { stop(p) } }
        let count = 24
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: (0..<count).map { shopRelease("s\($0)", ns) }.joined(separator: "---\n")).code, 0)
        func settled(_ generation: Int) throws -> Bool {
            guard let list = try cluster.get(["hr", "-n", ns])?["items"] as? [[String: Any]], list.count == count else { return false }
            return list.allSatisfy { ($0["status"] as? [String: Any])?["observedGeneration"] as? Int == generation
                && ($0["status"] as? [String: Any])?["releaseStatus"] as? String == "deployed" }
        }
        Thread.sleep(forTimeInterval: 3)
        let killedAt = Date().timeIntervalSince1970
        kill(procs[0].0.processIdentifier, SIGKILL)
        procs[0].0.waitUntilExit()
        procs.append(try startOperator(ns, "scale-d", extra: scale))
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: (0..<count).map { shopRelease("s\($0)", ns, replicas: 2) }.joined(separator: "---\n")).code, 0)
        try cluster.eventually("every release at generation 2", timeout: 120) { try settled(2) }
        // Spans from every replica's log; the killed one's open span ends at its death.
        var spans: [String: [(String, Double, Double)]] = [:]
        for (i, (_, log)) in procs.enumerated() {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            var open: [String: Double] = [:]
            for line in text.split(separator: "\n") {
                let w = line.split(separator: " ")
                guard let r = w.firstIndex(of: "reconcile"), w.count > r + 4, let t = Double(w[r + 4]) else { continue }
                let key = String(w[r + 1])
                if w[r + 2] == "begins" { open[key] = t } else if w[r + 2] == "ends", let b = open.removeValue(forKey: key) { spans[key, default: []].append(("\(i)", b, t)) }
            }
            for (key, b) in open { spans[key, default: []].append(("\(i)", b, i == 0 ? killedAt : .infinity)) }
        }
        var overlaps: [String] = []
        for (key, list) in spans {
            let sorted = list.sorted { $0.1 < $1.1 }
            for (x, y) in zip(sorted, sorted.dropFirst()) where x.0 != y.0 && y.1 < x.2 { overlaps.append("\(key): replica \(x.0) and \(y.0)") }
        }
        XCTAssertEqual(overlaps, [])
        XCTAssertGreaterThan(Set(spans.values.flatMap { $0.map(\.0) }).count, 2, "the share did not spread")
        let records = try cluster.kubectl(["get", "secrets", "-n", ns, "-l", "owner=helm,status=deployed", "-o", "jsonpath={.items[*].metadata.labels.name}"])
        let names = records.out.split(separator: " ").map(String.init)
        XCTAssertEqual(names.count, count, records.out)
        XCTAssertEqual(Set(names).count, count, "a release with two deployed revisions")
        let pending = try cluster.kubectl(["get", "secrets", "-n", ns, "-l", "owner=helm,status in (pending-install,pending-upgrade)", "-o", "name"])
        XCTAssertEqual(pending.out, "")
    }
}
