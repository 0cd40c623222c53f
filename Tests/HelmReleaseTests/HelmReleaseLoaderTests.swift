import XCTest
import HelmRelease
import Values

final class HelmReleaseLoaderTests: XCTestCase {
    func testHelmOperatorV1DefaultsAndSources() throws {
        let doc = """
        apiVersion: helm.fluxcd.io/v1
        kind: HelmRelease
        metadata: {name: rabbit, namespace: default}
        spec:
          chart: {repository: "https://charts.helm.sh/stable", name: rabbitmq, version: 3.3.6}
          values: {replicas: 1}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: ignored}
        ---
        apiVersion: helm.fluxcd.io/v1
        kind: HelmRelease
        metadata: {name: app, namespace: team}
        spec:
          releaseName: myapp
          targetNamespace: prod
          chart: {git: "ssh://git@example.com/charts.git", ref: main, path: charts/app}
        """
        let rs = try HelmReleaseLoader.load(file: "r.yaml", text: doc)
        XCTAssertEqual(rs.count, 2)
        XCTAssertEqual(rs[0].releaseName, "default-rabbit")
        XCTAssertEqual(rs[0].targetNamespace, "default")
        XCTAssertEqual(rs[0].chart, .repository(url: "https://charts.helm.sh/stable", name: "rabbitmq", version: "3.3.6"))
        XCTAssertEqual(rs[1].releaseName, "myapp")
        XCTAssertEqual(rs[1].targetNamespace, "prod")
        XCTAssertEqual(rs[1].chart, .git(url: "ssh://git@example.com/charts.git", ref: "main", path: "charts/app"))
    }

    func testFluxV2AndLocalPaths() throws {
        let doc = """
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata: {name: podinfo, namespace: flux-system}
        spec:
          targetNamespace: apps
          chart:
            spec:
              chart: podinfo
              version: ">=6.0.0"
              sourceRef: {kind: HelmRepository, name: podinfo}
        """
        let r = try HelmReleaseLoader.load(file: "/x/r.yaml", text: doc)[0]
        XCTAssertEqual(r.releaseName, "apps-podinfo")
        XCTAssertEqual(r.chart, .sourceRef(kind: "HelmRepository", name: "podinfo", chart: "podinfo", version: ">=6.0.0"))
        let local = try HelmReleaseLoader.load(file: "dir/r.yaml", text: "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {name: a}\nspec: {chart: {path: ../charts/a}}\n")[0]
        XCTAssertEqual(try HelmReleaseLoader.localChartPath(local), "dir/../charts/a")
    }

    func testInvalidDocumentsNameTheFileAndField() {
        func err(_ text: String) -> String {
            do { _ = try HelmReleaseLoader.load(file: "r.yaml", text: text); return "ok" } catch { return "\(error)" }
        }
        XCTAssertEqual(err("apiVersion: helm.fluxcd.io/v9\nkind: HelmRelease\n"), "r.yaml:1:1: apiVersion: unsupported \"helm.fluxcd.io/v9\" (want helm.fluxcd.io/v1 or helm.toolkit.fluxcd.io/v2)")
        XCTAssertEqual(err("apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata: {name: a}\nspec: {chart: {repository: x, name: rabbitmq}}\n"), "r.yaml:4:8: spec.chart.version: is required with spec.chart.repository")
        XCTAssertEqual(err("kind: ConfigMap\n"), "r.yaml: no HelmRelease document found")
        XCTAssertEqual(err("a: b: c\n"), "r.yaml: yaml: mapping values are not allowed in this context")
    }

    func testHelmOperatorDefaultsValuesFromAndUnknownFieldWarnings() throws {
        let doc = """
        apiVersion: helm.fluxcd.io/v1
        kind: HelmRelease
        metadata: {name: app, namespace: team, labels: {tier: web}}
        spec:
          chart: {repository: "https://charts.example.com", name: app, version: 1.0.0}
          rollback: {enable: true}
          timeout: 120
          valuesFrom:
          - configMapKeyRef: {name: defaults}
          - secretKeyRef: {name: creds, key: extra.yaml, optional: true}
          - externalSourceRef: {url: "https://example.com/v.yaml"}
          - chartFileRef: {path: ci/prod.yaml}
          replcas: 3
        """
        var warnings: [String] = []
        let r = try HelmReleaseLoader.load(file: "r.yaml", text: doc, warn: { warnings.append($0) })[0]
        XCTAssertEqual(r.releaseName, "team-app")
        XCTAssertTrue(r.atomic)
        XCTAssertTrue(r.wait)  // on because rollback is enabled
        XCTAssertEqual(r.timeout, 120)
        XCTAssertEqual(r.maxHistory, 10)
        XCTAssertEqual(r.labels, ["tier": "web"])
        XCTAssertEqual(r.valuesFrom.map(\.kind), [.configMap(name: "defaults", namespace: nil, key: "values.yaml"),
                                                  .secret(name: "creds", namespace: nil, key: "extra.yaml"),
                                                  .external(url: "https://example.com/v.yaml"), .chartFile(path: "ci/prod.yaml")])
        XCTAssertEqual(r.valuesFrom.map(\.optional), [false, true, false, false])
        XCTAssertEqual(warnings, ["r.yaml:13:3: unknown field spec.replcas (ignored)"])
    }

    func testFluxV2SourcesInTheSameInputAreResolved() throws {
        let doc = """
        apiVersion: source.toolkit.fluxcd.io/v1
        kind: HelmRepository
        metadata: {name: charts, namespace: flux-system}
        spec: {url: "https://charts.example.com"}
        ---
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata: {name: web, namespace: flux-system}
        spec:
          timeout: 2m
          install: {crds: Skip}
          upgrade: {remediation: {retries: 2}}
          dependsOn: [{name: db}]
          chart: {spec: {chart: web, version: "~1.2", sourceRef: {kind: HelmRepository, name: charts}}}
          valuesFrom: [{kind: ConfigMap, name: web-values, targetPath: image.tag}]
        """
        let r = try HelmReleaseLoader.load(file: "r.yaml", text: doc)[0]
        XCTAssertEqual(r.chart, .repository(url: "https://charts.example.com", name: "web", version: "~1.2"))
        XCTAssertEqual(r.timeout, 120)
        XCTAssertEqual(r.installCRDs, .skip)
        XCTAssertEqual(r.upgradeCRDs, .skip)
        XCTAssertTrue(r.atomic)
        XCTAssertTrue(r.wait)
        XCTAssertEqual(r.maxHistory, 5)
        XCTAssertEqual(r.dependsOn, ["flux-system/db"])
        XCTAssertEqual(r.valuesFrom.first?.targetPath, "image.tag")
    }
}
