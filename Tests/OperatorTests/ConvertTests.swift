import Foundation
import XCTest
import Values
import YAML
@testable import Operator

/// helm.fluxcd.io/v1 → helm.toolkit.fluxcd.io/v2: the same Helm release (name, record namespace,
/// no waiting unless v1 waited), and the sources the charts come from.
final class ConvertTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/operator/helm-operator-v1.yaml").path

    func docs() throws -> [Value] {
        let text = String(decoding: FileManager.default.contents(atPath: Self.fixture) ?? Data(), as: UTF8.self)
        return try YAML.loadAll(text).compactMap { $0 }
    }

    func at(_ v: Value, _ path: String) -> Value? {
        var cur: Value? = v
        for k in path.split(separator: ".") {
            if case .map(let m)? = cur { cur = m.entries[String(k)] } else { return nil }
        }
        return cur
    }

    func y(_ v: Value?) -> String { (try? YAMLWriter.marshal(v ?? .null)) ?? "" }

    func testARepositoryChartKeepsItsReleaseAndGetsAHelmRepository() throws {
        let c = try FluxV2Converter.convert(try docs()[0], file: "f.yaml")
        XCTAssertEqual(c.objects.count, 2)
        let (repo, hr) = (c.objects[0], c.objects[1])
        XCTAssertEqual(at(repo, "kind")?.stringValue, "HelmRepository")
        XCTAssertEqual(at(repo, "apiVersion")?.stringValue, "source.toolkit.fluxcd.io/v1")
        XCTAssertEqual(at(repo, "spec.url")?.stringValue, "https://charts.example.com/stable/")
        XCTAssertEqual(at(repo, "metadata.name")?.stringValue, "charts-example-com-stable")
        XCTAssertEqual(at(repo, "metadata.namespace")?.stringValue, "apps")
        XCTAssertEqual(at(hr, "apiVersion")?.stringValue, "helm.toolkit.fluxcd.io/v2")
        // v1 named it NAMESPACE-NAME and kept its records in the target namespace; v2 would not.
        XCTAssertEqual(at(hr, "spec.releaseName")?.stringValue, "apps-shop")
        XCTAssertEqual(at(hr, "spec.targetNamespace")?.stringValue, "shop-prod")
        XCTAssertEqual(at(hr, "spec.storageNamespace")?.stringValue, "shop-prod")
        XCTAssertEqual(at(hr, "spec.chart.spec.chart")?.stringValue, "shop")
        XCTAssertEqual(at(hr, "spec.chart.spec.version")?.stringValue, "1.2.3")
        XCTAssertEqual(at(hr, "spec.chart.spec.sourceRef.name")?.stringValue, "charts-example-com-stable")
        XCTAssertEqual(at(hr, "spec.timeout")?.stringValue, "600s")
        XCTAssertEqual(at(hr, "spec.upgrade.remediation.strategy")?.stringValue, "rollback")
        XCTAssertEqual(y(at(hr, "spec.upgrade.remediation.retries")), "3\n")
        XCTAssertEqual(at(hr, "spec.rollback.timeout")?.stringValue, "120s")
        // Rollback enabled: v1 waited, so v2 keeps its default.
        XCTAssertNil(at(hr, "spec.install.disableWait"))
        XCTAssertEqual(y(at(hr, "spec.values")), "replicas: 2\n")
        let refs = try XCTUnwrap(at(hr, "spec.valuesFrom"))
        XCTAssertEqual(try YAMLWriter.marshal(refs), "- kind: ConfigMap\n  name: shop-defaults\n- kind: Secret\n  name: shop-secrets\n  optional: true\n  valuesKey: prod.yaml\n")
        // kubectl's bookkeeping is not carried over; the user's annotations are.
        XCTAssertEqual(try YAMLWriter.marshal(at(hr, "metadata.annotations") ?? .null), "fluxcd.io/automated: \"false\"\n")
    }

    func testAGitChartGetsAGitRepositoryAndV1sNoWaitIsKept() throws {
        let c = try FluxV2Converter.convert(try docs()[1], file: "f.yaml")
        let (git, hr) = (c.objects[0], c.objects[1])
        XCTAssertEqual(at(git, "kind")?.stringValue, "GitRepository")
        XCTAssertEqual(at(git, "spec.url")?.stringValue, "https://github.com/stefanprodan/podinfo.git")
        XCTAssertEqual(at(git, "spec.ref.branch")?.stringValue, "master")
        XCTAssertEqual(at(hr, "spec.chart.spec.chart")?.stringValue, "charts/podinfo")
        XCTAssertEqual(at(hr, "spec.chart.spec.sourceRef.kind")?.stringValue, "GitRepository")
        XCTAssertEqual(at(hr, "spec.releaseName")?.stringValue, "podinfo")
        XCTAssertNil(at(hr, "spec.targetNamespace"))
        XCTAssertEqual(y(at(hr, "spec.install.disableWait")), "true\n")
        XCTAssertEqual(y(at(hr, "spec.upgrade.disableWait")), "true\n")
        XCTAssertEqual(at(hr, "spec.install.crds")?.stringValue, "Skip")
    }

    /// What Flux v2 cannot express is refused with the field named.
    func testWhatV2CannotExpressIsRefusedNamingTheField() throws {
        let local = try YAML.load("""
            apiVersion: helm.fluxcd.io/v1
            kind: HelmRelease
            metadata: {name: a, namespace: n}
            spec: {chart: {path: ./charts/a}}
            """)!
        XCTAssertThrowsError(try FluxV2Converter.convert(local, file: "a.yaml")) { e in
            XCTAssertTrue("\(e)".hasPrefix("a.yaml: spec.chart.path: "), "\(e)")
        }
        let external = try YAML.load("""
            apiVersion: helm.fluxcd.io/v1
            kind: HelmRelease
            metadata: {name: a, namespace: n}
            spec:
              chart: {repository: https://x.example/, name: a, version: 1.0.0}
              valuesFrom: [{externalSourceRef: {url: https://x.example/v.yaml}}]
            """)!
        XCTAssertThrowsError(try FluxV2Converter.convert(external, file: "a.yaml")) { e in
            XCTAssertTrue("\(e)".contains("spec.valuesFrom[0].externalSourceRef"), "\(e)")
        }
        let v2 = try YAML.load("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: a}\nspec: {}\n")!
        XCTAssertThrowsError(try FluxV2Converter.convert(v2, file: "a.yaml")) { e in
            XCTAssertTrue("\(e)".contains("is not a helm.fluxcd.io/v1 HelmRelease"), "\(e)")
        }
    }
}
