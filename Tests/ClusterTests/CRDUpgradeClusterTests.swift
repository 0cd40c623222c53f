import Foundation
import XCTest
import Values
import YAML

/// CRD upgrades on the genuine apiserver with kube-prometheus-stack 88.5.3's own CRDs (taken
/// from ../shared/repo at run time): a changed copy (a schema field added, a new served version)
/// is applied under policy CreateReplace with the custom resources unchanged; a copy that drops
/// or stops serving a stored version is refused before anything is written; helm then continues
/// the release. Two of the chart's ten CRDs (PrometheusRule, ServiceMonitor: the small ones)
/// prove it; the other eight only add megabytes.
final class CRDUpgradeClusterTests: ClusterTestCase {
    static let rules = "prometheusrules.monitoring.coreos.com"

    /// The CRD files of kube-prometheus-stack's `crds` subchart.
    func kpsCRDs() throws -> String {
        let dir = cluster.dir + "/kps"
        if FileManager.default.fileExists(atPath: dir + "/crds/crds") { return dir + "/crds/crds" }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let outer = try Run.exec("/bin/tar", ["-xzf", sharedRepo + "/kube-prometheus-stack-88.5.3.tgz", "-C", dir, "kube-prometheus-stack/charts/crds-0.0.0.tgz"])
        XCTAssertEqual(outer.code, 0, outer.err)
        let inner = try Run.exec("/bin/tar", ["-xzf", dir + "/kube-prometheus-stack/charts/crds-0.0.0.tgz", "-C", dir])
        XCTAssertEqual(inner.code, 0, inner.err)
        return dir + "/crds/crds"
    }

