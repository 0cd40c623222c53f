import Foundation
import XCTest
import KubeTestServer

/// SIGKILL of `hrctl operator` at random moments of its reconciles (HelmReleases created, changed,
/// deleted, their objects drifting), a restart, and once it settles: each live HelmRelease is
/// deployed as exactly one revision (the latest, with its values), a deleted one has no record
/// and its object is gone (the finalizer ran), revisions contiguous, nothing pending, the objects
/// equal to the deployed manifest with no orphan, helm reading the records. The seed is printed;
/// HRCTL_CHAOS_SEED replays it, HRCTL_CHAOS_OPERATOR_ROUNDS sets the rounds.
enum OperatorChaosRun {
    static func rounds(_ fallback: Int) -> Int { Int(ProcessInfo.processInfo.environment["HRCTL_CHAOS_OPERATOR_ROUNDS"] ?? "") ?? fallback }

    static func run(_ chaos: OperatorChaos, rounds: Int, helmEvery: Int) async throws -> [String] {
        try await chaos.prepare()
        var failures = try await chaos.warmUp()
        for n in 1...rounds where failures.isEmpty {
            failures += try await chaos.round(n, checkHelm: n % helmEvery == 0 || n == rounds)
        }
        FileHandle.standardError.write(Data((chaos.summary() + "\n").utf8))
        return failures
    }
}

final class OperatorCrashConsistencyLoopbackTests: XCTestCase {
    func testAKilledOperatorRecoversEveryReleaseOnTheLoopbackServer() async throws {
        let server = try KubeTestServer()
        let port = try server.start()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hrctl-opchaos-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let kubeconfig = dir + "/kubeconfig"
        try server.credentials.kubeconfig(url: server.url(port: port)).write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let helm = GenuineCluster.unavailable == nil ? GenuineCluster.tools + "/helm" : nil
        let chaos = try OperatorChaos(label: "loopback", kubeconfig: kubeconfig, dir: dir, namespace: "opchaos", helm: helm)
        let rounds = OperatorChaosRun.rounds(12)
        let failures = try await OperatorChaosRun.run(chaos, rounds: rounds, helmEvery: 3)
        XCTAssertEqual(failures, [], "seed \(chaos.seed)")
        XCTAssertGreaterThan(chaos.found.filter { $0.key.hasPrefix("killed") }.values.reduce(0, +), rounds / 2, "\(chaos.found)")
        await chaos.close()
        server.stop()
        if ProcessInfo.processInfo.environment["HRCTL_CHAOS_KEEP"] == nil { try? FileManager.default.removeItem(atPath: dir) }
    }
}
