import Foundation
import XCTest

/// Operator mode on the genuine apiserver: the CRD applied with kubectl, HelmRelease objects
/// reconciled with status and printer columns, the finalizer's uninstall, and a Lease that moves
/// between two operator processes.
final class OperatorClusterTests: ClusterTestCase {
    /// `hrctl operator -n NS` in the background, its output in a file.
    func startOperator(_ ns: String, _ tag: String) throws -> (Process, String) {
        let log = cluster.dir + "/operator-\(tag).log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Run.hrctl)
        p.arguments = ["operator", "-n", ns, "--lease-duration", "3s", "--probe-address", "127.0.0.1:0", "--interval", "5m", "--workers", "2"]
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
        XCTAssertEqual(try cluster.helm(["list", "-n", ns, "-a", "-q"]).out, "")
        stop(standby)
        let logs = [firstLog, secondLog].compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.joined(separator: "\n---\n")
        XCTAssertFalse(logs.contains("Error"), logs)
    }
}
