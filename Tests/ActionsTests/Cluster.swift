import Foundation
import XCTest
import Actions
import Chart
import Kube
import KubeTestServer
import Values

/// A loopback API server with a client and action context for one test.
final class TestCluster {
    let server: KubeTestServer
    let client: KubeClient
    let context: ActionContext
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    init() throws {
        server = try KubeTestServer()
        let port = try server.start()
        let text = server.credentials.kubeconfig(url: server.url(port: port))
        let cfg = try KubeConfig.load(explicitPath: "kc", environment: [:], readFile: { _ in text })
        client = try KubeClient(access: try cfg.resolve(context: nil, namespace: nil), maxAttempts: 2)
        context = ActionContext(client: client)
    }

    func close() async {
        try? await client.shutdown()
        server.stop()
    }

    static func chart(_ name: String = "shop") throws -> Chart {
        try ChartLoader.load(path: repoRoot.appendingPathComponent("Fixtures/charts/\(name)").path)
    }

    func spec(_ values: [String: Value] = [:], name: String = "shop", namespace: String = "default") throws -> ReleaseSpec {
        ReleaseSpec(name: name, namespace: namespace, chart: try TestCluster.chart(), values: Map(values))
    }

    func get(_ path: String) async throws -> Value? {
        do { return try await client.request(.GET, path) } catch let e as KubeAPIError where e.reason == .notFound { return nil }
    }

    func assertExists(_ path: String, file: StaticString = #filePath, line: UInt = #line) async throws {
        let v = try await get(path)
        XCTAssertNotNil(v, "\(path) should exist", file: file, line: line)
    }

    func assertMissing(_ path: String, file: StaticString = #filePath, line: UInt = #line) async throws {
        let v = try await get(path)
        XCTAssertNil(v, "\(path) should not exist", file: file, line: line)
    }

    func at(_ v: Value?, _ path: String...) -> Value? {
        var cur = v
        for k in path {
            guard case .map(let m)? = cur else { return nil }
            cur = m.entries[k]
        }
        return cur
    }
}
