import Foundation
import XCTest

/// `hrctl registry login|logout` and oci:// charts in show and pull, against a real registry
/// (Debian's docker-registry with htpasswd auth, which .ci/run installs) and beside helm v4.3.1.
final class RegistryCommandTests: XCTestCase {
    static let registryBinary = "/usr/bin/docker-registry"
    /// The side-by-side helpers of ChartCommandTests (its private helm home, helm and hrctl runners).
    let t = ChartCommandTests(name: "harness", testClosure: { _ in })
    var registry: Process?
    var host = ""

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.registryBinary), "docker-registry is not installed (.ci/run installs it)")
        try t.setUpWithError()
        let hash = try CLIRunner.exec(URL(fileURLWithPath: "/usr/bin/env"),
                                      ["python3", "-c", "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))", "s3cret"])
        guard hash.code == 0 else { throw XCTSkip("python3's crypt module is not available for the registry's htpasswd") }
        try "alice:\(hash.out.trimmingCharacters(in: .whitespacesAndNewlines))\n".write(toFile: t.dir + "/htpasswd", atomically: true, encoding: .utf8)
        for _ in 0..<5 {
            let port = 20000 + Int.random(in: 0..<20000)
            try """
            version: 0.1
            log: {level: error, accesslog: {disabled: true}}
            storage:
              filesystem: {rootdirectory: \(t.dir)/storage}
            http:
              addr: 127.0.0.1:\(port)
            auth:
              htpasswd: {realm: hrctl-test, path: \(t.dir)/htpasswd}
            """.write(toFile: t.dir + "/registry.yml", atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Self.registryBinary)
            p.arguments = ["serve", t.dir + "/registry.yml"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            for _ in 0..<50 where p.isRunning {
                if let tcp = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8), tcp.contains(String(format: ":%04X 00000000:0000 0A", port)) {
                    registry = p
                    host = "127.0.0.1:\(port)"
                    return
                }
                usleep(100_000)
            }
            p.terminate()
            p.waitUntilExit()
        }
        throw XCTSkip("the registry did not start")
    }

    override func tearDown() {
        registry?.terminate()
        registry?.waitUntilExit()
        t.tearDown()
    }

    var configJSON: String { t.dir + "/config/registry/config.json" }

    func testLoginAndLogoutWriteHelmsConfigJSON() throws {
        let h = try t.helm(["registry", "login", host, "-u", "alice", "--password-stdin", "--plain-http"], stdin: "s3cret\n")
        XCTAssertEqual(h.code, 0, h.err)
        let helmWrote = try String(contentsOfFile: configJSON, encoding: .utf8)
        let hOut = try t.helm(["registry", "logout", host])
        let helmLoggedOut = try String(contentsOfFile: configJSON, encoding: .utf8)
        try FileManager.default.removeItem(atPath: configJSON)

        let r = try t.hrctl(["registry", "login", host, "-u", "alice", "--password-stdin", "--plain-http"], stdin: "s3cret\n")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out, h.out)
        XCTAssertEqual(try String(contentsOfFile: configJSON, encoding: .utf8), helmWrote)
        // helm uses what hrctl wrote: a pull needing the credentials works.
        let pkg = try t.hrctl(["package", ChartCommandTests.root + "/Fixtures/charts/shop", "-d", t.dir])
        XCTAssertEqual(pkg.code, 0, pkg.err)
        let push = try t.hrctl(["push", t.dir + "/shop-1.0.0.tgz", "oci://\(host)/charts", "--plain-http"])
        XCTAssertEqual(push.code, 0, push.err)
        XCTAssertEqual(try t.helm(["show", "chart", "oci://\(host)/charts/shop", "--version", "1.0.0", "--plain-http"]).code, 0)

        let out = try t.hrctl(["registry", "logout", host])
        XCTAssertEqual(out.code, 0, out.err)
        XCTAssertEqual(out.out, hOut.out)
        XCTAssertEqual(try String(contentsOfFile: configJSON, encoding: .utf8), helmLoggedOut)

        let wrong = try t.hrctl(["registry", "login", host, "-u", "alice", "-p", "nope", "--plain-http"])
        XCTAssertEqual(wrong.code, 1)
        XCTAssertTrue(wrong.err.contains("Error: authenticating to \"\(host)\": GET \"http://\(host)/v2/\": response status code 401: unauthorized: authentication required"), wrong.err)
    }

    func testShowAndPullOfOCICharts() throws {
        XCTAssertEqual(try t.hrctl(["registry", "login", host, "-u", "alice", "-p", "s3cret", "--plain-http"]).code, 0)
        XCTAssertEqual(try t.hrctl(["package", ChartCommandTests.root + "/Fixtures/charts/shop", "-d", t.dir]).code, 0)
        XCTAssertEqual(try t.hrctl(["push", t.dir + "/shop-1.0.0.tgz", "oci://\(host)/charts", "--plain-http"]).code, 0)
        let ref = "oci://\(host)/charts/shop"
        for part in ["chart", "values", "all"] {
            try t.assertSameAsHelm(["show", part, ref, "--version", "1.0.0", "--plain-http"])
        }
        let hd = t.dir + "/helm-pull", rd = t.dir + "/hrctl-pull"
        for d in [hd, rd] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        let h = try t.helm(["pull", ref, "--version", "1.0.0", "--plain-http"], cwd: hd)
        let r = try t.hrctl(["pull", ref, "--version", "1.0.0", "--plain-http"], cwd: rd)
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out, h.out)
        XCTAssertTrue(r.out.hasPrefix("Pulled: \(host)/charts/shop:1.0.0\nDigest: sha256:"), r.out)
        XCTAssertEqual(try t.tree(rd), try t.tree(hd))
    }

    func testDependencyUpdateFromAnOCIRegistry() throws {
        XCTAssertEqual(try t.hrctl(["registry", "login", host, "-u", "alice", "-p", "s3cret", "--plain-http"]).code, 0)
        let shop = ChartCommandTests.root + "/Fixtures/charts/shop"
        XCTAssertEqual(try t.hrctl(["package", shop, "-d", t.dir]).code, 0)
        XCTAssertEqual(try t.hrctl(["package", shop, "-d", t.dir, "--version", "1.1.0"]).code, 0)
        for v in ["1.0.0", "1.1.0"] { XCTAssertEqual(try t.hrctl(["push", t.dir + "/shop-\(v).tgz", "oci://\(host)/charts", "--plain-http"]).code, 0) }
        var charts: [String] = []
        for who in ["hrctl", "helm"] {
            let c = t.dir + "/" + who + "/store"
            try FileManager.default.createDirectory(atPath: c + "/templates", withIntermediateDirectories: true)
            try "apiVersion: v2\nname: store\nversion: 0.1.0\ndependencies:\n- name: shop\n  version: ~1.0.0\n  repository: oci://\(host)/charts\n"
                .write(toFile: c + "/Chart.yaml", atomically: true, encoding: .utf8)
            charts.append(c)
        }
        let r = try t.hrctl(["dependency", "update", charts[0], "--plain-http"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(try t.helm(["dependency", "update", charts[1], "--plain-http"]).code, 0)
        func body(_ c: String) throws -> String {
            try String(contentsOfFile: c + "/Chart.lock", encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("generated:") }.joined(separator: "\n")
        }
        XCTAssertEqual(try body(charts[0]), try body(charts[1]))
        XCTAssertTrue(try body(charts[0]).contains("version: 1.0.0"))
        XCTAssertEqual(FileManager.default.contents(atPath: charts[0] + "/charts/shop-1.0.0.tgz"), FileManager.default.contents(atPath: charts[1] + "/charts/shop-1.0.0.tgz"))
    }
}
