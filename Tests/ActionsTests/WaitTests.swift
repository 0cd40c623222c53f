import Foundation
import XCTest
import Actions
import Kube
import KubeTestServer
import Values

/// The watch-based wait on the loopback server's simulated controllers: what it says while it
/// waits, and the per-kind opt-out. (Real controllers: Tests/ClusterTests/NodesClusterTests.)
final class WaitTests: XCTestCase {
    final class Lines: @unchecked Sendable {
        let lock = NSLock()
        var all: [String] = []
        func add(_ s: String) { lock.lock(); all.append(s); lock.unlock() }
        var snapshot: [String] { lock.lock(); defer { lock.unlock() }; return all }
    }

    func testTheWaitSaysWhatItWaitsForAndEndsOnTheWatchEvent() async throws {
        let c = try TestCluster()
        c.server.core.controllerDelay = 0.5
        let lines = Lines()
        var ctx = ActionContext(client: c.client, progress: { lines.add($0) })
        let status = Lines()
        ctx.waitStatus = { status.add($0) }
        var opts = DeployOptions()
        opts.wait = true
        opts.timeout = 20
        _ = try await ApplyAction(context: ctx).run(try c.spec(["hooks": .bool(false)]), opts)
        // The wait's own lines go to waitStatus: how many of how many, and each one's reason.
        XCTAssertTrue(status.snapshot.contains { $0.hasPrefix("waiting for 1 of ") && $0.contains("Deployment/shop-web (") }, "\(status.snapshot)")
        XCTAssertFalse(lines.snapshot.contains { $0.hasPrefix("waiting for 1 of ") }, "\(lines.snapshot)")
        let web = try await c.get("/apis/apps/v1/namespaces/default/deployments/shop-web")
        guard case .float(let ready, _)? = c.at(web, "status", "readyReplicas") else { return XCTFail("no readyReplicas: \(String(describing: web))") }
        XCTAssertEqual(ready, 1)
        await c.close()
    }

    func testASkippedKindIsNotWaitedFor() async throws {
        let c = try TestCluster()
        c.server.core.controllerDelay = 60
        var opts = DeployOptions()
        opts.wait = true
        opts.timeout = 30
        opts.waitSkipKinds = ["apps/Deployment"]
        let r = try await ApplyAction(context: c.context).run(try c.spec(["hooks": .bool(false)]), opts)
        XCTAssertEqual(r.release.info.status, .deployed)
        // It was never ready: the wait did not look at it.
        let web = try await c.get("/apis/apps/v1/namespaces/default/deployments/shop-web")
        XCTAssertNil(c.at(web, "status", "readyReplicas"))
        await c.close()
    }

    /// A timeout names every object not ready, in helm's words.
    func testATimeoutListsEachObjectWithItsReason() async throws {
        let c = try TestCluster()
        c.server.core.controllerDelay = 60
        var opts = DeployOptions()
        opts.wait = true
        opts.timeout = 0.5
        do {
            _ = try await ApplyAction(context: c.context).run(try c.spec(["hooks": .bool(false)]), opts)
            XCTFail("expected a timeout")
        } catch {
            XCTAssertTrue("\(error)".contains("timed out after 500ms waiting for resources to be ready:\n  resource Deployment/default/shop-web not ready. status: InProgress, message: Replicas: 0/1"), "\(error)")
        }
        await c.close()
    }
}
