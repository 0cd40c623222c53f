import XCTest
import Actions
import Release
import Values

/// Flux v2's storageNamespace: the release's objects in its namespace, its records elsewhere.
final class StorageNamespaceTests: XCTestCase {
    func testRecordsLiveInTheStorageNamespaceAndUninstallFindsThem() async throws {
        let c = try TestCluster()
        _ = try await c.client.request(.POST, "/api/v1/namespaces", body: .map(["metadata": .map(["name": .string("records")])]))
        var spec = try c.spec(["hooks": .bool(false)], namespace: "default")
        spec.storageNamespace = "records"
        let outcome = try await ApplyAction(context: c.context).run(spec, DeployOptions())
        guard case .installed(let r) = outcome else { await c.close(); return XCTFail("\(outcome)") }
        XCTAssertEqual(r.namespace, "default", "the record says where the release is")
        try await c.assertExists("/api/v1/namespaces/records/secrets/sh.helm.release.v1.shop.v1")
        try await c.assertMissing("/api/v1/namespaces/default/secrets/sh.helm.release.v1.shop.v1")
        try await c.assertExists("/apis/apps/v1/namespaces/default/deployments/shop-web")
        // The same spec again is a no-op: the history is found where it was written.
        guard case .unchanged = try await ApplyAction(context: c.context).run(spec, DeployOptions()) else { await c.close(); return XCTFail("not a no-op") }
        let stored = c.context.storing(in: "records")
        _ = try await UninstallAction(context: stored).run(name: "shop", namespace: "default", keepHistory: false, opts: DeployOptions())
        try await c.assertMissing("/api/v1/namespaces/records/secrets/sh.helm.release.v1.shop.v1")
        try await c.assertMissing("/apis/apps/v1/namespaces/default/deployments/shop-web")
        await c.close()
    }
}
