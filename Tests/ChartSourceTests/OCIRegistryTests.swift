import Foundation
import XCTest
import Chart
import ChartSource
import FileIO

/// Charts pushed to and pulled from a real registry: Debian's docker-registry (the CNCF
/// distribution registry), started on 127.0.0.1 for each test; .ci/run installs it.
final class OCIRegistryTests: XCTestCase {
    static let binary = "/usr/bin/docker-registry"
    var registry: Process?
    var dir = ""
    var port = 0
    let shop = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/charts/shop").path

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.binary), "docker-registry is not installed (.ci/run installs it)")
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hrctl-oci-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileSystem.makeDirectories(dir)
    }

    override func tearDown() {
        registry?.terminate()
        registry?.waitUntilExit()
        FileSystem.removeTree(dir)
    }

    /// Starts the registry, with htpasswd basic auth when `user` is given.
    func startRegistry(user: (String, String)? = nil) throws {
        var auth = ""
        if let (u, p) = user {
            let hash = try python(["-c", "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))", p])
            try FileSystem.write(dir + "/htpasswd", Array("\(u):\(hash)\n".utf8))
            auth = "auth:\n  htpasswd:\n    realm: hrctl-test\n    path: \(dir)/htpasswd\n"
        }
        for attempt in 0..<5 {
            port = 20000 + Int.random(in: 0..<20000)
            try FileSystem.write(dir + "/config.yml", Array("""
            version: 0.1
            log: {level: error, accesslog: {disabled: true}}
            storage:
              filesystem: {rootdirectory: \(dir)/storage}
            http:
              addr: 127.0.0.1:\(port)
            \(auth)
            """.utf8))
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Self.binary)
            p.arguments = ["serve", dir + "/config.yml"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            registry = p
            for _ in 0..<50 {
                if !p.isRunning { break }
                if (try? Data(contentsOf: URL(fileURLWithPath: "/proc/net/tcp")))
                    .map({ String(decoding: $0, as: UTF8.self).contains(String(format: ":%04X 00000000:0000 0A", port)) }) == true { return }
                usleep(100_000)
            }
            p.terminate()
            if attempt == 4 { throw XCTSkip("the registry did not start") }
        }
    }

    func python(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + args
        let o = Pipe()
        p.standardOutput = o
        try p.run()
        let out = o.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func fetcher(cache: String = "cache", offline: Bool = false, user: (String, String)? = nil) throws -> ChartFetcher {
        var o = ChartFetcher.Options()
        o.plainHTTP = true
        o.offline = offline
        o.http.username = user?.0
        o.http.password = user?.1
        return try ChartFetcher(cache: ChartCache(root: dir + "/" + cache), options: o)
    }

    func push(_ f: ChartFetcher, version: String) async throws -> ChartPackager.Package {
        let p = try ChartPackager.package(directory: shop, version: version)
        let (ref, digest) = try await f.push(p.bytes, metadataJSON: try IndexWriter.metadataJSON(p.metadata), name: "shop", version: version,
                                             to: "oci://127.0.0.1:\(port)/charts")
        XCTAssertEqual(ref, "127.0.0.1:\(port)/charts/shop:\(version)")
        XCTAssertTrue(digest.hasPrefix("sha256:"))
        return p
    }

    func testPushThenPullExactRangeMissingAndOffline() async throws {
        try startRegistry()
        let f = try fetcher()
        let v1 = try await push(f, version: "1.0.0")
        let v2 = try await push(f, version: "1.1.0")
        let repo = "oci://127.0.0.1:\(port)/charts"
        var got = try await f.fetchOCI(repository: repo, name: "shop", version: "1.0.0")
        XCTAssertEqual(got.bytes, v1.bytes)
        XCTAssertFalse(got.fromCache)
        got = try await f.fetchOCI(repository: repo, name: "shop", version: ">=1.0.0")
        XCTAssertEqual(got.version.version, "1.1.0")
        XCTAssertEqual(got.bytes, v2.bytes)
        got = try await f.fetchOCI(repository: repo, name: "shop", version: "1.0.0")
        XCTAssertTrue(got.fromCache, "the second pull comes from the cache")
        do {
            _ = try await f.fetchOCI(repository: repo, name: "shop", version: "2.0.0")
            XCTFail("a missing version was found")
        } catch let e as SourceError {
            XCTAssertTrue("\(e)".contains("2.0.0") && "\(e)".contains("1.1.0"), "\(e)")
        }
        await f.shutdown()
        // Offline: the tag's digest and the chart come from the cache.
        let off = try fetcher(offline: true)
        let cached = try await off.fetchOCI(repository: repo, name: "shop", version: "1.0.0")
        XCTAssertEqual(cached.bytes, v1.bytes)
        await off.shutdown()
    }

    func testBasicAuthFromArgumentsAndAClearErrorWithout() async throws {
        try startRegistry(user: ("ci", "s3cret"))
        let anonymous = try fetcher(cache: "anon")
        do {
            _ = try await push(anonymous, version: "1.0.0")
            XCTFail("pushed without credentials")
        } catch let e as SourceError {
            XCTAssertTrue("\(e)".contains("401") && "\(e)".contains("127.0.0.1:\(port)"), "\(e)")
        }
        await anonymous.shutdown()
        let f = try fetcher(user: ("ci", "s3cret"))
        let p = try await push(f, version: "1.0.0")
        let got = try await f.fetchOCI(repository: "oci://127.0.0.1:\(port)/charts", name: "shop", version: "1.0.0")
        XCTAssertEqual(got.bytes, p.bytes)
        await f.shutdown()
    }

    func testBearerChallengeParameters() {
        let p = OCIRegistry.challengeParameters(#"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:charts/shop:pull""#)
        XCTAssertEqual(p["realm"], "https://auth.example.com/token")
        XCTAssertEqual(p["service"], "registry.example.com")
        XCTAssertEqual(p["scope"], "repository:charts/shop:pull")
    }
}
