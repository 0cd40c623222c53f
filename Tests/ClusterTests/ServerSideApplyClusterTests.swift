import Foundation
import XCTest

/// Server-side apply as the genuine apiserver does it, through hrctl: conflicts with other
/// managers, force, fields dropped from the chart removed, CRDs before their objects and upgraded,
/// objects in other namespaces and cluster-scoped ones.
final class ServerSideApplyClusterTests: ClusterTestCase {
    /// A chart whose objects follow its values: `keys` of a ConfigMap, a CRD in templates with a
    /// Gadget beside it, a ConfigMap in another namespace the chart creates, a ClusterRole.
    func chart() throws -> String {
        let dir = cluster.dir + "/ssa-chart"
        try FileManager.default.createDirectory(atPath: dir + "/templates", withIntermediateDirectories: true)
        try "apiVersion: v2\nname: ssa\nversion: 0.1.0\n".write(toFile: dir + "/Chart.yaml", atomically: true, encoding: .utf8)
        try "keys: {a: \"1\", b: \"2\"}\ncolumn: false\n".write(toFile: dir + "/values.yaml", atomically: true, encoding: .utf8)
        try """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ .Release.Name }}-keys
            data:
              {{- toYaml .Values.keys | nindent 2 }}
            ---
            apiVersion: v1
            kind: Namespace
            metadata:
              name: {{ .Release.Namespace }}-side
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ .Release.Name }}-elsewhere
              namespace: {{ .Release.Namespace }}-side
            data: {where: side}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: {{ .Release.Namespace }}-reader
            rules:
              - apiGroups: [""]
                resources: [configmaps]
                verbs: [get]
            ---
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: gadgets.{{ .Release.Namespace }}.example.com
            spec:
              group: {{ .Release.Namespace }}.example.com
              names: {kind: Gadget, plural: gadgets, singular: gadget}
              scope: Namespaced
              versions:
                - name: v1
                  served: true
                  storage: true
                  schema:
                    openAPIV3Schema:
                      type: object
                      properties:
                        spec:
                          type: object
                          properties:
                            size: {type: integer}
                  {{- if .Values.column }}
                  additionalPrinterColumns:
                    - {name: Size, type: integer, jsonPath: .spec.size}
                  {{- end }}
            ---
            apiVersion: {{ .Release.Namespace }}.example.com/v1
            kind: Gadget
            metadata:
              name: g1
            spec:
              size: 3

            """.write(toFile: dir + "/templates/all.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    func data(_ ns: String) throws -> [String: String] {
        (try cluster.get(["configmap", "ssa-keys", "-n", ns])?["data"] as? [String: String]) ?? [:]
    }

    func testConflictsForceDroppedFieldsCRDsNamespacesAndClusterScope() throws {
        let ns = namespace
        let chartDir = try chart()
        let doc = try fluxRelease("ssa", namespace: ns, chart: chartDir)
        var r = try cluster.hrctl(["apply", "-f", doc])
        XCTAssertEqual(r.code, 0, r.err)
        // The CRD came first and was established before its Gadget.
        XCTAssertEqual((try cluster.get(["gadget", "g1", "-n", ns])?["spec"] as? [String: Any])?["size"] as? Int, 3)
        XCTAssertEqual((try cluster.get(["configmap", "ssa-elsewhere", "-n", ns + "-side"])?["data"] as? [String: String])?["where"], "side")
        let role = try XCTUnwrap(try cluster.get(["clusterrole", ns + "-reader"]))
        XCTAssertNil((role["metadata"] as? [String: Any])?["namespace"])
        XCTAssertTrue(try cluster.hrctl(["apply", "-f", doc]).out.contains("is up to date"))

        // Another manager applying a field helm owns conflicts, as the real server says.
        let theirs = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa-keys, namespace: \(ns)}\ndata: {a: \"other\"}\n"
        var k = try cluster.kubectl(["apply", "--server-side", "--field-manager", "other", "-f", "-"], stdin: theirs)
        XCTAssertNotEqual(k.code, 0)
        XCTAssertTrue(k.err.contains("conflict with \"helm\""), k.err)
        XCTAssertTrue(k.err.contains(".data.a"), k.err)
        k = try cluster.kubectl(["apply", "--server-side", "--field-manager", "other", "--force-conflicts", "-f", "-"], stdin: theirs)
        XCTAssertEqual(k.code, 0, k.err)
        XCTAssertEqual(try data(ns)["a"], "other")
        // hrctl sees the drift and takes the field back (Helm v4 applies with force).
        r = try cluster.hrctl(["apply", "-f", doc])
        XCTAssertTrue(r.out.contains("drift: ConfigMap/ssa-keys was changed"), r.out + r.err)
        XCTAssertEqual(try data(ns)["a"], "1")

        // --force upgrades though nothing changed.
        r = try cluster.hrctl(["apply", "-f", doc, "--force"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("REVISION: 3\n"), r.out)

        // A key the chart stops rendering is removed; one another manager also applied (with the
        // same value, so both own it) stays.
        k = try cluster.kubectl(["apply", "--server-side", "--field-manager", "other", "-f", "-"],
                                stdin: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa-keys, namespace: \(ns)}\ndata: {b: \"2\"}\n")
        XCTAssertEqual(k.code, 0, k.err)
        let fewer = try fluxRelease("ssa", namespace: ns, chart: chartDir, values: "{keys: {a: null, b: null, c: \"3\"}, column: true}")
        r = try cluster.hrctl(["apply", "-f", fewer])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(try data(ns), ["b": "2", "c": "3"], "a removed (helm alone owned it), b kept (other owns it too)")

        // The CRD in templates was upgraded: kubectl prints its new column.
        let crd = try XCTUnwrap(try cluster.get(["crd", "gadgets.\(ns).example.com"]))
        let versions = (crd["spec"] as? [String: Any])?["versions"] as? [[String: Any]]
        XCTAssertEqual((versions?.first?["additionalPrinterColumns"] as? [[String: Any]])?.first?["name"] as? String, "Size")
        k = try cluster.kubectl(["get", "gadgets", "-n", ns])
        XCTAssertEqual(k.out, "NAME   SIZE\ng1     3\n", "a CRD's own columns replace AGE")

        XCTAssertEqual(try cluster.hrctl(["delete", "ssa", "-n", ns]).code, 0)
        XCTAssertNil(try cluster.get(["clusterrole", ns + "-reader"]))
        XCTAssertNil(try cluster.get(["crd", "gadgets.\(ns).example.com"]))
    }

    /// crds/ CRDs are created before anything uses them and, as Helm does, never changed after.
    func testCRDsFolderIsInstalledFirstAndLeftAloneOnUpgrade() throws {
        let ns = namespace
        let doc = try fluxRelease("shop", namespace: ns, chart: shop, values: "{hooks: false}")
        let r = try cluster.hrctl(["apply", "-f", doc])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.err.contains("creating CustomResourceDefinition widgets.shop.example.com"), r.err)
        let crd = try XCTUnwrap(try cluster.get(["crd", "widgets.shop.example.com"]))
        let conditions = (crd["status"] as? [String: Any])?["conditions"] as? [[String: Any]] ?? []
        XCTAssertTrue(conditions.contains { $0["type"] as? String == "Established" && $0["status"] as? String == "True" })
        let w = "apiVersion: shop.example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: \(ns)}\nspec: {x: 1}\n"
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: w).code, 0)
        XCTAssertEqual(try cluster.hrctl(["apply", "-f", try fluxRelease("shop", namespace: ns, chart: shop, values: "{hooks: false, replicas: 2}")]).code, 0)
        XCTAssertNotNil(try cluster.get(["widget", "w", "-n", ns]))
    }
}
