import Foundation
import XCTest
import Kube
import KubeTestServer

/// A stopped API server is reported within seconds, naming it (the connection pool used to
/// retry every refused connection until the connect timeout, for each attempt).
final class StoppedServerTests: XCTestCase {
    func testAStoppedServerIsReportedQuicklyForReadsAndWrites() async throws {
        let server = try KubeTestServer()
        let port = try server.start()
        let text = server.credentials.kubeconfig(url: server.url(port: port))
        let access = try KubeConfig.load(explicitPath: "kc", environment: [:], readFile: { _ in text }).resolve(context: nil, namespace: nil)
        let client = try KubeClient(access: access)
        _ = try await client.request(.GET, "/api/v1/namespaces/default/configmaps")
        server.stop()
        for post in [false, true] {
            let t0 = Date()
            do {
                if post { _ = try await client.request(.POST, "/api/v1/namespaces/default/configmaps", body: .map([:])) }
                else { _ = try await client.request(.GET, "/api/v1/namespaces/default/configmaps") }
                XCTFail("the server is stopped")
            } catch {
                XCTAssertTrue("\(error)".hasPrefix("cannot reach https://127.0.0.1:\(port)"), "\(error)")
            }
            XCTAssertLessThan(Date().timeIntervalSince(t0), 5, post ? "POST took too long to give up" : "GET took too long to give up")
        }
        try? await client.shutdown()
    }
}
