import Foundation
import XCTest
import Actions
import Release
import Chart
import Kube
import KubeAPIServer
import Values

/// Install, upgrade, no-op, drift repair, pruning, hooks, CRDs, adoption refusal and waiting,
/// against the loopback API server.
final class ApplyActionTests: XCTestCase {
    func testInstallAppliesObjectsWithHelmsMarksRunsHooksAndRecordsTheRelease() async throws {
        let c = try TestCluster()
        let outcome = try await ApplyAction(context: c.context).run(try c.spec(), DeployOptions())
        guard case .installed(let r) = outcome else { await c.close(); return XCTFail("\(outcome)") }
        XCTAssertEqual(r.version, 1)
        XCTAssertEqual(r.info.status, .deployed)
        XCTAssertEqual(r.info.description, "Install complete")
        XCTAssertEqual(r.info.notes, "shop runs 1 replica(s) of nginx:1.27 in default.\n")
        let cm = try await c.get("/api/v1/namespaces/default/configmaps/shop-config")
        XCTAssertEqual(c.at(cm, "metadata", "labels")?.stringValueAt("app.kubernetes.io/managed-by"), "Helm")
        XCTAssertEqual(c.at(cm, "metadata", "annotations")?.stringValueAt("meta.helm.sh/release-name"), "shop")
        XCTAssertEqual(c.at(cm, "metadata", "annotations")?.stringValueAt("meta.helm.sh/release-namespace"), "default")
        try await c.assertExists("/apis/apps/v1/namespaces/default/deployments/shop-web")
        // The pre-install Job ran and was deleted (hook-succeeded); the post-install hook stays.
        let job = try await c.get("/apis/batch/v1/namespaces/default/jobs/shop-migrate")
        XCTAssertNil(job)
        try await c.assertExists("/api/v1/namespaces/default/configmaps/shop-installed-at")
        try await c.assertExists("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.shop.example.com")
        // The record is Helm's Secret.
        let secret = try await c.get("/api/v1/namespaces/default/secrets/sh.helm.release.v1.shop.v1")
        XCTAssertEqual(c.at(secret, "metadata", "labels")?.stringValueAt("status"), "deployed")
        let stored = try ReleaseStorage.release(fromSecret: secret!)
        XCTAssertEqual(stored.hooks.count, 3, "the Job, the post-install ConfigMap and the test Pod (recorded, not run on install)")
        XCTAssertTrue(stored.manifest.contains("# Source: shop/templates/deployment.yaml"))
        XCTAssertFalse(stored.manifest.contains("shop-migrate"))
        await c.close()
    }

    func testApplyingTheSameChartAndValuesAgainChangesNothing() async throws {
        let c = try TestCluster()
        let action = ApplyAction(context: c.context)
        _ = try await action.run(try c.spec(["message": .string("hi")]), DeployOptions())
        let before = c.server.core.requests
        let again = try await action.run(try c.spec(["message": .string("hi")]), DeployOptions())
        guard case .unchanged(let r) = again else { await c.close(); return XCTFail("\(again)") }
        XCTAssertEqual(r.version, 1)
        XCTAssertLessThan(c.server.core.requests - before, 40)
        let history = try await c.context.storage.history("shop", namespace: "default")
        XCTAssertEqual(history.count, 1)
        await c.close()
    }

    /// Issue 12: rabbitmq 6.10.0 mounts one volume at two paths; a second apply of the unchanged
    /// release is a no-op against the loopback server as on the genuine apiserver.
    func testUnchangedRabbitmqStatefulSetIsNoDrift() async throws {
        let c = try TestCluster()
        let chart = try ChartLoader.load(path: TestCluster.repoRoot.deletingLastPathComponent().appendingPathComponent("shared/repo/rabbitmq-6.10.0.tgz").path)
        let spec = ReleaseSpec(name: "rabbit", namespace: "default", chart: chart, values: Map([:]))
        let action = ApplyAction(context: c.context)
        _ = try await action.run(spec, DeployOptions())
        let drift = try await action.drift(try await c.context.storage.history("rabbit", namespace: "default").last!, extra: [:])
        XCTAssertEqual(drift, [])
        let again = try await action.run(spec, DeployOptions())
        guard case .unchanged = again else { await c.close(); return XCTFail("\(again)") }
        await c.close()
    }

