import Foundation
import XCTest
import KubeTestServer

/// Shell completion of release names and namespaces, asked of the loopback API server the way
/// the generated scripts ask (`hrctl ---completion SUBCOMMAND -- ARG CWORD CURSOR WORDS…`).
final class ClusterCompletionTests: XCTestCase {
    var server: KubeTestServer!
    var dir = ""
    var kubeconfig = ""

    override func setUpWithError() throws {
        let cluster = try LoopbackCluster.start("completion")
        server = cluster.server; dir = cluster.dir; kubeconfig = cluster.kubeconfig
    }

    override func tearDown() { server?.stop() }

    func complete(_ sub: String, _ arg: String, _ words: [String]) throws -> [String] {
        let r = try CLIRunner.run(["---completion", sub, "--", arg, String(words.count - 1), String(words.last!.count)] + words,
                                  env: ["HRCTL_CACHE": dir + "/cache"])
        XCTAssertEqual(r.code, 0, r.err)
        return r.out.split(separator: "\n").map(String.init)
    }

    func testReleaseNamesAndNamespacesComeFromTheCluster() throws {
        let shop = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/Fixtures/charts/shop"
        for name in ["shop", "shelf"] {
            let doc = try CLIRunner.temp("completion-\(name).yaml", """
            apiVersion: helm.fluxcd.io/v1
            kind: HelmRelease
            metadata: {name: \(name), namespace: demo}
            spec:
              releaseName: \(name)
              chart: {path: \(shop)}

            """)
            let r = try CLIRunner.run(["apply", "-f", doc, "--kubeconfig", kubeconfig], env: ["HRCTL_CACHE": dir + "/cache"])
            XCTAssertEqual(r.code, 0, r.err)
        }
        XCTAssertEqual(try complete("status", "positional@0", ["hrctl", "status", "--kubeconfig", kubeconfig, "-n", "demo", "sh"]), ["shelf", "shop"])
        XCTAssertEqual(try complete("history", "positional@0", ["hrctl", "history", "--kubeconfig", kubeconfig, "-n", "demo", "sho"]), ["shop"])
        XCTAssertEqual(try complete("status", "positional@0", ["hrctl", "status", "--kubeconfig", kubeconfig, "-n", "other", ""]), [])
        XCTAssertTrue(try complete("list", "--namespace", ["hrctl", "list", "--kubeconfig", kubeconfig, "-n", "de"]).contains("demo"))
        // No cluster: no suggestions, and no error in the user's shell.
        XCTAssertEqual(try complete("status", "positional@0", ["hrctl", "status", "--kubeconfig", dir + "/missing", "s"]), [])
    }
}
