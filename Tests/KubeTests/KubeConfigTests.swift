import XCTest
import Kube

final class KubeConfigTests: XCTestCase {
    let first = """
    apiVersion: v1
    kind: Config
    current-context: dev
    clusters:
    - name: dev
      cluster: {server: "https://dev:6443", certificate-authority: ca.crt}
    contexts:
    - name: dev
      context: {cluster: dev, user: alice, namespace: team}
    users:
    - name: alice
      user: {client-certificate-data: "Y2VydA==", client-key-data: "a2V5"}
    """
    let second = """
    current-context: prod
    clusters:
    - name: dev
      cluster: {server: "https://ignored:1"}
    - name: prod
      cluster: {server: "https://prod:443", insecure-skip-tls-verify: true, tls-server-name: api.prod}
    contexts:
    - name: prod
      context: {cluster: prod, user: bot}
    users:
    - name: bot
      user:
        exec:
          apiVersion: client.authentication.k8s.io/v1
          command: get-token
          args: [--cluster, prod]
          env: [{name: MODE, value: ci}]
    """

    func files(_ path: String) throws -> String {
        switch path {
        case "/cfg/a": return first
        case "/cfg/b": return second
        default: throw KubeConfigError("no such file")
        }
    }

    func testKUBECONFIGMergesWithTheFirstFileWinning() throws {
        let cfg = try KubeConfig.load(explicitPath: nil, environment: ["KUBECONFIG": "/cfg/a:/cfg/missing:/cfg/b"], readFile: files)
        XCTAssertEqual(cfg.currentContext, "dev")
        XCTAssertEqual(cfg.contextNames, ["dev", "prod"])
        let dev = try cfg.resolve(context: nil, namespace: nil, readFile: { p in
            XCTAssertEqual(p, "/cfg/ca.crt") // relative to the file that named it
            return Array("CA".utf8)
        })
        XCTAssertEqual(dev.server, "https://dev:6443")
        XCTAssertEqual(dev.namespace, "team")
        XCTAssertEqual(dev.certificateAuthority, Array("CA".utf8))
        XCTAssertEqual(dev.clientCertificate, Array("cert".utf8))
        XCTAssertEqual(dev.clientKey, Array("key".utf8))
        let prod = try cfg.resolve(context: "prod", namespace: "override", readFile: { _ in [] })
        XCTAssertEqual(prod.server, "https://prod:443")
        XCTAssertTrue(prod.insecureSkipTLSVerify)
        XCTAssertEqual(prod.tlsServerName, "api.prod")
        XCTAssertEqual(prod.namespace, "override")
        XCTAssertEqual(prod.exec?.command, "get-token")
        XCTAssertEqual(prod.exec?.args, ["--cluster", "prod"])
        XCTAssertEqual(prod.exec?.env.first?.1, "ci")
    }

    func testExplicitKubeconfigIsTheOnlyFileRead() throws {
        let cfg = try KubeConfig.load(explicitPath: "/cfg/b", environment: ["KUBECONFIG": "/cfg/a"], readFile: files)
        XCTAssertEqual(cfg.currentContext, "prod")
        XCTAssertThrowsError(try KubeConfig.load(explicitPath: "/cfg/none", environment: [:], readFile: files)) { e in
            XCTAssertTrue("\(e)".hasPrefix("cannot read kubeconfig /cfg/none"), "\(e)")
        }
    }

    func testClearErrors() throws {
        let cfg = try KubeConfig.load(explicitPath: nil, environment: ["KUBECONFIG": "/cfg/a"], readFile: files)
        XCTAssertThrowsError(try cfg.resolve(context: "nope", namespace: nil)) { e in
            XCTAssertEqual("\(e)", "context \"nope\" does not exist in /cfg/a (contexts: dev)")
        }
        let empty = try KubeConfig.load(explicitPath: nil, environment: [:], readFile: files)
        XCTAssertThrowsError(try empty.resolve(context: nil, namespace: nil)) { e in
            XCTAssertTrue("\(e)".hasPrefix("no kubeconfig found"), "\(e)")
        }
    }

    func testInClusterServiceAccount() throws {
        let access = try KubeConfig.inCluster(environment: ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"],
                                              root: "/sa", readFile: { p in p.hasSuffix("namespace") ? Array("apps\n".utf8) : Array("CA".utf8) })
        XCTAssertEqual(access?.server, "https://10.0.0.1:443")
        XCTAssertEqual(access?.namespace, "apps")
        XCTAssertEqual(access?.tokenFile, "/sa/token")
        XCTAssertNil(try KubeConfig.inCluster(environment: [:]))
    }
}