    /// The PrometheusRule CRD as JSON, changed by `edit` (its `spec.versions`).
    func rulesCRD(_ edit: (inout [[String: Any]]) -> Void) throws -> String {
        let text = try String(contentsOfFile: try kpsCRDs() + "/crd-prometheusrules.yaml", encoding: .utf8)
        guard let v = try YAML.load(text) else { throw Failure("empty CRD file") }
        var crd = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try JSONEncoding.encode(v).utf8)) as? [String: Any])
        var spec = try XCTUnwrap(crd["spec"] as? [String: Any])
        var versions = try XCTUnwrap(spec["versions"] as? [[String: Any]])
        edit(&versions)
        spec["versions"] = versions
        crd["spec"] = spec
        return String(decoding: try JSONSerialization.data(withJSONObject: crd, options: [.sortedKeys]), as: UTF8.self)
    }

    /// v1's schema with `spec.hrctlNote` added.
    static func withNote(_ v: [String: Any]) -> [String: Any] {
        var v = v
        var schema = v["schema"] as? [String: Any] ?? [:]
        var root = schema["openAPIV3Schema"] as? [String: Any] ?? [:]
        var props = root["properties"] as? [String: Any] ?? [:]
        var spec = props["spec"] as? [String: Any] ?? [:]
        var specProps = spec["properties"] as? [String: Any] ?? [:]
        specProps["hrctlNote"] = ["type": "string", "description": "added by the test's changed copy"]
        spec["properties"] = specProps; props["spec"] = spec; root["properties"] = props
        schema["openAPIV3Schema"] = root; v["schema"] = schema
        return v
    }

    /// A chart `mon` of `version` with the given crds/ files (name -> text) and templates.
    func chart(_ version: String, crds: [String: String], templates: [String: String]) throws -> String {
        let dir = cluster.dir + "/mon-" + version
        try? FileManager.default.removeItem(atPath: dir)
        for sub in ["crds", "templates"] { try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true) }
        try "apiVersion: v2\nname: mon\nversion: \(version)\n".write(toFile: dir + "/Chart.yaml", atomically: true, encoding: .utf8)
        for (n, t) in crds { try t.write(toFile: dir + "/crds/" + n, atomically: true, encoding: .utf8) }
        for (n, t) in templates { try t.write(toFile: dir + "/templates/" + n, atomically: true, encoding: .utf8) }
        return dir
    }

    static func rule(_ name: String, version: String = "v1") -> String {
        """
        apiVersion: monitoring.coreos.com/\(version)
        kind: PrometheusRule
        metadata: {name: \(name)}
        spec:
          groups:
            - name: \(name)
              rules: [{alert: Down, expr: "up == 0", for: 5m}]

        """
    }

    /// Each PrometheusRule's resourceVersion and spec, as JSON.
    func ruleStates(_ ns: String) throws -> [String: String] {
        let list = try XCTUnwrap(try cluster.get(["prometheusrules.v1.monitoring.coreos.com", "-n", ns]))
        var out: [String: String] = [:]
        for item in list["items"] as? [[String: Any]] ?? [] {
            let md = item["metadata"] as? [String: Any] ?? [:]
            let spec = try JSONSerialization.data(withJSONObject: item["spec"] ?? [:], options: [.sortedKeys])
            out[md["name"] as? String ?? ""] = "\(md["resourceVersion"] ?? "") \(String(decoding: spec, as: UTF8.self))"
        }
        return out
    }

    func resourceVersion(_ o: [String: Any]?) -> String? { (o?["metadata"] as? [String: Any])?["resourceVersion"] as? String }

    func testKubePrometheusStackCRDsUpgradeSafelyAndHelmContinues() throws {
        let ns = namespace
        let crds = try kpsCRDs()
        let monitors = try String(contentsOfFile: crds + "/crd-servicemonitors.yaml", encoding: .utf8)
        let original = try String(contentsOfFile: crds + "/crd-prometheusrules.yaml", encoding: .utf8)
        let v1 = try chart("1.0.0", crds: ["crd-prometheusrules.yaml": original, "crd-servicemonitors.yaml": monitors],
                           templates: ["rule.yaml": Self.rule("mon-rules")])
        var r = try cluster.hrctl(["install", "mon", v1, "-n", ns, "--create-namespace"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(try cluster.kubectl(["apply", "-n", ns, "-f", "-"], stdin: Self.rule("outside")).code, 0, "a rule of nobody's release")
        let before = try ruleStates(ns)
        XCTAssertEqual(before.keys.sorted(), ["mon-rules", "outside"])
        let crdBefore = try XCTUnwrap(try cluster.get(["crd", Self.rules]))

        // The changed copy: a field in v1's schema, and v2 served beside it (v1 stays storage).
        let changed = try rulesCRD { vs in
            vs[0] = Self.withNote(vs[0])
            var v2 = vs[0]
            v2["name"] = "v2"; v2["storage"] = false
            vs.append(v2)
        }
        let v2 = try chart("1.1.0", crds: ["crd-prometheusrules.json": changed, "crd-servicemonitors.yaml": monitors],
                           templates: ["rule.yaml": Self.rule("mon-rules"), "rule2.yaml": Self.rule("mon-rules-v2", version: "v2")])

        // diff follows the HelmRelease's upgrade.crds and shows the CRD's new parts.
        let doc = try write("mon.yaml", """
            apiVersion: helm.toolkit.fluxcd.io/v2
            kind: HelmRelease
            metadata: {name: mon, namespace: \(ns)}
            spec:
              releaseName: mon
              chart: {spec: {chart: \(v2)}}
              install: {disableWait: true}
              upgrade: {disableWait: true, crds: CreateReplace}

            """)
        let d = try cluster.hrctl(["diff", "-f", doc])
        XCTAssertEqual(d.code, 0, d.err)
        XCTAssertTrue(d.out.contains("\(ns), \(Self.rules), CustomResourceDefinition (apiextensions.k8s.io) has changed:"), d.out)
        XCTAssertTrue(d.out.contains("+              hrctlNote:"), d.out)
        XCTAssertTrue(d.out.contains("+    helm.toolkit.fluxcd.io/name: mon\n+    helm.toolkit.fluxcd.io/namespace: \(ns)\n"), "helm-controller's origin labels")
        XCTAssertTrue(d.out.contains("Note: CustomResourceDefinitions are never deleted"), d.out)
        // The unchanged ServiceMonitor CRD changes by the origin labels alone.
        let monitorsDiff = d.out.components(separatedBy: "servicemonitors.monitoring.coreos.com, CustomResourceDefinition").dropFirst().first?
            .components(separatedBy: "\n\(ns), ").first ?? ""
        XCTAssertEqual(monitorsDiff.split(separator: "\n").filter { $0.hasPrefix("+") && !$0.hasPrefix("+++") || $0.hasPrefix("-") && !$0.hasPrefix("---") }.count, 3, monitorsDiff)  // labels: and the two
        XCTAssertEqual(resourceVersion(try cluster.get(["crd", Self.rules])), resourceVersion(crdBefore), "diff wrote nothing")

        // The upgrade: the CRD first (a rule of its new version v2 in the same release maps).
        r = try cluster.hrctl(["upgrade", "mon", v2, "-n", ns, "--crds", "create-replace"])
        XCTAssertEqual(r.code, 0, r.err)
        let crd = try XCTUnwrap(try cluster.get(["crd", Self.rules, "--show-managed-fields"]))
        let versions = (crd["spec"] as? [String: Any])?["versions"] as? [[String: Any]] ?? []
        XCTAssertEqual(versions.map { $0["name"] as? String }, ["v1", "v2"])
        let specProps = ((((versions.first?["schema"] as? [String: Any])?["openAPIV3Schema"] as? [String: Any])?["properties"] as? [String: Any])?["spec"] as? [String: Any])?["properties"] as? [String: Any]
        XCTAssertNotNil(specProps?["hrctlNote"])
        XCTAssertEqual((crd["status"] as? [String: Any])?["storedVersions"] as? [String], ["v1"])
        let managers = ((crd["metadata"] as? [String: Any])?["managedFields"] as? [[String: Any]] ?? []).map { "\($0["manager"] ?? "") \($0["operation"] ?? "")" }
        XCTAssertTrue(managers.contains("helm Apply"), "\(managers)")
        var after = try ruleStates(ns)
        XCTAssertNotNil(after.removeValue(forKey: "mon-rules-v2"))
        XCTAssertEqual(after, before, "the existing rules are untouched: same resourceVersion, same spec")
        XCTAssertNotNil(try cluster.get(["prometheusrules.v2.monitoring.coreos.com", "outside", "-n", ns]), "and read through the new version")

        // Dropping v1 (still in storedVersions) or no longer serving it: refused, nothing written.
        func asV2(_ v1: [String: Any]) -> [String: Any] { var v = v1; v["name"] = "v2"; v["storage"] = true; return v }
        let dropping = try rulesCRD { vs in vs = [asV2(vs[0])] }
        let unserving = try rulesCRD { vs in vs.append(asV2(vs[0])); vs[0]["served"] = false; vs[0]["storage"] = false }
        let crdNow = try XCTUnwrap(try cluster.get(["crd", Self.rules]))
        for (version, text, words) in [("1.2.0", dropping, "drops version v1, which its status.storedVersions (v1) still lists: 3 PrometheusRule objects are stored in it"),
                                       ("1.3.0", unserving, "stops serving version v1: 3 PrometheusRule objects are stored in it")] {
            let bad = try chart(version, crds: ["crd-prometheusrules.json": text], templates: ["rule.yaml": Self.rule("mon-rules")])
            let refused = try cluster.hrctl(["upgrade", "mon", bad, "-n", ns, "--crds", "create-replace"])
            XCTAssertEqual(refused.code, 1)
            XCTAssertTrue(refused.err.contains("refusing to upgrade CustomResourceDefinitions, nothing was changed: the chart's CustomResourceDefinition \(Self.rules) " + words), refused.err)
            XCTAssertEqual(resourceVersion(try cluster.get(["crd", Self.rules])), resourceVersion(crdNow))
        }
        let history = try cluster.helm(["history", "mon", "-n", ns, "-o", "json"])
        XCTAssertEqual((try json(history.out) as? [[String: Any]])?.count, 2, "no revision for the refused upgrades: \(history.out)")

        // helm continues the release hrctl upgraded, without conflicts, CRDs and rules intact.
        let h = try cluster.helm(["upgrade", "mon", v2, "-n", ns])
        XCTAssertEqual(h.code, 0, h.err)
        XCTAssertTrue(h.out.contains("REVISION: 3"), h.out)
        XCTAssertEqual(try ruleStates(ns).count, 3)
        XCTAssertNotNil(try cluster.get(["crd", "servicemonitors.monitoring.coreos.com"]))

        // An uninstall leaves both CRDs and the rule nobody's release owns.
        XCTAssertEqual(try cluster.hrctl(["uninstall", "mon", "-n", ns]).code, 0)
        XCTAssertNotNil(try cluster.get(["crd", Self.rules]))
        XCTAssertEqual(try ruleStates(ns).keys.sorted(), ["outside"])
    }
}
