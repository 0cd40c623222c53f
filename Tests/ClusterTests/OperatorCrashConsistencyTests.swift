import Foundation
import XCTest
import KubeTestServer
import KubeAPIServer

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
        let cluster = try LoopbackCluster(name: "opchaos")
        let helm = GenuineCluster.unavailable == nil ? GenuineCluster.tools + "/helm" : nil
        let chaos = try OperatorChaos(label: "loopback", kubeconfig: cluster.kubeconfig, dir: cluster.dir, namespace: "opchaos", helm: helm)
        let rounds = OperatorChaosRun.rounds(12)
        let failures = try await OperatorChaosRun.run(chaos, rounds: rounds, helmEvery: 3)
        XCTAssertEqual(failures, [], "seed \(chaos.seed)")
        XCTAssertGreaterThan(chaos.found.filter { $0.key.hasPrefix("killed") }.values.reduce(0, +), rounds / 2, "\(chaos.found)")
        await chaos.close()
        cluster.down()
    }

    /// An operator paused (SIGSTOP: a stalled node, a long GC) inside an upgrade, past its lease:
    /// its successor repairs the lock and deploys the newer spec; resumed, the paused one must
    /// change nothing. It used to apply its stale objects, mark its revision deployed and the
    /// successor's superseded; now its pending record is fenced (re-read before a write that follows a
    /// gap of a second or more, finished only if unchanged since written) and a term that may have
    /// ended writes nothing. Paused while it waits for its pre-upgrade hook's Job, which its
    /// successor runs again and deletes once succeeded (hook-succeeded): the resumed one used to
    /// wait for that Job to appear until its timeout; its wait now holds the fence each round.
    func testAnOperatorPausedInAHookLeavesItsSuccessorsReleaseAlone() async throws {
        try await pausedLeader(hooks: true) { server, chaos in
            // The hook's Job takes a second: paused once the pending record is written and the Job created.
            server.core.controllerDelay = 1
            let before = try await chaos.signature()
            return {
                guard try await chaos.signature() != before,
                      try await chaos.invariants("alpha").live("Job", "alpha-migrate") != nil else { return false }
                return true
            }
        }
    }

    /// … and paused between two of its object writes (the Service's answer held back by the server).
    func testAnOperatorPausedBetweenTwoObjectWritesLeavesItsSuccessorsReleaseAlone() async throws {
        try await pausedLeader(hooks: false) { server, chaos in
            server.core.inject(Fault(method: "PATCH", pathContains: "/services/alpha-web", effect: .delay(2)))
            return {
                // The ConfigMaps come before the Service: once the new one is live, the Service's answer is held.
                guard let cm = try await chaos.invariants("alpha").live("ConfigMap", "alpha-config") else { return false }
                if cm.at("data")?.at("message")?.stringValue == "stale" { usleep(300_000); return true }
                return false
            }
        }
    }

    /// … and paused while it reads the history, before its first write; meanwhile the HelmRelease
    /// is deleted and its successor uninstalls it: resumed, it must not write a record again.
    func testAnOperatorPausedBeforeItsFirstWriteDoesNotBringBackAnUninstalledRelease() async throws {
        try await pausedLeader(hooks: false, thenDelete: true) { server, chaos in
            server.core.inject(Fault(method: "GET", pathContains: "/namespaces/paused/secrets", effect: .delay(2)))
            // The test's PATCH, the operator's GET of the HelmRelease, then its history read, held.
            let count = server.core.requests
            return {
                guard server.core.requests >= count + 3 else { return false }
                usleep(300_000)
                return true
            }
        }
    }

    /// Deploys alpha; upgrades it to stale values and pauses the operator when `arm`'s check says
    /// so; a second operator takes over and deploys the newest values (or, `thenDelete`,
    /// uninstalls the deleted HelmRelease); the first is resumed.
    func pausedLeader(hooks: Bool, thenDelete: Bool = false, _ arm: (KubeTestServer, OperatorChaos) async throws -> () async throws -> Bool) async throws {
        let cluster = try LoopbackCluster(name: "oppause-\(hooks)")
        let server = cluster.server, dir = cluster.dir
        let chaos = try OperatorChaos(label: "paused", kubeconfig: cluster.kubeconfig, dir: dir, namespace: "paused", helm: nil)
        chaos.names.removeAll { $0 != "alpha" }
        try await chaos.prepare()
        try chaos.startOperator()
        let first = try XCTUnwrap(chaos.running)
        chaos.desired["alpha"] = .init(replicas: 1, extra: false, message: "hello")
        _ = try await chaos.client.request(.POST, chaos.hrPath(), body: chaos.object("alpha", chaos.desired["alpha"]!, hooks: hooks))
        var wrong = try await chaos.settle(timeout: 60)
        XCTAssertEqual(wrong, [])

        func patch(_ v: Chaos.Values) async throws {
            chaos.desired["alpha"] = v
            _ = try await chaos.client.request(.PATCH, chaos.hrPath("alpha"), body: .map(["spec": .map(["values": chaos.values(v, hooks: hooks)])]),
                                               contentType: "application/merge-patch+json")
        }
        let ready = try await arm(server, chaos)
        try await patch(.init(replicas: 2, extra: true, message: "stale"))
        let end = Date().addingTimeInterval(20)
        while Date() < end, try await !ready() { usleep(2000) }
        kill(first.processIdentifier, SIGSTOP)
        chaos.running = nil
        let paused = try await chaos.signature()
        XCTAssertEqual(paused.contains("alpha:2:pending-upgrade"), !thenDelete, "\(paused)")

        try chaos.startOperator()
        if thenDelete {
            chaos.desired["alpha"] = nil
            _ = try await chaos.client.request(.DELETE, chaos.hrPath("alpha"))
        } else {
            try await patch(.init(replicas: 3, extra: false, message: "newest"))
        }
        wrong = try await chaos.settle(timeout: 60)
        XCTAssertEqual(wrong, [])
        let settled = try await chaos.signature()
        XCTAssertEqual(settled, thenDelete ? [] : ["alpha:1:superseded", "alpha:2:failed", "alpha:3:deployed"])

        kill(first.processIdentifier, SIGCONT)
        try await Task.sleep(nanoseconds: 3_500_000_000)
        wrong = try await chaos.unsettled()
        XCTAssertEqual(wrong, [], "the resumed operator changed the release")
        let after = try await chaos.signature()
        XCTAssertEqual(after, settled)
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let firstLog = (try? String(contentsOfFile: dir + "/operator-paused-1.log", encoding: .utf8)) ?? ""
        XCTAssertTrue(firstLog.contains("release \"alpha\": this run no longer holds the lock of revision 2"), firstLog)
        await chaos.close()
        cluster.down()
    }
}
