import Foundation
import XCTest
import Release
import Values
import Kube
import KubeTestServer

/// Release records in Helm's storage format: the ones Helm v4 wrote (../shared/releases) read as
/// Helm reads them, and hrctl's own records round-trip with Helm's field names and labels.
final class ReleaseRecordTests: XCTestCase {
    static let shared = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/releases")

    static func json(_ name: String) throws -> Value {
        try JSON.decode(String(contentsOf: shared.appendingPathComponent(name), encoding: .utf8))
    }

    func testHelmWrittenSecretsDecodeToTheRecordedReleases() throws {
        for v in 1...3 {
            let r = try ReleaseStorage.release(fromSecret: try Self.json("sh.helm.release.v1.rabbit.v\(v).json"))
            let want = try Release(json: try Self.json("rabbit.v\(v).release.json"))
            XCTAssertEqual(r.name, "rabbit")
            XCTAssertEqual(r.namespace, "default")
            XCTAssertEqual(r.version, v)
            XCTAssertEqual(r.info.status, v == 3 ? .deployed : .superseded)
            XCTAssertEqual(r.chartName, "rabbitmq")
            XCTAssertEqual(r.chartVersion, ["6.10.0", "6.16.6", "6.18.2"][v - 1])
            XCTAssertEqual(r.manifest, want.manifest)
            XCTAssertEqual(try JSONEncoding.encode(r.json()), try JSONEncoding.encode(want.json()))
        }
        let hlm = try ReleaseStorage.release(fromSecret: try Self.json("real-helm/sh.helm.release.v1.hlm.v2.json"))
        XCTAssertEqual(hlm.info.status, .deployed)
        XCTAssertEqual(hlm.applyMethod, "ssa")
        XCTAssertEqual(hlm.config.entries["replicas"].flatMap { if case .float(let f, _) = $0 { return f } else { return nil } }, 2)
    }

    func testOwnRecordsRoundTripWithHelmsFieldNamesAndLabels() throws {
        let helm = try Release(json: try Self.json("rabbit.v3.release.json"))
        var r = Release(name: "web", namespace: "apps", version: 4,
                        info: .init(firstDeployed: "2026-11-01T10:00:00Z", lastDeployed: Timestamp.now(), description: "Upgrade complete", status: .pendingUpgrade, notes: "hi"),
                        chart: helm.chart, config: Map(["replicas": .int(3)]), manifest: "---\n# Source: x\nkind: ConfigMap\n")
        r.hooks = [.map(["name": .string("h"), "kind": .string("Job"), "events": .list([.string("pre-install")])])]
        let secret = try ReleaseStorage.secret(r)
        guard case .map(let s) = secret, case .map(let md)? = s.entries["metadata"], case .map(let labels)? = md.entries["labels"] else { return XCTFail() }
        XCTAssertEqual(md.entries["name"]?.stringValue, "sh.helm.release.v1.web.v4")
        XCTAssertEqual(s.entries["type"]?.stringValue, "helm.sh/release.v1")
        XCTAssertEqual(labels.entries["status"]?.stringValue, "pending-upgrade")
        XCTAssertEqual(labels.entries["owner"]?.stringValue, "helm")
        XCTAssertEqual(labels.entries["version"]?.stringValue, "4")
        XCTAssertNotNil(labels.entries["modifiedAt"])
        let back = try ReleaseStorage.release(fromSecret: secret)
        XCTAssertEqual(try JSONEncoding.encode(back.json()), try JSONEncoding.encode(r.json()))
        // Helm's JSON names, as Go's encoding/json writes them.
        guard case .map(let j) = r.json(), case .map(let info)? = j.entries["info"] else { return XCTFail() }
        XCTAssertEqual(Set(j.entries.keys), ["name", "info", "chart", "config", "manifest", "hooks", "version", "namespace", "apply_method"])
        XCTAssertEqual(Set(info.entries.keys), ["first_deployed", "last_deployed", "description", "status", "notes"])
    }

    func testDigestOfAHelmRecordMatchesTheSameChartAndValues() throws {
        let a = try Release(json: try Self.json("rabbit.v3.release.json"))
        let b = try Release(json: try Self.json("rabbit.v2.release.json"))
        XCTAssertEqual(ChartRecord.digest(chart: a.chart, config: a.config), ChartRecord.digest(chart: a.chart, config: Coalesce_copy(a.config)))
        XCTAssertNotEqual(ChartRecord.digest(chart: a.chart, config: a.config), ChartRecord.digest(chart: b.chart, config: a.config))
        XCTAssertNotEqual(ChartRecord.digest(chart: a.chart, config: a.config), ChartRecord.digest(chart: a.chart, config: Map(["replicas": .float(9)])))
    }

    func Coalesce_copy(_ m: Map) -> Map { guard case .map(let c) = (try! JSON.decode(try! JSONEncoding.encode(.map(m)))) else { return m }; return c }

    func testStorageListsHistoryAndLatestFromTheAPIServer() async throws {
        let server = try KubeTestServer()
        let port = try server.start()
        defer { server.stop() }
        let cfg = try KubeConfig.load(explicitPath: "kc", environment: [:], readFile: { _ in server.credentials.kubeconfig(url: server.url(port: port)) })
        let client = try KubeClient(access: try cfg.resolve(context: nil, namespace: nil))
        let storage = ReleaseStorage(client: client)
        for v in 1...3 {
            guard case .map(let s) = try Self.json("sh.helm.release.v1.rabbit.v\(v).json") else { return XCTFail() }
            _ = try await client.request(.POST, "/api/v1/namespaces/default/secrets", body: .map(s))
        }
        let history = try await storage.history("rabbit", namespace: "default")
        XCTAssertEqual(history.map(\.version), [1, 2, 3])
        let latest = try await storage.latest(namespace: nil)
        XCTAssertEqual(latest.map(\.version), [3])
        XCTAssertEqual(latest.first?.chartLabel, "rabbitmq-6.18.2")
        try await client.shutdown()
    }

    /// Records of one chart share its compressed form; each is still one gzip member that the
    /// system's gzip (the reader Helm's Go library stands for here) inflates to the record's JSON.
    func testRecordsOfOneChartShareItsCompressedFormAndStayPlainGzip() throws {
        let helm = try Release(json: try Self.json("rabbit.v3.release.json"))
        for name in ["first", "second"] {
            var r = helm
            r.name = name
            r.manifest = helm.manifest + "# \(name)\n"
            let encoded = try ReleaseCodec.encode(r)
            let back = try ReleaseCodec.decode(encoded)
            XCTAssertEqual(try JSONEncoding.encode(back.json()), try JSONEncoding.encode(r.json()))
            guard case .success(let gz) = Base64.decode(encoded) else { return XCTFail("not base64") }
            let file = NSTemporaryDirectory() + "record-\(name).gz"
            try Data(gz).write(to: URL(fileURLWithPath: file))
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "gzip -dc < \(file)"]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let out = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), try JSONEncoding.encode(r.json(), escapeHTML: true))
            try? FileManager.default.removeItem(atPath: file)
        }
    }
}
