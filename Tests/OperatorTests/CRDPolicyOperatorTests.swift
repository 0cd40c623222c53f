import Foundation
import XCTest
import Values

/// The operator follows a HelmRelease's CRD policy: the Helm Operator's `skipCRDs` keeps the
/// chart's crds/ out of the install.
extension OperatorTests {
    func testSkipCRDsKeepsTheChartsCRDsOutOfTheOperatorsInstall() async throws {
        startOperator()
        _ = try await client.request(.POST, releases, body: helmRelease("lean", values: "{replicas: 1, hooks: false}", extra: "  skipCRDs: true"))
        try await eventually("installed and Deployed") { await self.status("lean").phase == .deployed }
        let crd = await get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.shop.example.com")
        XCTAssertNil(crd, "the chart's crds/widgets.yaml was not applied")
        let web = await get("/apis/apps/v1/namespaces/apps/deployments/lean-web")
        XCTAssertNotNil(web, "the release's own objects were")
    }
}
