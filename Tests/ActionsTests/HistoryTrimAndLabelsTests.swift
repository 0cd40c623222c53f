import Foundation
import XCTest
import Actions
import Release
import KubeAPIServer
import Values

/// Helm's --history-max trim, where Helm's Storage.Create runs it (before the new revision's
/// record, so failed upgrades trim too, keeping the newest deployed revision), and --labels:
/// an install's own, merged over the last revision's by an upgrade, taken from the target by
/// a rollback, refused when they name a label the drivers own.
final class HistoryTrimAndLabelsTests: XCTestCase {
    func testTheTrimRunsBeforeTheNewRecordAndKeepsTheDeployedRevision() async throws {
        let c = try TestCluster()
        let action = ApplyAction(context: c.context)
        var opts = DeployOptions()
        opts.mode = .upgrade(install: true)
        opts.maxHistory = 2
        _ = try await action.run(try c.spec(["message": .string("one")]), opts)
        // Two upgrades fail: with the trim after a success only, revisions would pile up.
        c.server.core.inject(Fault(method: "PATCH", pathContains: "/deployments/", status: 500, times: 100))
        for i in 2...3 {
            do { _ = try await action.run(try c.spec(["replicas": .int(Int64(i))]), opts); XCTFail("expected the injected failure") } catch {}
        }
        var history = try await c.context.storage.history("shop", namespace: "default")
        // Before revision 3 the history was cut to one revision: the deployed 1 stays, 2 goes.
        XCTAssertEqual(history.map(\.version), [1, 3])
        XCTAssertEqual(history.map(\.info.status), [.deployed, .failed])
        c.server.core.clearFaults()
        _ = try await action.run(try c.spec(["replicas": .int(4)]), opts)
        history = try await c.context.storage.history("shop", namespace: "default")
        XCTAssertEqual(history.map(\.version), [1, 4])
        XCTAssertEqual(history.map(\.info.status), [.superseded, .deployed])
        _ = try await RollbackAction(context: c.context).run(name: "shop", namespace: "default", revision: 1, opts: opts)
        history = try await c.context.storage.history("shop", namespace: "default")
        XCTAssertEqual(history.map(\.version), [4, 5])
        await c.close()
    }

    func testLabelsAreAnInstallsOwnMergedByUpgradesAndTakenByRollbacks() async throws {
        let c = try TestCluster()
        let action = ApplyAction(context: c.context)
        var opts = DeployOptions()
        opts.mode = .install(replace: false)
        opts.labels = ["team": "a", "tier": "web"]
        _ = try await action.run(try c.spec(), opts)
        func secretLabels(_ v: Int) async throws -> [String: String] {
            let s = try await c.get("/api/v1/namespaces/default/secrets/sh.helm.release.v1.shop.v\(v)")
            guard case .map(let l)? = c.at(s, "metadata", "labels") else { return [:] }
            return l.entries.compactMapValues(\.stringValue)
        }
        var l = try await secretLabels(1)
        XCTAssertEqual(l["team"], "a"); XCTAssertEqual(l["tier"], "web"); XCTAssertEqual(l["owner"], "helm"); XCTAssertEqual(l["status"], "deployed")

        opts.mode = .upgrade(install: false)
        opts.labels = ["tier": "null", "x": "y"]
        _ = try await action.run(try c.spec(["replicas": .int(2)]), opts)
        l = try await secretLabels(2)
        XCTAssertEqual(l["team"], "a"); XCTAssertNil(l["tier"]); XCTAssertEqual(l["x"], "y"); XCTAssertEqual(l["version"], "2")
        // As helm: the stamp read with the earlier revision stays on the new one.
        let first = try await secretLabels(1)
        XCTAssertEqual(l["modifiedAt"], first["modifiedAt"])

        let listed = try await c.context.latestReleases(namespace: "default", selector: "team=a,x")
        XCTAssertEqual(listed.map(\.name), ["shop"])
        let none = try await c.context.latestReleases(namespace: "default", selector: "tier=web")
        XCTAssertEqual(none.map(\.name), [])

        opts.labels = [:]
        _ = try await RollbackAction(context: c.context).run(name: "shop", namespace: "default", revision: 1, opts: opts)
        l = try await secretLabels(3)
        XCTAssertEqual(l["team"], "a"); XCTAssertEqual(l["tier"], "web"); XCTAssertNil(l["x"])

        opts.labels = ["owner": "me"]
        do { _ = try await action.run(try c.spec(["replicas": .int(3)]), opts); XCTFail("expected the reserved label to be refused") } catch {
            XCTAssertEqual("\(error)", "user supplied labels contains system reserved label name. System labels: [name owner status version createdAt modifiedAt]")
        }
        let history = try await c.context.storage.history("shop", namespace: "default")
        XCTAssertEqual(history.count, 3)
        await c.close()
    }

    func testTheMemoryDriverKeepsLabels() async throws {
        let storage = ReleaseStorage(driver: MemoryDriver())
        var r = Release(name: "m", namespace: "default", version: 1,
                        info: .init(firstDeployed: "2026-12-01T10:00:00Z", lastDeployed: "2026-12-01T10:00:00Z", description: "d", status: .deployed),
                        chart: Map(["metadata": .map(["name": .string("c"), "version": .string("1.0.0")])]), config: Map([:]), manifest: "")
        r.labels = ["team": "a"]
        try await storage.create(r)
        let read = try await storage.history("m", namespace: "default")
        XCTAssertEqual(read.first?.labels, ["team": "a"])
    }
}