    func testChangedValuesUpgradeSupersedeAndPruneWhileKeepingKeptObjects() async throws {
        let c = try TestCluster()
        let action = ApplyAction(context: c.context)
        _ = try await action.run(try c.spec(), DeployOptions())
        let up = try await action.run(try c.spec(["extra": .bool(true), "replicas": .int(2)]), DeployOptions())
        guard case .upgraded(let r2, _) = up else { await c.close(); return XCTFail("\(up)") }
        XCTAssertEqual(r2.version, 2)
        try await c.assertExists("/api/v1/namespaces/default/configmaps/shop-extra")
        // kept.yaml left the chart but carries resource-policy: keep.
        try await c.assertExists("/api/v1/namespaces/default/configmaps/shop-kept")
        let d = try await c.get("/apis/apps/v1/namespaces/default/deployments/shop-web")
        XCTAssertEqual(c.at(d, "spec", "replicas").flatMap(\.number), 2)
        _ = try await action.run(try c.spec(["extra": .bool(false)]), DeployOptions())
        try await c.assertMissing("/api/v1/namespaces/default/configmaps/shop-extra")
        let history = try await c.context.storage.history("shop", namespace: "default")
        XCTAssertEqual(history.map(\.info.status), [.superseded, .superseded, .deployed])
        XCTAssertEqual(history.map(\.info.description), ["Install complete", "Upgrade complete", "Upgrade complete"])
        await c.close()
    }

    func testDriftInTheClusterIsRepairedEvenWithoutChanges() async throws {
        let c = try TestCluster()
        let action = ApplyAction(context: c.context)
        _ = try await action.run(try c.spec(), DeployOptions())
        _ = try await c.client.request(.DELETE, "/api/v1/namespaces/default/configmaps/shop-config")
        _ = try await c.client.request(.PATCH, "/apis/apps/v1/namespaces/default/deployments/shop-web",
                                       body: .map(["spec": .map(["replicas": .int(7)])]), contentType: "application/merge-patch+json")
        let out = try await action.run(try c.spec(), DeployOptions())
        guard case .upgraded(let r, let reason) = out else { await c.close(); return XCTFail("\(out)") }
        XCTAssertEqual(r.version, 2)
        XCTAssertTrue(reason.contains("ConfigMap/shop-config is missing"), reason)
        XCTAssertTrue(reason.contains("Deployment/shop-web was changed"), reason)
        try await c.assertExists("/api/v1/namespaces/default/configmaps/shop-config")
        let d = try await c.get("/apis/apps/v1/namespaces/default/deployments/shop-web")
        XCTAssertEqual(c.at(d, "spec", "replicas").flatMap(\.number), 1)
        await c.close()
    }

    func testAnObjectWithoutThisReleasesMarksIsNotTakenOver() async throws {
        let c = try TestCluster()
        _ = try await c.client.request(.POST, "/api/v1/namespaces/default/configmaps",
                                       body: .map(["metadata": .map(["name": .string("shop-config")]), "data": .map(["mine": .string("yes")])]))
        do {
            _ = try await ApplyAction(context: c.context).run(try c.spec(), DeployOptions())
            XCTFail("expected a refusal")
        } catch {
            XCTAssertEqual("\(error)", "rendered manifests contain a resource that already exists. Unable to continue with install: ConfigMap \"shop-config\" in namespace \"default\" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: missing key \"app.kubernetes.io/managed-by\": must be set to \"Helm\"; annotation validation error: missing key \"meta.helm.sh/release-name\": must be set to \"shop\"; annotation validation error: missing key \"meta.helm.sh/release-namespace\": must be set to \"default\"")
        }
        let history = try await c.context.storage.history("shop", namespace: "default")
        XCTAssertEqual(history.map(\.info.status), [.failed])
        let cm = try await c.get("/api/v1/namespaces/default/configmaps/shop-config")
        XCTAssertEqual(c.at(cm, "data")?.stringValueAt("mine"), "yes")
        await c.close()
    }

