import XCTest
import Kube
import KubeTestServer
import KubeAPIServer
import Values

/// The client against the loopback API server over real HTTPS.
final class KubeClientTests: XCTestCase {
    func access(_ server: KubeTestServer, port: Int) throws -> ClusterAccess {
        let text = server.credentials.kubeconfig(url: server.url(port: port))
        return try KubeConfig.load(explicitPath: "kc", environment: [:], readFile: { _ in text }).resolve(context: nil, namespace: nil)
    }

    func testCRUDAndTypedErrorsOverTLSWithClientCertificates() async throws {
        let server = try KubeTestServer(tokens: ["good"])
        let port = try server.start()
        defer { server.stop() }
        let client = try KubeClient(access: try access(server, port: port))
        let cm: Value = .map(["apiVersion": .string("v1"), "kind": .string("ConfigMap"),
                              "metadata": .map(["name": .string("cm1"), "labels": .map(["owner": .string("helm")])]),
                              "data": .map(["k": .string("v")])])
        let created = try await client.request(.POST, "/api/v1/namespaces/default/configmaps", body: cm)
        guard case .map(let m) = created, case .map(let md)? = m.entries["metadata"] else { return XCTFail("not an object") }
        XCTAssertNotNil(md.entries["uid"]?.stringValue)
        do {
            _ = try await client.request(.POST, "/api/v1/namespaces/default/configmaps", body: cm)
            XCTFail("created twice")
        } catch let e as KubeAPIError {
            XCTAssertEqual(e.reason, .alreadyExists)
            XCTAssertEqual(e.message, "configmaps \"cm1\" already exists")
        }
        let list = try await client.request(.GET, "/api/v1/namespaces/default/configmaps", query: [("labelSelector", "owner=helm")])
        guard case .map(let l) = list, case .list(let items)? = l.entries["items"] else { return XCTFail("not a list") }
        XCTAssertEqual(items.count, 1)
        _ = try await client.request(.PATCH, "/api/v1/namespaces/default/configmaps/cm1",
                                     body: .map(["data": .map(["k": .null, "n": .string("new")])]), contentType: "application/merge-patch+json")
        _ = try await client.request(.DELETE, "/api/v1/namespaces/default/configmaps/cm1")
        do {
            _ = try await client.request(.GET, "/api/v1/namespaces/default/configmaps/cm1")
            XCTFail("still there")
        } catch let e as KubeAPIError {
            XCTAssertEqual(e.reason, .notFound)
            XCTAssertEqual(e.code, 404)
        }
        try await client.shutdown()
    }

    func testTokensAndTLSFailuresAreReportedClearly() async throws {
        let server = try KubeTestServer(tokens: ["good"])
        let port = try server.start()
        defer { server.stop() }
        var a = try access(server, port: port)
        a.clientCertificate = nil; a.clientKey = nil
        a.token = "bad"
        let bad = try KubeClient(access: a)
        do {
            _ = try await bad.request(.GET, "/api/v1/namespaces")
            XCTFail("accepted a bad token")
        } catch let e as KubeAPIError {
            XCTAssertEqual(e.reason, .unauthorized)
        }
        try await bad.shutdown()
        a.token = "good"
        let good = try KubeClient(access: a)
        _ = try await good.request(.GET, "/api/v1/namespaces")
        try await good.shutdown()

        // A CA that did not sign the server's certificate.
        var wrong = try access(server, port: port)
        wrong.certificateAuthority = Array(try TestCredentials.generate(commonName: "other-ca").caPEM.utf8)
        wrong.certificateAuthoritySource = "certificate-authority-data of cluster \"hrctl-test\""
        let untrusting = try KubeClient(access: wrong, maxAttempts: 1, connectTimeout: 1)
        do {
            _ = try await untrusting.request(.GET, "/version")
            XCTFail("trusted the wrong CA")
        } catch let e as KubeConnectionError {
            XCTAssertTrue(e.description.hasPrefix("cannot establish a trusted TLS connection to https://127.0.0.1:\(port) with the certificate authority from certificate-authority-data of cluster \"hrctl-test\""), e.description)
        }
        try await untrusting.shutdown()
    }

