import Foundation
import XCTest
import KubeTestServer
import Kube
import KubeAPIServer

/// The loopback API server over real HTTPS, driven by kubectl when it is installed.
final class TestServerTests: XCTestCase {
    static let kubectl = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first { FileManager.default.isExecutableFile(atPath: $0) }

    func run(_ args: [String]) throws -> (out: String, err: String, code: Int32) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.kubectl!)
        p.arguments = args
        let o = Pipe(), e = Pipe()
        p.standardOutput = o; p.standardError = e
        try p.run()
        let out = o.fileHandleForReading.readDataToEndOfFile(), err = e.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self), p.terminationStatus)
    }

    func testKubeconfigItWritesResolvesToTheServer() throws {
        let server = try KubeTestServer()
        let port = try server.start()
        defer { server.stop() }
        let text = server.credentials.kubeconfig(url: server.url(port: port))
        let cfg = try KubeConfig.load(explicitPath: "kc", environment: [:], readFile: { _ in text })
        let access = try cfg.resolve(context: nil, namespace: nil)
        XCTAssertEqual(access.server, "https://127.0.0.1:\(port)")
        XCTAssertNotNil(access.clientCertificate)
        XCTAssertTrue(String(decoding: access.certificateAuthority ?? [], as: UTF8.self).hasPrefix("-----BEGIN CERTIFICATE-----"))
    }

    func testKubectlGetsAppliesAndDeletesADeploymentAndASecret() throws {
        try XCTSkipIf(Self.kubectl == nil, "kubectl is not installed")
        let server = try KubeTestServer(tokens: ["good-token"])
        let port = try server.start()
        defer { server.stop() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hrctl-kts-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let kc = dir.appendingPathComponent("kubeconfig").path
        try server.credentials.kubeconfig(url: server.url(port: port)).write(toFile: kc, atomically: true, encoding: .utf8)
        let manifest = dir.appendingPathComponent("objs.yaml").path
        try """
        apiVersion: v1
        kind: Secret
        metadata: {name: s1, namespace: default}
        stringData: {password: hunter2}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: default}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: web, image: nginx}]}
        """.write(toFile: manifest, atomically: true, encoding: .utf8)

        let ns = try run(["--kubeconfig", kc, "get", "namespaces", "-o", "name"])
        XCTAssertEqual(ns.code, 0, ns.err)
        XCTAssertTrue(ns.out.contains("namespace/kube-system"), ns.out)
        let apply = try run(["--kubeconfig", kc, "apply", "--validate=false", "-f", manifest])
        XCTAssertEqual(apply.code, 0, apply.err)
        XCTAssertTrue(apply.out.contains("deployment.apps/web created"), apply.out)
        let secret = try run(["--kubeconfig", kc, "get", "secret", "s1", "-o", "jsonpath={.data.password}"])
        XCTAssertEqual(secret.out, "aHVudGVyMg==")
        try String(contentsOfFile: manifest, encoding: .utf8).replacingOccurrences(of: "replicas: 2", with: "replicas: 3")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let again = try run(["--kubeconfig", kc, "apply", "--validate=false", "-f", manifest])
        XCTAssertTrue(again.out.contains("deployment.apps/web configured"), again.out + again.err)
        let replicas = try run(["--kubeconfig", kc, "get", "deployment", "web", "-o", "jsonpath={.spec.replicas} {.metadata.generation}"])
        XCTAssertEqual(replicas.out, "3 2")
        let del = try run(["--kubeconfig", kc, "delete", "-f", manifest])
        XCTAssertEqual(del.code, 0, del.err)
        let gone = try run(["--kubeconfig", kc, "get", "deployment", "web"])
        XCTAssertTrue(gone.err.contains("deployments.apps \"web\" not found"), gone.err)

        // Without credentials: forbidden; with a wrong token: unauthorized; with a good one: allowed.
        let url = server.url(port: port)
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            p.arguments = ["-sk", url + "/api/v1/configmaps"]
            let o = Pipe(); p.standardOutput = o
            try p.run()
            let body = String(decoding: o.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertTrue(body.contains("User \\\"system:anonymous\\\" cannot list resource \\\"configmaps\\\""), body)
        }
        let bad = try run(["--server", url, "--insecure-skip-tls-verify", "--token", "nope", "get", "configmaps"])
        XCTAssertTrue(bad.err.contains("Unauthorized") || bad.err.contains("must be logged in"), bad.err)
        let good = try run(["--server", url, "--insecure-skip-tls-verify", "--token", "good-token", "get", "configmaps", "-A", "-o", "name"])
        XCTAssertEqual(good.code, 0, good.err)
        XCTAssertTrue(good.out.contains("configmap/kube-root-ca.crt"), good.out)
    }

    func testStateSurvivesARestartWithCustomResources() throws {
        let first = try KubeTestServer()
        _ = first.core.handle(APIRequest(method: "POST", path: "/api/v1/namespaces/default/configmaps",
                                         body: .map(["metadata": .map(["name": .string("kept")]), "data": .map(["k": .string("v")])])))
        _ = first.core.handle(APIRequest(method: "POST", path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: .map([
            "metadata": .map(["name": .string("widgets.example.com")]),
            "spec": .map(["group": .string("example.com"), "scope": .string("Namespaced"),
                          "names": .map(["plural": .string("widgets"), "kind": .string("Widget")]),
                          "versions": .list([.map(["name": .string("v1"), "served": .bool(true), "storage": .bool(true)])])]),
        ])))
        _ = first.core.handle(APIRequest(method: "POST", path: "/apis/example.com/v1/namespaces/default/widgets",
                                         body: .map(["apiVersion": .string("example.com/v1"), "kind": .string("Widget"), "metadata": .map(["name": .string("w")])])))
        let rv = first.core.currentResourceVersion
        let snapshot = try first.core.snapshot()

        let second = try KubeTestServer()
        try second.core.restore(snapshot)
        XCTAssertEqual(second.core.currentResourceVersion, rv)
        XCTAssertEqual(second.core.handle(APIRequest(method: "GET", path: "/api/v1/namespaces/default/configmaps/kept")).status, 200)
        XCTAssertEqual(second.core.handle(APIRequest(method: "GET", path: "/apis/example.com/v1/namespaces/default/widgets/w")).status, 200,
                       "the CRD's resources are served again")
        let created = second.core.handle(APIRequest(method: "POST", path: "/api/v1/namespaces/default/configmaps",
                                                    body: .map(["metadata": .map(["name": .string("new")])])))
        guard case .map(let m) = created.body, case .map(let md)? = m.entries["metadata"], let newRV = md.entries["resourceVersion"]?.stringValue else {
            return XCTFail("not created")
        }
        XCTAssertGreaterThan(Int64(newRV) ?? 0, rv, "resourceVersions keep growing across restarts")
    }
}
