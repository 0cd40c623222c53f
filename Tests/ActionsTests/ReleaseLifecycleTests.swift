import Foundation
import XCTest
import Actions
import Release
import Chart
import Kube
import KubeAPIServer
import Values
#if canImport(Glibc)
import Glibc
#endif

/// Rollback, uninstall, the lock, concurrent and failing runs, and releases Helm wrote.
final class ReleaseLifecycleTests: XCTestCase {
    func testRollbackMakesANewRevisionFromAnEarlierOne() async throws {
        let c = try TestCluster()
        let action = ApplyAction(context: c.context)
        _ = try await action.run(try c.spec(["message": .string("one")]), DeployOptions())
        _ = try await action.run(try c.spec(["message": .string("two")]), DeployOptions())
        let r = try await RollbackAction(context: c.context).run(name: "shop", namespace: "default", revision: nil, opts: DeployOptions())
        XCTAssertEqual(r.version, 3)
        XCTAssertEqual(r.info.description, "Rollback to 1")
        XCTAssertEqual(r.config.entries["message"]?.stringValue, "one")
        let cm = try await c.get("/api/v1/namespaces/default/configmaps/shop-config")
        XCTAssertEqual(c.at(cm, "data")?.stringValueAt("message"), "one")
        let history = try await c.context.storage.history("shop", namespace: "default")
        XCTAssertEqual(history.map(\.info.status), [.superseded, .superseded, .deployed])
        do {
            _ = try await RollbackAction(context: c.context).run(name: "shop", namespace: "default", revision: 9, opts: DeployOptions())
            XCTFail("expected a missing revision")
        } catch { XCTAssertEqual("\(error)", "release: not found: \"shop\" has no revision 9") }
        await c.close()
    }

    func testUninstallDeletesObjectsButKeepsKeptOnesAndRemovesOrKeepsHistory() async throws {
        let c = try TestCluster()
        _ = try await ApplyAction(context: c.context).run(try c.spec(), DeployOptions())
        let result = try await UninstallAction(context: c.context).run(name: "shop", namespace: "default", keepHistory: true, opts: DeployOptions())
        XCTAssertEqual(result.kept, ["ConfigMap/shop-kept"])
        try await c.assertMissing("/apis/apps/v1/namespaces/default/deployments/shop-web")
        try await c.assertMissing("/api/v1/namespaces/default/configmaps/shop-config")
        try await c.assertExists("/api/v1/namespaces/default/configmaps/shop-kept")
        var history = try await c.context.storage.history("shop", namespace: "default")
        XCTAssertEqual(history.map(\.info.status), [.uninstalled])
        XCTAssertEqual(history.first?.info.description, "Uninstallation complete")
        _ = try await UninstallAction(context: c.context).run(name: "shop", namespace: "default", keepHistory: false, opts: DeployOptions())
        history = try await c.context.storage.history("shop", namespace: "default")
        XCTAssertTrue(history.isEmpty)
        do {
            _ = try await UninstallAction(context: c.context).run(name: "shop", namespace: "default", keepHistory: false, opts: DeployOptions())
            XCTFail("expected not found")
        } catch { XCTAssertEqual("\(error)", "release: not found: \"shop\" has no revisions in namespace \"default\"") }
        await c.close()
    }

    func pendingRecord(_ c: TestCluster, description: String, version: Int = 2) async throws {
        let history = try await c.context.storage.history("shop", namespace: "default")
        var r = history.last!
        r.version = version
        r.info.status = .pendingUpgrade
        r.info.lastDeployed = Timestamp.now()
        r.info.description = description
        try await c.context.storage.create(r)
    }

    func testALiveLockBlocksAndALockLeftByADeadProcessIsRecovered() async throws {
        let c = try TestCluster()
        let action = ApplyAction(context: c.context)
        _ = try await action.run(try c.spec(), DeployOptions())
        var buf = [CChar](repeating: 0, count: 256)
        gethostname(&buf, 255)
        let host = String(cString: buf)
        try await pendingRecord(c, description: "Upgrade in progress (hrctl pid \(getpid()) on \(host))")
        do {
            _ = try await action.run(try c.spec(["message": .string("x")]), DeployOptions())
            XCTFail("expected the lock to hold")
        } catch {
            XCTAssertTrue("\(error)".hasPrefix("another operation (install/upgrade/rollback) is in progress for release \"shop\": revision 2 is pending-upgrade"), "\(error)")
        }
        // The holder dies: a pid that cannot exist.
        let stale = ReleaseStorage.secretName("shop", 2)
        _ = try await c.client.request(.DELETE, "/api/v1/namespaces/default/secrets/\(stale)")
        try await pendingRecord(c, description: "Upgrade in progress (hrctl pid 999999999 on \(host))")
        let out = try await action.run(try c.spec(["message": .string("x")]), DeployOptions())
        XCTAssertEqual(out.release.version, 3)
        let history = try await c.context.storage.history("shop", namespace: "default")
        XCTAssertEqual(history.map(\.info.status), [.superseded, .failed, .deployed])
        XCTAssertTrue(history[1].info.description.hasPrefix("interrupted"))
        await c.close()
    }