    func testErrorDecodingOfRecordedStatusBodies() throws {
        let body = #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Apply failed with 1 conflict: conflict with \"hrctl\": .spec.replicas","reason":"Conflict","details":{"causes":[{"reason":"FieldManagerConflict","message":"conflict with \"hrctl\"","field":".spec.replicas"}]},"code":409}"#
        let e = KubeAPIError.decode(code: 409, body: Array(body.utf8))
        XCTAssertEqual(e.reason, .conflict)
        XCTAssertEqual(e.causes, [KubeAPIError.Cause(reason: "FieldManagerConflict", message: "conflict with \"hrctl\"", field: ".spec.replicas")])
        let plain = KubeAPIError.decode(code: 404, body: Array("404 page not found\n".utf8))
        XCTAssertEqual(plain.reason, .notFound)
        XCTAssertEqual(plain.message, "404 page not found")
    }
}

final class DiscoveryTests: XCTestCase {
    func testKindsMapToResourcesAndNewCRDsAreFoundAfterAMiss() async throws {
        let server = try KubeTestServer()
        let port = try server.start()
        defer { server.stop() }
        let text = server.credentials.kubeconfig(url: server.url(port: port))
        let client = try KubeClient(access: try KubeConfig.load(explicitPath: "kc", environment: [:], readFile: { _ in text }).resolve(context: nil, namespace: nil))
        let discovery = Discovery(client: client)
        let deploy = try await discovery.mapping(apiVersion: "apps/v1", kind: "Deployment")
        XCTAssertEqual(deploy.path(namespace: "apps", name: "web"), "/apis/apps/v1/namespaces/apps/deployments/web")
        let ns = try await discovery.mapping(apiVersion: "v1", kind: "Namespace")
        XCTAssertEqual(ns.path(namespace: "ignored"), "/api/v1/namespaces")
        do {
            _ = try await discovery.mapping(apiVersion: "helm.fluxcd.io/v1", kind: "HelmRelease")
            XCTFail("found a kind that does not exist")
        } catch let e as Discovery.DiscoveryError {
            XCTAssertEqual("\(e)", "no matches for kind \"HelmRelease\" in version \"helm.fluxcd.io/v1\" (is its CustomResourceDefinition installed?)")
        }
        let crd: Value = .map([
            "apiVersion": .string("apiextensions.k8s.io/v1"), "kind": .string("CustomResourceDefinition"),
            "metadata": .map(["name": .string("helmreleases.helm.fluxcd.io")]),
            "spec": .map(["group": .string("helm.fluxcd.io"), "scope": .string("Namespaced"),
                          "names": .map(["plural": .string("helmreleases"), "singular": .string("helmrelease"), "kind": .string("HelmRelease")]),
                          "versions": .list([.map(["name": .string("v1"), "served": .bool(true), "storage": .bool(true)])])]),
        ])
        _ = try await client.request(.POST, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: crd)
        let hr = try await discovery.mapping(apiVersion: "helm.fluxcd.io/v1", kind: "HelmRelease")
        XCTAssertEqual(hr.resource, "helmreleases")
        XCTAssertTrue(hr.namespaced)
        try await client.shutdown()
    }
}

final class ExecPluginTests: XCTestCase {
    var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/kube/exec-plugin.sh").path
    }

    func testTokensFromAPluginAreUsedAndCachedUntilTheyExpire() async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("exec-runs-\(ProcessInfo.processInfo.processIdentifier)").path
        try? FileManager.default.removeItem(atPath: log)
        let plugin = ExecPlugin(apiVersion: "client.authentication.k8s.io/v1", command: script, args: ["good"],
                                env: [("RUN_LOG", log), ("EXPIRY", "2100-01-01T00:00:00Z")], provideClusterInfo: false)
        let creds = ExecCredentials(plugin: plugin, server: "https://x")
        let first = try await creds.credential()
        XCTAssertEqual(first.token, "good")
        XCTAssertEqual(first.expiresAt, 4102444800)
        _ = try await creds.credential()
        XCTAssertEqual(try String(contentsOfFile: log, encoding: .utf8), "run\n") // cached

        let expired = ExecPlugin(apiVersion: "client.authentication.k8s.io/v1", command: script, args: ["t"],
                                 env: [("RUN_LOG", log), ("EXPIRY", "2000-01-01T00:00:00Z")], provideClusterInfo: false)
        let again = ExecCredentials(plugin: expired, server: "https://x")
        _ = try await again.credential()
        _ = try await again.credential()
        XCTAssertEqual(try String(contentsOfFile: log, encoding: .utf8), "run\nrun\nrun\n") // expired: run each time

        // Against the server: the plugin's token authenticates.
        let server = try KubeTestServer(tokens: ["good"])
        let port = try server.start()
        defer { server.stop() }
        var access = ClusterAccess(contextName: "exec", server: server.url(port: port), namespace: "default")
        access.insecureSkipTLSVerify = true
        access.exec = plugin
        let client = try KubeClient(access: access)
        _ = try await client.request(.GET, "/api/v1/namespaces")
        try await client.shutdown()
    }

    func testPluginFailuresSayWhy() async throws {
        let missing = ExecCredentials(plugin: ExecPlugin(apiVersion: "client.authentication.k8s.io/v1", command: "no-such-plugin-xyz", args: [], env: [], provideClusterInfo: false), server: "s")
        do { _ = try await missing.credential(); XCTFail("ran a missing plugin") } catch {
            XCTAssertEqual("\(error)", "exec plugin no-such-plugin-xyz not found on PATH")
        }
        let failing = ExecCredentials(plugin: ExecPlugin(apiVersion: "client.authentication.k8s.io/v1", command: "/bin/false", args: [], env: [], provideClusterInfo: false), server: "s")
        do { _ = try await failing.credential(); XCTFail("accepted a failing plugin") } catch {
            XCTAssertTrue("\(error)".hasPrefix("exec plugin /bin/false failed with exit code 1"), "\(error)")
        }
    }
}

