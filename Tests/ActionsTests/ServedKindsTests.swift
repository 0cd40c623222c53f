import Foundation
import XCTest
import Actions
import Chart
import Values

/// Objects of kinds the server does not serve fail the apply before anything is written, with
/// Helm's "unable to build kubernetes objects" message; kinds the release's own CRDs define pass.
final class ServedKindsTests: XCTestCase {
    /// A chart folder made of the given templates (and crds/ files), loaded as hrctl loads charts.
    static func chart(_ name: String, templates: [String: String], crds: [String: String] = [:]) throws -> Chart {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("served-kinds-\(getpid())-\(name)")
        try? FileManager.default.removeItem(at: dir)
        for (sub, files) in [("templates", templates), ("crds", crds)] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
            for (f, text) in files { try text.write(to: dir.appendingPathComponent(sub).appendingPathComponent(f), atomically: true, encoding: .utf8) }
        }
        try "apiVersion: v2\nname: \(name)\nversion: 0.1.0\n".write(to: dir.appendingPathComponent("Chart.yaml"), atomically: true, encoding: .utf8)
        return try ChartLoader.load(path: dir.path)
    }

    static let hookJob = """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: early
          annotations: {"helm.sh/hook": pre-install}
        spec:
          template:
            spec:
              restartPolicy: Never
              containers: [{name: a, image: busybox}]
        """

    static let oldRBAC = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: fine}
        ---
        apiVersion: rbac.authorization.k8s.io/v1beta1
        kind: Role
        metadata: {name: old-role}
        rules: []
        ---
        apiVersion: rbac.authorization.k8s.io/v1beta1
        kind: RoleBinding
        metadata: {name: old-rb, namespace: other}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: x}
        """

    func testUnservedKindsFailTheInstallBeforeHooksRecordsOrObjects() async throws {
        let c = try TestCluster()
        let chart = try Self.chart("oldapi", templates: ["rbac.yaml": Self.oldRBAC, "hook.yaml": Self.hookJob])
        var opts = DeployOptions()
        opts.createNamespace = true
        do {
            _ = try await ApplyAction(context: c.context).run(ReleaseSpec(name: "old", namespace: "fresh", chart: chart, values: Map([:])), opts)
            XCTFail("the install should fail")
        } catch {
            // The words helm v4.3.1 prints for this chart (after "INSTALLATION FAILED: ").
            XCTAssertEqual("\(error)", """
                unable to build kubernetes objects from release manifest: [resource mapping not found for name: "old-role" namespace: "" from "": no matches for kind "Role" in version "rbac.authorization.k8s.io/v1beta1"
                ensure CRDs are installed first, resource mapping not found for name: "old-rb" namespace: "other" from "": no matches for kind "RoleBinding" in version "rbac.authorization.k8s.io/v1beta1"
                ensure CRDs are installed first]
                """)
        }
        try await c.assertMissing("/api/v1/namespaces/fresh")
        try await c.assertMissing("/apis/batch/v1/namespaces/fresh/jobs/early")
        try await c.assertMissing("/api/v1/namespaces/fresh/secrets/sh.helm.release.v1.old.v1")
        await c.close()
    }

    func testAnUnservedHookAloneFailsWithOneMessageAndAnUpgradeSaysNewReleaseManifest() async throws {
        let c = try TestCluster()
        let good = try Self.chart("hooky", templates: ["cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\n"])
        _ = try await ApplyAction(context: c.context).run(ReleaseSpec(name: "hooky", namespace: "default", chart: good, values: Map([:])), DeployOptions())
        let bad = try Self.chart("hooky", templates: [
            "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\n",
            "hook.yaml": "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: psp\n  annotations: {\"helm.sh/hook\": pre-upgrade}\nspec: {}\n",
        ])
        do {
            _ = try await ApplyAction(context: c.context).run(ReleaseSpec(name: "hooky", namespace: "default", chart: bad, values: Map([:])), DeployOptions())
            XCTFail("the upgrade should fail")
        } catch {
            XCTAssertEqual("\(error)", """
                unable to build kubernetes objects from new release manifest: resource mapping not found for name: "psp" namespace: "" from "": no matches for kind "PodSecurityPolicy" in version "policy/v1beta1"
                ensure CRDs are installed first
                """)
        }
        let history = try await c.context.storage.history("hooky", namespace: "default")
        XCTAssertEqual(history.map(\.version), [1], "no pending revision was written")
        // --no-hooks does not build hooks, as Helm does not.
        var noHooks = DeployOptions()
        noHooks.noHooks = true
        noHooks.force = true
        let outcome = try await ApplyAction(context: c.context).run(ReleaseSpec(name: "hooky", namespace: "default", chart: bad, values: Map([:])), noHooks)
        XCTAssertEqual(outcome.release.version, 2)
        await c.close()
    }

    func testKindsDefinedByTheChartsOwnCRDsCount() async throws {
        let c = try TestCluster()
        let crd = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: gadgets.toys.example.com}
            spec:
              group: toys.example.com
              names: {kind: Gadget, plural: gadgets, singular: gadget}
              scope: Namespaced
              versions:
                - name: v1
                  served: true
                  storage: true
                  schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
            """
        let gadget = "apiVersion: toys.example.com/v1\nkind: Gadget\nmetadata: {name: g1}\nspec: {size: 3}\n"
        let fromCRDsFolder = try Self.chart("toys", templates: ["g.yaml": gadget], crds: ["gadgets.yaml": crd])
        let outcome = try await ApplyAction(context: c.context).run(ReleaseSpec(name: "toys", namespace: "default", chart: fromCRDsFolder, values: Map([:])), DeployOptions())
        XCTAssertEqual(outcome.release.info.status, .deployed)
        try await c.assertExists("/apis/toys.example.com/v1/namespaces/default/gadgets/g1")

        // A CRD among the templates defines its kind for the objects beside it.
        let sameRelease = try Self.chart("toys2", templates: ["crd.yaml": crd.replacingOccurrences(of: "gadget", with: "gizmo").replacingOccurrences(of: "Gadget", with: "Gizmo"),
                                                               "g.yaml": gadget.replacingOccurrences(of: "Gadget", with: "Gizmo")])
        let second = try await ApplyAction(context: c.context).run(ReleaseSpec(name: "toys2", namespace: "default", chart: sameRelease, values: Map([:])), DeployOptions())
        XCTAssertEqual(second.release.info.status, .deployed)
        await c.close()
    }
}
