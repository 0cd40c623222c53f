import Foundation
import XCTest
import Actions
import Release
import Chart
import Kube
import Values
#if canImport(Glibc)
import Glibc
#endif

/// What a run killed between two writes leaves, and how the next run repairs it: several
/// revisions deployed, a pending revision whose writer is gone, objects an unfinished revision
/// applied; reading commands only warn. And a record too large for a Secret.
final class CrashRecoveryTests: XCTestCase {
    final class Lines: @unchecked Sendable {
        let lock = NSLock()
        var items: [String] = []
        func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
        var text: String { lock.lock(); defer { lock.unlock() }; return items.joined(separator: "\n") }
    }

    func context(_ c: TestCluster, _ lines: Lines) -> ActionContext { ActionContext(client: c.client, progress: { lines.add($0) }) }

    var host: String {
        var buf = [UInt8](repeating: 0, count: 256)
        gethostname(&buf, 255)
        return String(decoding: buf.prefix { $0 != 0 }, as: UTF8.self)
    }

    func setStatus(_ c: TestCluster, _ version: Int, _ status: Release.Status, description: String? = nil) async throws {
        let history = try await c.context.storage.history("shop", namespace: "default")
        var r = try XCTUnwrap(history.first { $0.version == version })
        r.info.status = status
        if let description { r.info.description = description }
        try await c.context.storage.update(r)
    }

    func statuses(_ c: TestCluster) async throws -> [Release.Status] {
        try await c.context.storage.history("shop", namespace: "default").map(\.info.status)
    }

    /// The reported bug: killed after the new revision was written deployed and before the old
    /// one was superseded, the next apply found the release "up to date" with two deployed.
    func testAKillBetweenDeployedAndSupersededIsRepairedByTheNextApply() async throws {
        let c = try TestCluster()
        let lines = Lines()
        let action = ApplyAction(context: context(c, lines))
        _ = try await action.run(try c.spec(["replicas": .int(1)]), DeployOptions())
        _ = try await action.run(try c.spec(["replicas": .int(2)]), DeployOptions())
        try await setStatus(c, 1, .deployed)
        let out = try await action.run(try c.spec(["replicas": .int(2)]), DeployOptions())
        guard case .unchanged(let r) = out else { await c.close(); return XCTFail("\(out)") }
        XCTAssertEqual(r.version, 2)
        let s = try await statuses(c)
        XCTAssertEqual(s, [.superseded, .deployed])
        XCTAssertTrue(lines.text.contains("repairing release shop: revision 1 also marked deployed (an interrupted or older writer); revision 2 is the deployed one"), lines.text)
        await c.close()
    }

    /// Killed after the objects of revision 2 were applied but before its record was finished:
    /// the next apply (back to the old values) removes what revision 2 added.
    func testObjectsAnInterruptedRevisionAppliedAreRemovedWhenTheNextRevisionLacksThem() async throws {
        let c = try TestCluster()
        let lines = Lines()
        let action = ApplyAction(context: context(c, lines))
        _ = try await action.run(try c.spec(["extra": .bool(false)]), DeployOptions())
        _ = try await action.run(try c.spec(["extra": .bool(true)]), DeployOptions())
        try await c.assertExists("/api/v1/namespaces/default/configmaps/shop-extra")
        try await setStatus(c, 1, .deployed)
        try await setStatus(c, 2, .pendingUpgrade, description: "Upgrade in progress (hrctl pid 999999999 on \(host))")
        _ = try await action.run(try c.spec(["extra": .bool(false)]), DeployOptions())
        try await c.assertMissing("/api/v1/namespaces/default/configmaps/shop-extra")
        let s = try await statuses(c)
        XCTAssertEqual(s, [.superseded, .failed, .deployed])
        XCTAssertTrue(lines.text.contains("repairing release shop: revision 2 is pending-upgrade but the run that wrote it is gone"), lines.text)
        XCTAssertTrue(lines.text.contains("deleting ConfigMap/shop-extra (left by unfinished revision 2)"), lines.text)
        await c.close()
    }

    /// An object an unfinished revision listed that another release owns stays untouched.
    func testLeftoversOfAnotherReleaseAreNotDeleted() async throws {
        let c = try TestCluster()
        let action = ApplyAction(context: c.context)
        _ = try await action.run(try c.spec(["extra": .bool(false)]), DeployOptions())
        _ = try await action.run(try c.spec(["extra": .bool(true)]), DeployOptions())
        let path = "/api/v1/namespaces/default/configmaps/shop-extra"
        guard case .map(let cm)? = try await c.get(path), case .map(let md)? = cm.entries["metadata"] else { await c.close(); return XCTFail() }
        md.entries["annotations"] = .map(["meta.helm.sh/release-name": .string("other"), "meta.helm.sh/release-namespace": .string("default")])
        _ = try await c.client.request(.PUT, path, body: .map(cm))
        try await setStatus(c, 1, .deployed)
        try await setStatus(c, 2, .failed)
        _ = try await action.run(try c.spec(["extra": .bool(false)]), DeployOptions())
        try await c.assertExists(path)
        await c.close()
    }

