import XCTest
import HelmRelease

/// CRD policies as helm-controller's API defines them (install.crds defaults to Create, or Skip
/// with the deprecated install.skipCRDs; upgrade.crds to Skip) and as the Helm Operator ran helm
/// (skipCRDs for install; an upgrade never touches crds/).
final class CRDPolicyTests: XCTestCase {
    func v2(_ install: String, _ upgrade: String) -> String {
        """
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata: {name: web, namespace: apps}
        spec:
          chart: {spec: {chart: ./web}}
          install: {\(install)}
          upgrade: {\(upgrade)}
        """
    }

    func load(_ text: String) throws -> HelmRelease { try HelmReleaseLoader.load(file: "hr.yaml", text: text)[0] }

    func testFluxV2DefaultsAreCreateOnInstallAndSkipOnUpgrade() throws {
        let r = try load(v2("", ""))
        XCTAssertEqual(r.installCRDs, .create)
        XCTAssertEqual(r.upgradeCRDs, .skip)
    }

    func testFluxV2PoliciesAreReadForEachOperation() throws {
        let r = try load(v2("crds: Skip", "crds: CreateReplace"))
        XCTAssertEqual(r.installCRDs, .skip)
        XCTAssertEqual(r.upgradeCRDs, .createReplace)
        let s = try load(v2("crds: CreateReplace", "crds: Create"))
        XCTAssertEqual(s.installCRDs, .createReplace)
        XCTAssertEqual(s.upgradeCRDs, .create)
    }

    func testDeprecatedInstallSkipCRDsYieldsToAnExplicitPolicy() throws {
        XCTAssertEqual(try load(v2("skipCRDs: true", "")).installCRDs, .skip)
        XCTAssertEqual(try load(v2("skipCRDs: true, crds: Create", "")).installCRDs, .create)
    }

    func testAnUnknownPolicyIsRefusedInTheAPIServersWordsAtItsLine() {
        XCTAssertThrowsError(try load(v2("", "crds: Replace"))) { e in
            XCTAssertEqual("\(e)", "hr.yaml:7:13: spec.upgrade.crds: Unsupported value: \"Replace\": supported values: \"Skip\", \"Create\", \"CreateReplace\"")
        }
    }

    func testHelmOperatorV1SkipCRDsSkipsTheInstallAndUpgradesNeverTouchCRDs() throws {
        let doc = """
        apiVersion: helm.fluxcd.io/v1
        kind: HelmRelease
        metadata: {name: rabbit, namespace: default}
        spec:
          chart: {path: ./rabbit}
          skipCRDs: %@
        """
        let skipping = try load(doc.replacingOccurrences(of: "%@", with: "true"))
        XCTAssertEqual(skipping.installCRDs, .skip)
        XCTAssertEqual(skipping.upgradeCRDs, .skip)
        let creating = try load(doc.replacingOccurrences(of: "%@", with: "false"))
        XCTAssertEqual(creating.installCRDs, .create)
        XCTAssertEqual(creating.upgradeCRDs, .skip)
    }

    func testTheCommandLineSpellingMapsToFluxsValues() {
        XCTAssertEqual(CRDPolicy(flagValue: "create-replace"), .createReplace)
        XCTAssertEqual(CRDPolicy(flagValue: "create"), .create)
        XCTAssertEqual(CRDPolicy(flagValue: "skip"), .skip)
        XCTAssertNil(CRDPolicy(flagValue: "CreateReplace"))
        XCTAssertEqual(CRDPolicy.allCases.map(\.flagValue), ["skip", "create", "create-replace"])
    }
}
