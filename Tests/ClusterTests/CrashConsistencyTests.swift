import Foundation
import XCTest
import KubeTestServer

/// SIGKILL at random moments of apply (install, upgrade, drift repair), rollback and delete, then
/// the same command again: one deployed revision (none after delete) and it is the latest,
/// contiguous revisions, nothing pending, the objects equal to the deployed manifest with no
/// orphan, helm reading the records. The seed is printed; HRCTL_CHAOS_SEED replays it.
final class CrashConsistencyLoopbackTests: XCTestCase {
    /// Rounds against the loopback server (HRCTL_CHAOS_ROUNDS overrides).
    static var rounds: Int { Int(ProcessInfo.processInfo.environment["HRCTL_CHAOS_ROUNDS"] ?? "") ?? 40 }

    func testKilledCommandsRecoverToOneDeployedRevisionOnTheLoopbackServer() async throws {
        let cluster = try LoopbackCluster(name: "chaos")
        let helm = GenuineCluster.unavailable == nil ? GenuineCluster.tools + "/helm" : nil
        let chaos = try Chaos(label: "loopback", kubeconfig: cluster.kubeconfig, dir: cluster.dir, namespace: "chaos", helm: helm)
        var failures: [String] = []
        for n in 1...Self.rounds where failures.isEmpty {
            failures += try await chaos.round(n, checkHelm: n % 5 == 0)
        }
        FileHandle.standardError.write(Data((chaos.summary() + "\n").utf8))
        XCTAssertEqual(failures, [], "seed \(chaos.seed)")
        XCTAssertGreaterThan(chaos.found.filter { $0.key.hasPrefix("killed") }.values.reduce(0, +), Self.rounds / 3,
                             "most rounds should be interrupted: \(chaos.found)")
        await chaos.close()
        cluster.down()
    }
}

/// The same on the genuine apiserver (fewer rounds), and the apiserver going away mid-apply.
final class CrashConsistencyClusterTests: ClusterTestCase {
    static var rounds: Int { Int(ProcessInfo.processInfo.environment["HRCTL_CHAOS_CLUSTER_ROUNDS"] ?? "") ?? 30 }

    func testKilledCommandsRecoverToOneDeployedRevisionOnTheGenuineAPIServer() async throws {
        let chaos = try Chaos(label: "genuine", kubeconfig: cluster.kubeconfig, dir: cluster.dir, namespace: namespace,
                              helm: GenuineCluster.tools + "/helm")
        var failures: [String] = []
        for n in 1...Self.rounds where failures.isEmpty {
            failures += try await chaos.round(n, checkHelm: true)
        }
        FileHandle.standardError.write(Data((chaos.summary() + "\n").utf8))
        XCTAssertEqual(failures, [], "seed \(chaos.seed)")
        await chaos.close()
    }

    /// The operator killed at random moments (OperatorChaos), on the genuine apiserver.
    func testAKilledOperatorRecoversEveryReleaseOnTheGenuineAPIServer() async throws {
        let chaos = try OperatorChaos(label: "genuine", kubeconfig: cluster.kubeconfig, dir: cluster.dir, namespace: namespace,
                                      helm: GenuineCluster.tools + "/helm")
        let failures = try await OperatorChaosRun.run(chaos, rounds: OperatorChaosRun.rounds(10), helmEvery: 1)
        XCTAssertEqual(failures, [], "seed \(chaos.seed)")
        await chaos.close()
    }

