import Foundation
import XCTest
import KubeTestServer

/// `hrctl crds | kubectl apply -f -`, then `kubectl get hr` with the CRD's printer columns.
final class CRDCommandTests: XCTestCase {
    static let kubectl = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first { FileManager.default.isExecutableFile(atPath: $0) }

    func kubectl(_ args: [String], stdin: String? = nil) throws -> (out: String, err: String, code: Int32) {
        try CLIRunner.exec(URL(fileURLWithPath: Self.kubectl!), args, stdin: stdin)
    }

    func testTheCRDInstallsAndKubectlPrintsItsColumns() throws {
        let crd = try CLIRunner.run(["crds"])
        XCTAssertEqual(crd.code, 0, crd.err)
        XCTAssertTrue(crd.out.contains("name: helmreleases.helm.fluxcd.io"), crd.out)
        try XCTSkipIf(Self.kubectl == nil, "kubectl is not installed")
        let server = try KubeTestServer()
        let port = try server.start()
        defer { server.stop() }
        let kc = try CLIRunner.temp("crd-\(port)/kubeconfig", server.credentials.kubeconfig(url: server.url(port: port)))
        var r = try kubectl(["--kubeconfig", kc, "apply", "-f", "-"], stdin: crd.out)
        XCTAssertEqual(r.code, 0, r.err)
        // The CRD controller establishes it after a look or two.
        for _ in 0..<3 { _ = try kubectl(["--kubeconfig", kc, "get", "crd", "helmreleases.helm.fluxcd.io"]) }
        r = try kubectl(["--kubeconfig", kc, "apply", "-f", "-"], stdin: """
        apiVersion: helm.fluxcd.io/v1
        kind: HelmRelease
        metadata: {name: shop, namespace: default}
        spec:
          releaseName: shop
          chart: {repository: "https://charts.example.com", name: shop, version: 1.0.0}
        """)
        XCTAssertEqual(r.code, 0, r.err)
        _ = server.core.handle(.init(method: "PATCH", path: "/apis/helm.fluxcd.io/v1/namespaces/default/helmreleases/shop/status",
                                     contentType: "application/merge-patch+json",
                                     body: .map(["status": .map(["phase": .string("Deployed"), "releaseName": .string("shop"), "releaseStatus": .string("deployed"),
                                                                 "conditions": .list([.map(["type": .string("Released"), "status": .string("True"),
                                                                                            "message": .string("Release was successful")])])])])))
        r = try kubectl(["--kubeconfig", kc, "get", "hr"])
        XCTAssertEqual(r.code, 0, r.err)
        let lines = r.out.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        XCTAssertEqual(lines.first, "NAME RELEASE PHASE STATUS MESSAGE AGE", r.out)
        XCTAssertTrue(lines.last?.hasPrefix("shop shop Deployed deployed Release was successful ") == true, r.out)
    }
}