    /// New objects are created only if absent, kind after kind: a refusal found at a later kind
    /// (the Deployment) removes what the earlier kinds created, so nothing new is left behind.
    func testARefusalAtALaterKindLeavesNoObjectItCreated() async throws {
        let c = try TestCluster()
        _ = try await c.client.request(.POST, "/apis/apps/v1/namespaces/default/deployments", body: .map([
            "metadata": .map(["name": .string("shop-web")]),
            "spec": .map(["selector": .map(["matchLabels": .map(["app": .string("theirs")])]),
                          "template": .map(["metadata": .map(["labels": .map(["app": .string("theirs")])]),
                                            "spec": .map(["containers": .list([.map(["name": .string("web"), "image": .string("theirs:1")])])])])])]))
        do {
            _ = try await ApplyAction(context: c.context).run(try c.spec(["hooks": .bool(false)]), DeployOptions())
            XCTFail("expected a refusal")
        } catch {
            XCTAssertTrue("\(error)".hasPrefix("rendered manifests contain a resource that already exists. Unable to continue with install: Deployment \"shop-web\" in namespace \"default\" exists and cannot be imported into the current release: invalid ownership metadata"), "\(error)")
        }
        let cm = try await c.get("/api/v1/namespaces/default/configmaps/shop-config")
        XCTAssertNil(cm, "a ConfigMap created before the refusal is left")
        let svc = try await c.get("/api/v1/namespaces/default/services/shop-web")
        XCTAssertNil(svc, "a Service created before the refusal is left")
        let d = try await c.get("/apis/apps/v1/namespaces/default/deployments/shop-web")
        XCTAssertNotNil(d)
        XCTAssertNil(c.at(d, "metadata", "annotations"), "the other owner's Deployment was changed")
        let history = try await c.context.storage.history("shop", namespace: "default")
        XCTAssertEqual(history.map(\.info.status), [.failed])
        await c.close()
    }

    func testWaitSucceedsWhenWorkloadsBecomeReadyAndFailsTheRevisionOnTimeout() async throws {
        let c = try TestCluster()
        c.server.core.controllerDelay = 0.4
        var opts = DeployOptions()
        opts.wait = true
        opts.timeout = 10
        let t0 = Date()
        _ = try await ApplyAction(context: c.context).run(try c.spec(), opts)
        XCTAssertGreaterThan(Date().timeIntervalSince(t0), 0.35)
        c.server.core.controllerDelay = 30
        opts.timeout = 0.6
        do {
            _ = try await ApplyAction(context: c.context).run(try c.spec(["replicas": .int(3), "hooks": .bool(false)]), opts)
            XCTFail("expected a timeout")
        } catch {
            XCTAssertTrue("\(error)".hasPrefix("timed out after 600ms waiting for resources to be ready"), "\(error)")
            XCTAssertTrue("\(error)".contains("resource Deployment/default/shop-web not ready"), "\(error)")
        }
        let history = try await c.context.storage.history("shop", namespace: "default")
        XCTAssertEqual(history.map(\.info.status), [.deployed, .failed])
        XCTAssertTrue(history[1].info.description.hasPrefix("Upgrade \"shop\" failed: timed out"), history[1].info.description)
        await c.close()
    }

    func testAtomicUpgradeRollsBackWhenAHookFails() async throws {
        let c = try TestCluster()
        let action = ApplyAction(context: c.context)
        _ = try await action.run(try c.spec(), DeployOptions())
        var opts = DeployOptions()
        opts.atomic = true
        do {
            _ = try await action.run(try c.spec(["failHook": .bool(true), "message": .string("broken")]), opts)
            XCTFail("expected the hook to fail")
        } catch {
            XCTAssertTrue("\(error)".contains("has been rolled back due to atomic being set"), "\(error)")
            XCTAssertTrue("\(error)".contains("hook pre-upgrade Job/shop-migrate failed"), "\(error)")
        }
        let history = try await c.context.storage.history("shop", namespace: "default")
        XCTAssertEqual(history.map(\.info.status), [.superseded, .failed, .deployed])
        XCTAssertEqual(history[2].info.description, "Rollback to 1")
        let cm = try await c.get("/api/v1/namespaces/default/configmaps/shop-config")
        XCTAssertEqual(c.at(cm, "data")?.stringValueAt("message"), "hello")
        await c.close()
    }
}

extension Value {
    func stringValueAt(_ key: String) -> String? {
        if case .map(let m) = self { return m.entries[key]?.stringValue }
        return nil
    }
    var number: Double? {
        switch self {
        case .float(let f, _): return f
        case .int(let i, _): return Double(i)
        default: return nil
        }
    }
}
