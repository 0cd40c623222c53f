import Foundation
import XCTest
import Actions
import Chart
import HelmRelease
import Values

/// crds/ under Flux's policies on the loopback API server: Create leaves an existing CRD as it
/// is, CreateReplace upgrades it, and an upgrade that would strand stored objects is refused
/// before anything is written. (The genuine apiserver's side: CRDUpgradeClusterTests.)
final class CRDUpgradeTests: XCTestCase {
    /// The Gadget CRD with `versions` (name, served, storage) and, in v1's schema, `fields`.
    static func crd(_ versions: [(String, Bool, Bool)], fields: [String] = ["size"]) -> String {
        let props = fields.map { "\($0): {type: integer}" }.joined(separator: ", ")
        return """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: gadgets.crdup.example.com}
            spec:
              group: crdup.example.com
              names: {kind: Gadget, plural: gadgets, singular: gadget}
              scope: Namespaced
              versions:
            \(versions.map { v in """
                - name: \(v.0)
                  served: \(v.1)
                  storage: \(v.2)
                  schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {\(props)}}}}}
            """ }.joined(separator: "\n"))

            """
    }

    static func gadget(_ name: String, version: String = "v1") -> String {
        "apiVersion: crdup.example.com/\(version)\nkind: Gadget\nmetadata: {name: \(name)}\nspec: {size: 3}\n"
    }

    func spec(_ chart: Chart) -> ReleaseSpec { ReleaseSpec(name: "gadgets", namespace: "default", chart: chart, values: Map([:])) }

    func upgrading(_ policy: CRDPolicy) -> DeployOptions {
        var o = DeployOptions()
        o.upgradeCRDs = policy
        o.force = true
        return o
    }

    func versions(_ c: TestCluster) async throws -> [String] {
        guard case .list(let l)? = c.at(try await c.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.crdup.example.com"), "spec", "versions") else { return [] }
        return l.items.compactMap { c.at($0, "name")?.stringValue }
    }

    /// The fields of v1's `spec` schema in the live CRD.
    func fields(_ c: TestCluster) async throws -> [String] {
        let crd = try await c.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.crdup.example.com")
        guard case .list(let l)? = c.at(crd, "spec", "versions"), let v1 = l.items.first,
              case .map(let props)? = c.at(v1, "schema", "openAPIV3Schema", "properties", "spec", "properties") else { return [] }
        return props.entries.keys.sorted()
    }

    /// The release installed with the CRD of `versions` and a Gadget g1. (The loopback server
    /// serves the versions a CRD has when created, so upgrades here add none.)
    func installed(_ c: TestCluster, versions: [(String, Bool, Bool)] = [("v1", true, true)]) async throws {
        let chart = try ServedKindsTests.chart("crdup1", templates: ["g.yaml": Self.gadget("g1")], crds: ["gadgets.yaml": Self.crd(versions)])
        let outcome = try await ApplyAction(context: c.context).run(spec(chart), DeployOptions())
        XCTAssertEqual(outcome.release.info.status, .deployed)
    }

    func testUpgradesLeaveCRDsAloneByDefaultAndCreateReplaceUpgradesThem() async throws {
        let c = try TestCluster()
        try await installed(c)
        let newer = try ServedKindsTests.chart("crdup2", templates: ["g.yaml": Self.gadget("g1")],
                                                crds: ["gadgets.yaml": Self.crd([("v1", true, true)], fields: ["size", "colour"])])
        _ = try await ApplyAction(context: c.context).run(spec(newer), upgrading(.skip))
        let skipped = try await fields(c)
        XCTAssertEqual(skipped, ["size"], "helm's rule: an upgrade leaves crds/ alone")
        _ = try await ApplyAction(context: c.context).run(spec(newer), upgrading(.create))
        let created = try await fields(c)
        XCTAssertEqual(created, ["size"], "Create only creates what is absent")
        let outcome = try await ApplyAction(context: c.context).run(spec(newer), upgrading(.createReplace))
        XCTAssertEqual(outcome.release.version, 4)
        let replaced = try await fields(c)
        XCTAssertEqual(replaced, ["colour", "size"])
        try await c.assertExists("/apis/crdup.example.com/v1/namespaces/default/gadgets/g1")
        await c.close()
    }

    func testADroppedStoredVersionIsRefusedBeforeAnythingIsWritten() async throws {
        let c = try TestCluster()
        try await installed(c)
        // A second object of the kind, not the release's: it counts too.
        _ = try await c.client.request(.POST, "/apis/crdup.example.com/v1/namespaces/default/gadgets",
                                       body: .map(["apiVersion": .string("crdup.example.com/v1"), "kind": .string("Gadget"),
                                                   "metadata": .map(["name": .string("other")])]))
        let dropping = try ServedKindsTests.chart("crdup3", templates: ["g.yaml": Self.gadget("g2", version: "v2")],
                                                   crds: ["gadgets.yaml": Self.crd([("v2", true, true)])])
        do {
            _ = try await ApplyAction(context: c.context).run(spec(dropping), upgrading(.createReplace))
            XCTFail("a CRD dropping a stored version was applied")
        } catch let e as ActionError {
            XCTAssertEqual("\(e)", "refusing to upgrade CustomResourceDefinitions, nothing was changed: the chart's CustomResourceDefinition "
                           + "gadgets.crdup.example.com drops version v1, which its status.storedVersions (v1) still lists: 2 Gadget objects are "
                           + "stored in it; migrate them to a version the chart keeps and remove v1 from status.storedVersions first")
        }
        let kept = try await versions(c)
        XCTAssertEqual(kept, ["v1"])
        let history = try await c.context.storage.history("gadgets", namespace: "default")
        XCTAssertEqual(history.map(\.version), [1], "no revision was recorded")
        try await c.assertMissing("/apis/crdup.example.com/v1/namespaces/default/gadgets/g2")
        await c.close()
    }

    func testStoppingToServeAStoredVersionIsRefusedOnlyWhileObjectsUseIt() async throws {
        let c = try TestCluster()
        try await installed(c, versions: [("v1", true, true), ("v2", true, false)])
        let unserving = try ServedKindsTests.chart("crdup4", templates: [:],
                                                    crds: ["gadgets.yaml": Self.crd([("v1", false, false), ("v2", true, true)])])
        do {
            _ = try await ApplyAction(context: c.context).run(spec(unserving), upgrading(.createReplace))
            XCTFail("a CRD unserving a version objects are stored in was applied")
        } catch let e as ActionError {
            XCTAssertTrue("\(e)".contains("gadgets.crdup.example.com stops serving version v1: 1 Gadget object is stored in it"), "\(e)")
        }
        // Once the release's only Gadget is gone (the chart without it), nothing is stored in v1.
        let empty = try ServedKindsTests.chart("crdup5", templates: [:], crds: [:])
        _ = try await ApplyAction(context: c.context).run(spec(empty), upgrading(.skip))
        try await c.assertMissing("/apis/crdup.example.com/v1/namespaces/default/gadgets/g1")
        // Dropping v1 stays refused with no object left: the apiserver would refuse it too.
        let dropping = try ServedKindsTests.chart("crdup6", templates: [:], crds: ["gadgets.yaml": Self.crd([("v2", true, true)])])
        do {
            _ = try await ApplyAction(context: c.context).run(spec(dropping), upgrading(.createReplace))
            XCTFail("a CRD dropping a stored version was applied")
        } catch let e as ActionError {
            XCTAssertTrue("\(e)".hasSuffix("still lists: no Gadget object exists now; remove v1 from status.storedVersions first"), "\(e)")
        }
        _ = try await ApplyAction(context: c.context).run(spec(unserving), upgrading(.createReplace))
        guard case .list(let l)? = c.at(try await c.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.crdup.example.com"), "spec", "versions") else {
            return XCTFail("no versions")
        }
        XCTAssertEqual(l.items.map { v -> Bool? in if case .bool(let b)? = c.at(v, "served") { return b }; return nil }, [false, true])
        await c.close()
    }

    func testTheCRDsAreNeverDeletedByAnUninstall() async throws {
        let c = try TestCluster()
        try await installed(c)
        _ = try await UninstallAction(context: c.context).run(name: "gadgets", namespace: "default", keepHistory: false, opts: DeployOptions())
        try await c.assertExists("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.crdup.example.com")
        await c.close()
    }
}
