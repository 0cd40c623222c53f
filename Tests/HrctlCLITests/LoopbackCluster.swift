import Foundation
import KubeTestServer

/// A loopback API server and a kubeconfig for it in a fresh folder: where the CLI tests that
/// talk to a cluster start.
struct LoopbackCluster {
    let server: KubeTestServer
    let dir: String
    let kubeconfig: String

    static func start(_ tag: String) throws -> LoopbackCluster {
        let server = try KubeTestServer()
        let port = try server.start()
        let dir = (try CLIRunner.temp("\(tag)-\(port)/x", "") as NSString).deletingLastPathComponent
        let kubeconfig = dir + "/kubeconfig"
        try server.credentials.kubeconfig(url: server.url(port: port)).write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        return LoopbackCluster(server: server, dir: dir, kubeconfig: kubeconfig)
    }
}