    /// A rollback killed after superseding nothing yet: the next one repairs the history first.
    func testRollbackAndDeleteRepairSeveralDeployedRevisions() async throws {
        let c = try TestCluster()
        let lines = Lines()
        let ctx = context(c, lines)
        let action = ApplyAction(context: ctx)
        _ = try await action.run(try c.spec(["message": .string("one")]), DeployOptions())
        _ = try await action.run(try c.spec(["message": .string("two")]), DeployOptions())
        try await setStatus(c, 1, .deployed)
        let r = try await RollbackAction(context: ctx).run(name: "shop", namespace: "default", revision: 1, opts: DeployOptions())
        XCTAssertEqual(r.version, 3)
        var s = try await statuses(c)
        XCTAssertEqual(s, [.superseded, .superseded, .deployed])
        XCTAssertTrue(lines.text.contains("repairing release shop: revision 1 also marked deployed"), lines.text)
        try await setStatus(c, 2, .deployed)
        _ = try await UninstallAction(context: ctx).run(name: "shop", namespace: "default", keepHistory: true, opts: DeployOptions())
        s = try await statuses(c)
        XCTAssertEqual(s, [.superseded, .superseded, .uninstalled], "nothing stays deployed once uninstalled")
        await c.close()
    }

    /// Reading commands change nothing; they say what the next writing command repairs.
    func testStatusWarnsAboutAnInterruptedWriterWithoutWriting() async throws {
        let c = try TestCluster()
        let lines = Lines()
        let ctx = context(c, lines)
        _ = try await ApplyAction(context: ctx).run(try c.spec(["replicas": .int(1)]), DeployOptions())
        _ = try await ApplyAction(context: ctx).run(try c.spec(["replicas": .int(2)]), DeployOptions())
        try await setStatus(c, 1, .deployed)
        let before = try await statuses(c)
        _ = try await StatusAction(context: ctx).run(name: "shop", namespace: "default")
        let after = try await statuses(c)
        XCTAssertEqual(before, after)
        XCTAssertEqual(after, [.deployed, .deployed])
        XCTAssertTrue(lines.text.contains("warning: release shop: revision 1 also marked deployed (an interrupted or older writer); revision 2 is the deployed one; the next apply, rollback or delete of it repairs this (a read changes nothing)"), lines.text)
        await c.close()
    }

    /// A dry run (and so diff) plans past what an interrupted writer left, as the real run would,
    /// but writes no repair: it warns. The listing warns per release.
    func testDryRunsDiffAndListWarnInsteadOfRepairing() async throws {
        let c = try TestCluster()
        let lines = Lines()
        let ctx = context(c, lines)
        _ = try await ApplyAction(context: ctx).run(try c.spec(["extra": .bool(false)]), DeployOptions())
        _ = try await ApplyAction(context: ctx).run(try c.spec(["extra": .bool(true)]), DeployOptions())
        try await setStatus(c, 1, .deployed)
        try await setStatus(c, 2, .pendingUpgrade, description: "Upgrade in progress (hrctl pid 999999999 on \(host))")
        var dry = DeployOptions()
        dry.dryRun = true
        let planned = try await ApplyAction(context: ctx).run(try c.spec(["extra": .bool(false)]), dry)
        guard case .planned(let r, let action) = planned else { await c.close(); return XCTFail("\(planned)") }
        XCTAssertEqual(r.version, 3, "past the abandoned revision 2, as the real run")
        XCTAssertEqual(action, "upgrade (chart or values changed)")
        let changes = try await DiffAction(context: ctx).run(try c.spec(["extra": .bool(false)]))
        // shop-extra is in no deployed manifest, only in the interrupted revision 2: apply removes it, so diff shows it.
        XCTAssertTrue(changes.contains { $0.label == "ConfigMap/shop-extra" && $0.kind == .removed }, "\(changes.map { "\($0.label) \($0.kind)" })")
        _ = try await ctx.latestReleases(namespace: nil)
        let s = try await statuses(c)
        XCTAssertEqual(s, [.deployed, .pendingUpgrade], "nothing written")
        let warning = "warning: release shop: revision 2 is pending-upgrade but the run that wrote it is gone; the next apply, rollback or delete of it repairs this (a read changes nothing)"
        XCTAssertEqual(lines.items.filter { $0.hasPrefix("warning:") }, [warning, warning,
                       "warning: release shop in namespace default: revision 2 is pending-upgrade but the run that wrote it is gone; the next apply, rollback or delete of it repairs this (a read changes nothing)"])
        XCTAssertFalse(lines.text.contains("repairing"), lines.text)
        await c.close()
    }

    /// A chart whose record cannot fit a Secret fails before anything is written.
    func testARecordLargerThanASecretFailsBeforeWritingAnything() async throws {
        let c = try TestCluster()
        let chart = try TestCluster.chart()
        // Random bytes do not compress: about 1.1 MiB of gzip, 1.5 MiB once base64-encoded.
        var rng = SystemRandomNumberGenerator()
        let blob = (0..<(1_100_000)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        chart.files.append(Chart.File(name: "files/blob.bin", data: blob))
        var spec = try c.spec(namespace: "big")
        spec.chart = chart
        var opts = DeployOptions()
        opts.createNamespace = true
        do {
            _ = try await ApplyAction(context: c.context).run(spec, opts)
            XCTFail("expected the record to be refused")
        } catch {
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("release record sh.helm.release.v1.shop.v1 would be "), text)
            XCTAssertTrue(text.contains("more than the 1048576 bytes (1 MiB) a Kubernetes Secret may hold"), text)
            XCTAssertTrue(text.contains("Nothing was written. Keep the release in PostgreSQL instead, as helm can (HELM_DRIVER=sql"), text)
            XCTAssertTrue(text.contains("or make the chart smaller"), text)
        }
        try await c.assertMissing("/api/v1/namespaces/big")
        try await c.assertMissing("/api/v1/namespaces/big/secrets/sh.helm.release.v1.shop.v1")
        try await c.assertMissing("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.shop.example.com")
        await c.close()
    }
}