    /// The API server killed under a running operator and started again (within the operator's
    /// lease, so it stays leader): once it is back, changes made then are seen and reconciled.
    /// Its watches used to give up after about 6 s of retries and never start again in that term.
    func testAnOperatorKeepsWatchingAcrossAnAPIServerRestart() async throws {
        let chaos = try OperatorChaos(label: "apiserver-restart", kubeconfig: cluster.kubeconfig, dir: cluster.dir, namespace: namespace,
                                      helm: GenuineCluster.tools + "/helm")
        let t0 = Date()
        func stage(_ what: String) { FileHandle.standardError.write(Data("operator across a restart: \(what) after \(String(format: "%.1f", Date().timeIntervalSince(t0))) s\n".utf8)) }
        try await chaos.prepare()
        try chaos.startOperator(lease: "60s")
        chaos.desired["alpha"] = .init(replicas: 1, extra: false, message: "hello")
        _ = try await chaos.client.request(.POST, chaos.hrPath(), body: chaos.object("alpha", chaos.desired["alpha"]!))
        var wrong = try await chaos.settle(timeout: 60)
        XCTAssertEqual(wrong, [])
        stage("deployed")
        // The API server crashes (`cluster down` waits 30 s for it to give up the operator's
        // watches); `cluster up` restarts the partly running control plane, state kept.
        let pidFile = cluster.dir + "/run/kube-apiserver.pid"
        let pid = Int32((try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let cmdline = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
        XCTAssertTrue(pid > 0 && cmdline.contains(cluster.dir), "the API server of this test's cluster: \(pid)")
        if pid > 0 && cmdline.contains(cluster.dir) { kill(pid, SIGKILL) }
        stage("API server killed")
        // Longer than the watches' reconnection attempts last (about 6 s of backoff).
        try await Task.sleep(nanoseconds: 8_000_000_000)
        let up = try Run.exec(GenuineCluster.script, ["up", cluster.dir])
        XCTAssertEqual(up.code, 0, up.err)
        stage("cluster up")
        chaos.desired["alpha"]!.replicas = 3
        _ = try await chaos.client.request(.PATCH, chaos.hrPath("alpha"), body: .map(["spec": .map(["values": chaos.values(chaos.desired["alpha"]!)])]),
                                           contentType: "application/merge-patch+json")
        chaos.desired["beta"] = .init(replicas: 2, extra: true, message: "bye")
        _ = try await chaos.client.request(.POST, chaos.hrPath(), body: chaos.object("beta", chaos.desired["beta"]!))
        wrong = try await chaos.settle(timeout: 60)
        XCTAssertEqual(wrong, [], chaos.logText)
        stage("settled")
        for name in chaos.names {
            let helmWrong = try await chaos.invariants(name).helmViolations(afterDelete: false)
            XCTAssertEqual(helmWrong, [])
        }
        await chaos.close()
    }

    func testTheAPIServerGoingAwayMidApplyFailsClearlyAndTheNextRunCompletes() async throws {
        let ns = namespace
        let chaos = try Chaos(label: "apiserver-restart", kubeconfig: cluster.kubeconfig, dir: cluster.dir, namespace: ns,
                              helm: GenuineCluster.tools + "/helm")
        let first = try cluster.hrctl(["apply", "-f", try chaos.doc(.init(replicas: 1, extra: false, message: "hello"))])
        XCTAssertEqual(first.code, 0, first.err)
        // --wait keeps the upgrade running (no kubelet: the pods never start) while the
        // control plane stops under it.
        let doc = try chaos.doc(.init(replicas: 2, extra: true, message: "bye"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Run.hrctl)
        p.arguments = ["apply", "-f", doc, "--wait", "--timeout", "2m"]
        p.environment = ProcessInfo.processInfo.environment.merging(cluster.env) { $1 }
        let errPipe = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = errPipe
        try p.run()
        try cluster.eventually("the upgrade to reach its wait") {
            (try cluster.get(["configmap", "shop-extra", "-n", ns])) != nil
        }
        let t0 = Date()
        func stage(_ what: String) { FileHandle.standardError.write(Data("apiserver-restart: \(what) after \(String(format: "%.1f", Date().timeIntervalSince(t0))) s\n".utf8)) }
        let down = try Run.exec(GenuineCluster.script, ["down", cluster.dir])
        stage("cluster down")
        XCTAssertEqual(down.code, 0, down.err)
        let err = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        stage("hrctl exited \(p.terminationStatus)")
        XCTAssertLessThan(Date().timeIntervalSince(t0), 20, "hrctl gives up within seconds once the server is gone")
        let up = try Run.exec(GenuineCluster.script, ["up", cluster.dir])
        stage("cluster up: " + up.err.split(separator: "\n").suffix(6).joined(separator: " / "))
        XCTAssertEqual(up.code, 0, up.err)
        XCTAssertNotEqual(p.terminationStatus, 0, err)
        XCTAssertTrue(err.contains(cluster.server) || err.contains("127.0.0.1"), "the message names the server: \(err)")
        XCTAssertFalse(err.contains("Fatal error"), err)

        // The server is back (same state, same ports): the next run repairs the lock and completes.
        let again = try cluster.hrctl(["apply", "-f", doc])
        stage("next apply")
        XCTAssertEqual(again.code, 0, again.err)
        XCTAssertTrue(again.err.contains("repairing release shop"), again.err)
        let wrong = try await chaos.violations(afterDelete: false)
        XCTAssertEqual(wrong, [])
        let helmWrong = try await chaos.helmViolations(afterDelete: false)
        XCTAssertEqual(helmWrong, [])
        await chaos.close()
    }
}