    func testTwoConcurrentAppliesOfOneReleaseLetExactlyOneProceed() async throws {
        let c = try TestCluster()
        let action = ApplyAction(context: c.context)
        let spec = try c.spec()
        async let a: Result<ApplyOutcome, Error> = { do { return .success(try await action.run(spec, DeployOptions())) } catch { return .failure(error) } }()
        async let b: Result<ApplyOutcome, Error> = { do { return .success(try await action.run(spec, DeployOptions())) } catch { return .failure(error) } }()
        let results = await [a, b]
        let ok = results.filter { if case .success = $0 { return true } else { return false } }
        XCTAssertEqual(ok.count, 1)
        for case .failure(let e) in results { XCTAssertTrue("\(e)".contains("in progress"), "\(e)") }
        let history = try await c.context.storage.history("shop", namespace: "default")
        XCTAssertEqual(history.map(\.info.status), [.deployed])
        await c.close()
    }

    func testAFailingAPIMidUpgradeFailsTheRevisionAndTheNextApplySucceeds() async throws {
        let c = try TestCluster()
        let action = ApplyAction(context: c.context)
        _ = try await action.run(try c.spec(), DeployOptions())
        c.server.core.inject(Fault(method: "PATCH", pathContains: "/deployments/", status: 500, times: 10))
        do {
            _ = try await action.run(try c.spec(["replicas": .int(2)]), DeployOptions())
            XCTFail("expected the injected failure")
        } catch {
            XCTAssertTrue("\(error)".contains("injected fault"), "\(error)")
        }
        c.server.core.clearFaults()
        let out = try await action.run(try c.spec(["replicas": .int(2)]), DeployOptions())
        XCTAssertEqual(out.release.version, 3)
        let history = try await c.context.storage.history("shop", namespace: "default")
        XCTAssertEqual(history.map(\.info.status), [.superseded, .failed, .deployed])
        let d = try await c.get("/apis/apps/v1/namespaces/default/deployments/shop-web")
        XCTAssertEqual(c.at(d, "spec", "replicas").flatMap(\.number), 2)
        await c.close()
    }

    func testReleasesHelmWroteAreReadAndUpgradedToRevisionFour() async throws {
        let c = try TestCluster()
        let shared = TestCluster.repoRoot.deletingLastPathComponent().appendingPathComponent("shared")
        for v in 1...3 {
            let text = try String(contentsOf: shared.appendingPathComponent("releases/sh.helm.release.v1.rabbit.v\(v).json"), encoding: .utf8)
            _ = try await c.client.request(.POST, "/api/v1/namespaces/default/secrets", body: try JSON.decode(text))
        }
        let (status, _) = try await StatusAction(context: c.context).run(name: "rabbit", namespace: "default")
        XCTAssertEqual(status.version, 3)
        XCTAssertEqual(status.chartLabel, "rabbitmq-6.18.2")
        let chart = try ChartLoader.load(path: shared.appendingPathComponent("repo/rabbitmq-6.18.2.tgz").path)
        var spec = ReleaseSpec(name: "rabbit", namespace: "default", chart: chart, values: status.config)
        spec.values = Map(status.config.entries.merging(["replicas": .int(3)]) { $1 })
        let out = try await ApplyAction(context: c.context).run(spec, DeployOptions())
        guard case .upgraded(let r, _) = out else { await c.close(); return XCTFail("\(out)") }
        XCTAssertEqual(r.version, 4)
        let history = try await c.context.storage.history("rabbit", namespace: "default")
        XCTAssertEqual(history.map(\.info.status), [.superseded, .superseded, .superseded, .deployed])
        XCTAssertEqual(history.last?.info.firstDeployed, history.first?.info.firstDeployed)
        await c.close()
    }
}
