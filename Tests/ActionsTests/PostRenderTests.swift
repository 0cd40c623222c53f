import XCTest
import Actions
import HelmRelease
import Values
import Release

/// Post-renderers between rendering and applying: Helm's executable kind and Flux v2's
/// kustomize patches and image overrides.
final class PostRenderTests: XCTestCase {
    func testAnExecutablePostRendererChangesWhatIsAppliedAndRecorded() async throws {
        let c = try TestCluster()
        var spec = try c.spec(["hooks": .bool(false)])
        spec.postRenderers = [.executable(path: TestCluster.repoRoot.appendingPathComponent("Fixtures/postrender/mirror-images.sh").path, args: ["a-test"])]
        let r = try await ApplyAction(context: c.context).run(spec, DeployOptions()).release
        XCTAssertTrue(r.manifest.contains("image: mirror.example.com/nginx:1.27"), r.manifest)
        XCTAssertTrue(r.manifest.contains("# Source: post-renderer"), "the added document is recorded with where it came from")
        guard case .map(let cm)? = try await c.get("/api/v1/namespaces/default/configmaps/post-rendered"), case .map(let d)? = cm.entries["data"] else {
            return XCTFail("the post-renderer's ConfigMap was not applied")
        }
        XCTAssertEqual(d.entries["by"]?.stringValue, "a-test")
        guard case .map(let dep)? = try await c.get("/apis/apps/v1/namespaces/default/deployments/shop-web") else { return XCTFail() }
        XCTAssertTrue(try JSONEncoding.encode(.map(dep)).contains("mirror.example.com/nginx:1.27"))

        // A failing post-renderer stops the release before anything is applied.
        var bad = spec
        bad.postRenderers = [.executable(path: "/bin/false", args: [])]
        bad.values.entries["replicas"] = .float(3)
        do {
            _ = try await ApplyAction(context: c.context).run(bad, DeployOptions())
            XCTFail("a failing post-renderer was ignored")
        } catch {
            XCTAssertTrue("\(error)".contains("post-renderer /bin/false"), "\(error)")
        }
        await c.close()
    }

    func testFluxKustomizePatchesAndImagesFromAHelmRelease() async throws {
        let doc = """
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata: {name: shop, namespace: default}
        spec:
          chart: {spec: {chart: \(TestCluster.repoRoot.appendingPathComponent("Fixtures/charts/shop").path)}}
          values: {hooks: false}
          postRenderers:
          - kustomize:
              patches:
              - target: {kind: Deployment, name: shop-web}
                patch: |
                  - op: replace
                    path: /spec/replicas
                    value: 4
              - target: {kind: ConfigMap, name: shop-config}
                patch: |
                  metadata:
                    labels:
                      patched: "yes"
              images:
              - {name: nginx, newTag: "1.28"}
        """
        let hr = try XCTUnwrap(try HelmReleaseLoader.load(file: "hr.yaml", text: doc).first)
        XCTAssertEqual(hr.postRenderers.count, 1)
        let c = try TestCluster()
        var spec = try c.spec(["hooks": .bool(false)])
        spec.postRenderers = hr.postRenderers
        _ = try await ApplyAction(context: c.context).run(spec, DeployOptions())
        guard case .map(let dep)? = try await c.get("/apis/apps/v1/namespaces/default/deployments/shop-web"),
              case .map(let ds)? = dep.entries["spec"] else { return XCTFail() }
        if case .float(let n, _)? = ds.entries["replicas"] { XCTAssertEqual(n, 4) } else { XCTFail("no replicas") }
        XCTAssertTrue(try JSONEncoding.encode(.map(dep)).contains(#""image":"nginx:1.28""#))
        guard case .map(let cm)? = try await c.get("/api/v1/namespaces/default/configmaps/shop-config"),
              case .map(let md)? = cm.entries["metadata"], case .map(let labels)? = md.entries["labels"] else { return XCTFail() }
        XCTAssertEqual(labels.entries["patched"]?.stringValue, "yes")
        XCTAssertEqual(labels.entries["app.kubernetes.io/name"]?.stringValue, "shop", "a merge patch keeps the other labels")

        // A patch that does not apply names the object.
        var broken = Kustomize()
        var t = Kustomize.Target(); t.kind = "Service"
        broken.patches = [.init(target: t, operations: [.map(["op": .string("replace"), "path": .string("/spec/nothing/here"), "value": .float(1)])])]
        spec.postRenderers = [.kustomize(broken)]
        do {
            _ = try await ApplyAction(context: c.context).run(spec, DeployOptions())
            XCTFail("a broken patch was ignored")
        } catch {
            XCTAssertTrue("\(error)".contains("Service shop-web") && "\(error)".contains("/spec/nothing/here"), "\(error)")
        }
        await c.close()
    }
}
