import Foundation
import XCTest
import KubeTestServer

/// hrctl and real Helm (v4.2.3's SDK from PyPI's helm-python-sdk, which .ci/run installs) on one
/// loopback cluster: each lists, reads and upgrades the other's releases.
final class HelmInteropTests: XCTestCase {
    var server: KubeTestServer!
    var dir = ""
    var kubeconfig = ""
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    var chart: String { root + "/Fixtures/charts/shop" }

    override func setUpWithError() throws {
        let probe = try Self.python(["-c", "import helm_python"])
        if probe.code != 0 { throw XCTSkip("helm-python-sdk is not installed (.ci/run installs it with pip)") }
        let cluster = try LoopbackCluster.start("interop")
        server = cluster.server; dir = cluster.dir; kubeconfig = cluster.kubeconfig
    }

    override func tearDown() { server?.stop() }

    /// Helm names its field manager after the running binary; run as `helm`, the SDK applies
    /// as the helm CLI does.
    static func python(_ args: [String], as name: String? = nil) throws -> (out: String, err: String, code: Int32) {
        let p = Process()
        if let name {
            let real = try python(["-c", "import sys; print(sys.executable)"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hrctl-helm-\(getpid())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let link = dir.appendingPathComponent(name)
            if !FileManager.default.fileExists(atPath: link.path) { try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: real) }
            p.executableURL = link
            p.arguments = args
        } else {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3"] + args
        }
        let o = Pipe(), e = Pipe()
        p.standardOutput = o
        p.standardError = e
        try p.run()
        let out = o.fileHandleForReading.readDataToEndOfFile(), err = e.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self), p.terminationStatus)
    }

    func helm(_ op: String, _ args: [String: Any] = [:]) throws -> Any {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: args), as: UTF8.self)
        let r = try Self.python([root + "/Fixtures/interop/helm_oracle.py", kubeconfig, "interop", op, json], as: "helm")
        XCTAssertEqual(r.code, 0, "helm \(op): \(r.err)")
        return try JSONSerialization.jsonObject(with: Data(r.out.utf8), options: .fragmentsAllowed)
    }

    func hrctl(_ args: String...) throws -> (out: String, err: String, code: Int32) {
        try CLIRunner.run(args + ["--kubeconfig", kubeconfig])
    }

    func releaseFile(_ name: String, replicas: Int) throws -> String {
        let path = dir + "/\(name)-\(replicas).yaml"
        try """
        apiVersion: helm.fluxcd.io/v1
        kind: HelmRelease
        metadata: {name: \(name), namespace: interop}
        spec:
          releaseName: \(name)
          chart: {path: \(chart)}
          values: {replicas: \(replicas), hooks: false}

        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testHrctlListsAndUpgradesAReleaseHelmInstalled() throws {
        let installed = try XCTUnwrap(try helm("install", ["chart": chart, "name": "by-helm", "values": ["replicas": 1, "hooks": false]]) as? [String: Any])
        XCTAssertEqual(installed["status"] as? String, "deployed")

        var r = try hrctl("list", "-n", "interop", "-o", "json")
        let list = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]], r.err)
        XCTAssertEqual(list.first?["name"] as? String, "by-helm")
        XCTAssertEqual(list.first?["revision"] as? String, "1")
        XCTAssertEqual(list.first?["status"] as? String, "deployed")
        XCTAssertEqual(list.first?["chart"] as? String, "shop-1.0.0")
        XCTAssertEqual(try hrctl("get", "values", "by-helm", "-n", "interop").out, "USER-SUPPLIED VALUES:\nhooks: false\nreplicas: 1\n")
        r = try hrctl("get", "manifest", "by-helm", "-n", "interop")
        XCTAssertTrue(r.out.contains("name: by-helm-web"), r.out)

        // New values: revision 2, which Helm reads; then the same file again is a no-op.
        r = try hrctl("apply", "-f", try releaseFile("by-helm", replicas: 2))
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("REVISION: 2\n"), r.out)
        XCTAssertTrue(try hrctl("apply", "-f", try releaseFile("by-helm", replicas: 2)).out.contains("is up to date"))
        let history = try XCTUnwrap(try helm("history", ["name": "by-helm"]) as? [[String: Any]])
        XCTAssertEqual(history.map { $0["status"] as? String }, ["superseded", "deployed"])
        XCTAssertEqual(try helm("values", ["name": "by-helm"]) as? NSDictionary, ["replicas": 2, "hooks": false])
    }

    func testHelmListsReadsAndUpgradesAReleaseHrctlInstalled() throws {
        var r = try hrctl("apply", "-f", try releaseFile("by-hrctl", replicas: 3))
        XCTAssertEqual(r.code, 0, r.err)
        let list = try XCTUnwrap(try helm("list") as? [[String: Any]])
        XCTAssertEqual(list.count, 1)
        XCTAssertEqual(list.first?["name"] as? String, "by-hrctl")
        XCTAssertEqual(list.first?["status"] as? String, "deployed")
        XCTAssertEqual(list.first?["revision"] as? Int, 1)
        XCTAssertEqual(list.first?["chart_version"] as? String, "1.0.0")
        XCTAssertEqual(try helm("values", ["name": "by-hrctl"]) as? NSDictionary, ["replicas": 3, "hooks": false])

        let upgraded = try XCTUnwrap(try helm("upgrade", ["chart": chart, "name": "by-hrctl", "values": ["replicas": 4, "hooks": false]]) as? [String: Any])
        XCTAssertEqual(upgraded["revision"] as? Int, 2)
        r = try hrctl("history", "by-hrctl", "-n", "interop", "-o", "json")
        let history = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]], r.err)
        XCTAssertEqual(history.map { $0["status"] as? String }, ["superseded", "deployed"])
        XCTAssertEqual(try hrctl("get", "values", "by-hrctl", "-n", "interop").out, "USER-SUPPLIED VALUES:\nhooks: false\nreplicas: 4\n")
        // Back to the file's values: hrctl upgrades over Helm's revision.
        r = try hrctl("apply", "-f", try releaseFile("by-hrctl", replicas: 3))
        XCTAssertTrue(r.out.contains("REVISION: 3\n"), r.out + r.err)
    }
}