final class DiscoveryCacheTests: XCTestCase {
    func testDiscoveryIsKeptOnDiskAndAskedAgainOnAMissOrWhenOld() async throws {
        let (server, port, client) = try LoopbackCluster.start()
        defer { server.stop() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hrctl-discovery-\(port)").path
        let first = Discovery(client: client, cacheDirectory: dir)
        let m = try await first.mapping(apiVersion: "apps/v1", kind: "Deployment")
        XCTAssertEqual(m.resource, "deployments")
        let firstRequests = await first.serverRequests
        XCTAssertEqual(firstRequests, 1)
        // A second run reads the disk cache.
        let second = Discovery(client: client, cacheDirectory: dir)
        _ = try await second.mapping(apiVersion: "apps/v1", kind: "StatefulSet")
        let secondRequests = await second.serverRequests
        XCTAssertEqual(secondRequests, 0)
        // A kind the cached document lacks is looked up on the server (a CRD may have just added it).
        do { _ = try await second.mapping(apiVersion: "apps/v1", kind: "Nothing"); XCTFail() } catch {}
        let afterMiss = await second.serverRequests
        XCTAssertEqual(afterMiss, 1)
        // An expired cache is not used.
        let third = Discovery(client: client, cacheDirectory: dir, ttl: 0)
        _ = try await third.mapping(apiVersion: "apps/v1", kind: "Deployment")
        let thirdRequests = await third.serverRequests
        XCTAssertEqual(thirdRequests, 1)
        try? await client.shutdown()
    }
}

final class TransportFaultTests: XCTestCase {
    func testDroppedConnectionsAreRetriedForReadsAndSlowAnswersAreWaitedFor() async throws {
        let (server, port, client) = try LoopbackCluster.start()
        defer { server.stop() }
        let path = "/api/v1/namespaces/default/configmaps"
        server.core.inject(Fault(method: "GET", pathContains: "configmaps", effect: .dropConnection))
        let list = try await client.request(.GET, path)
        guard case .map(let m) = list else { return XCTFail("no list after a dropped connection") }
        XCTAssertEqual(m.entries["kind"]?.stringValue, "ConfigMapList")
        // A create is not repeated: the caller learns the connection dropped.
        server.core.inject(Fault(method: "POST", pathContains: "configmaps", effect: .dropConnection))
        do {
            _ = try await client.request(.POST, path, body: .map(["metadata": .map(["name": .string("x")])]))
            XCTFail("a dropped create was not reported")
        } catch let e as KubeConnectionError {
            XCTAssertTrue(e.description.hasPrefix("cannot reach https://127.0.0.1:\(port)"), e.description)
        }
        server.core.inject(Fault(method: "GET", pathContains: "configmaps", effect: .delay(0.5)))
        let start = Date()
        _ = try await client.request(.GET, path)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.5)
        try await client.shutdown()
    }
}

/// A loopback API server and a client for it over HTTPS with its client certificate.
enum LoopbackCluster {
    static func start() throws -> (KubeTestServer, Int, KubeClient) {
        let server = try KubeTestServer()
        let port = try server.start()
        let text = server.credentials.kubeconfig(url: server.url(port: port))
        let access = try KubeConfig.load(explicitPath: "kc", environment: [:], readFile: { _ in text }).resolve(context: nil, namespace: nil)
        return (server, port, try KubeClient(access: access))
    }
}
