import Foundation
import XCTest

/// One tenant's HelmRelease whose chart recurses through `tpl` forever: the operator reports
/// `RenderFailed` on it and goes on reconciling the other HelmRelease, on the genuine apiserver.
extension OperatorClusterTests {
    func testAHostileReleaseFailsToRenderWhileAnotherReconciles() throws {
        let ns = namespace
        try installCRD()
        XCTAssertEqual(try cluster.kubectl(["create", "namespace", ns]).code, 0)
        let hostile = cluster.dir + "/hostile-chart"
        try FileManager.default.createDirectory(atPath: hostile + "/templates", withIntermediateDirectories: true)
        try "apiVersion: v2\nname: hostile\nversion: 0.1.0\n".write(toFile: hostile + "/Chart.yaml", atomically: true, encoding: .utf8)
        try "x: \"{{ tpl .Values.x . }}\"\n".write(toFile: hostile + "/values.yaml", atomically: true, encoding: .utf8)
        try "{{ tpl .Values.x . }}\n".write(toFile: hostile + "/templates/t.yaml", atomically: true, encoding: .utf8)
        let (op, log) = try startOperator(ns, "hostile")
        defer { stop(op) }
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: """
        apiVersion: helm.fluxcd.io/v1
        kind: HelmRelease
        metadata: {name: bomb, namespace: \(ns)}
        spec:
          releaseName: bomb
          chart: {path: \(hostile)}

        """).code, 0)
        XCTAssertEqual(try cluster.kubectl(["apply", "-f", "-"], stdin: shopRelease("shop", ns)).code, 0)
        do {
            try cluster.eventually("the hostile release reported RenderFailed", timeout: 30) {
                let conditions = ((try cluster.get(["hr", "bomb", "-n", ns]))?["status"] as? [String: Any])?["conditions"] as? [[String: Any]] ?? []
                return conditions.contains { $0["reason"] as? String == "RenderFailed" && ($0["message"] as? String ?? "").contains("render limit") }
            }
            try cluster.eventually("the other release deployed", timeout: 40) {
                ((try cluster.get(["hr", "shop", "-n", ns]))?["status"] as? [String: Any])?["releaseStatus"] as? String == "deployed"
            }
        } catch {
            XCTFail("\(error)\n" + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
            throw error
        }
        XCTAssertTrue(op.isRunning, "the operator exited")
    }
}
