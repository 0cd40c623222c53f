import Foundation
import XCTest
import ChartSource
import Chart
import KubeTestServer
import FileIO

/// Repositories served from ../shared/repo over HTTP on 127.0.0.1, git repositories made in a
/// temporary folder, and the cache between them.
final class ChartSourceTests: XCTestCase {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let sharedRepo = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/repo").path

    var tmp = ""
    override func setUp() {
        tmp = NSTemporaryDirectory() + "hrctl-src-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: tmp) }

    func serve() throws -> (StaticServer, String) {
        let s = StaticServer(root: Self.sharedRepo)
        let port = try s.start()
        return (s, "http://127.0.0.1:\(port)")
    }

    func fetcher(offline: Bool = false) throws -> ChartFetcher {
        var o = ChartFetcher.Options()
        o.offline = offline
        return try ChartFetcher(cache: ChartCache(root: tmp + "/cache"), options: o)
    }

    func testResolvesExactVersionsRangesAndTheNewestAndDownloadsWithTheDigestChecked() async throws {
        let (server, url) = try serve()
        defer { server.stop() }
        let f = try fetcher()
        let exact = try await f.fetch(repository: url, name: "rabbitmq", version: "6.16.6")
        XCTAssertEqual(exact.version.version, "6.16.6")
        XCTAssertEqual(exact.url, url + "/rabbitmq-6.16.6.tgz")
        XCTAssertEqual(try ChartLoader.load(archive: exact.bytes, name: "x").metadata.version, "6.16.6")
        let range = try await f.fetch(repository: url, name: "rabbitmq", version: "~6.10")
        XCTAssertEqual(range.version.version, "6.10.0")
        let newest = try await f.fetch(repository: url + "/", name: "rabbitmq", version: "")
        XCTAssertEqual(newest.version.version, "6.18.2")
        // Second time: the index is revalidated (304) and the chart comes from the cache.
        let again = try await f.fetch(repository: url, name: "rabbitmq", version: "6.16.6")
        XCTAssertTrue(again.fromCache)
        XCTAssertTrue(server.log.contains("GET /index.yaml 304"), "\(server.log)")
        XCTAssertEqual(server.log.filter { $0.hasPrefix("GET /rabbitmq-6.16.6.tgz") }.count, 1)
        await f.shutdown()
        // Offline: only the cache.
        let off = try fetcher(offline: true)
        let cached = try await off.fetch(repository: url, name: "rabbitmq", version: "6.16.6")
        XCTAssertTrue(cached.fromCache)
        do { _ = try await off.fetch(repository: url, name: "nginx", version: "22.1.1"); XCTFail() } catch {
            XCTAssertEqual("\(error)", "--offline: chart nginx 22.1.1 is not in the cache")
        }
        await off.shutdown()
    }

    func testAMissingVersionNamesTheRepositoryAndTheVersionsThatExist() async throws {
        let (server, url) = try serve()
        defer { server.stop() }
        let f = try fetcher()
        do { _ = try await f.fetch(repository: url, name: "jenkins", version: "3.3.6"); XCTFail() } catch {
            XCTAssertEqual("\(error)", "chart \"jenkins\" version \"3.3.6\" not found in repository \(url); available versions: 2.5.4")
        }
        do { _ = try await f.fetch(repository: url, name: "rabbit", version: "1.0.0"); XCTFail() } catch {
            XCTAssertEqual("\(error)", "chart \"rabbit\" not found in repository \(url) (similar names: rabbitmq)")
        }
        await f.shutdown()
    }

    func testDigestMismatchBadIndexAndUnreachableServerFailClearlyAndLeaveTheCacheClean() async throws {
        let (server, url) = try serve()
        defer { server.stop() }
        server.overrides["/nginx-22.1.1.tgz"] = try FileSystem.read(Self.sharedRepo + "/jenkins-2.5.4.tgz")
        let f = try fetcher()
        do { _ = try await f.fetch(repository: url, name: "nginx", version: "22.1.1"); XCTFail() } catch {
            XCTAssertTrue("\(error)".hasPrefix("chart \(url)/nginx-22.1.1.tgz does not match the repository index: digest sha256:"), "\(error)")
        }
        XCTAssertEqual((try? FileSystem.list(tmp + "/cache/charts")) ?? [], [])
        await f.shutdown()

        let bad = StaticServer(root: Self.sharedRepo)
        bad.overrides["/index.yaml"] = Array("apiVersion: v1\nentries:\n  x: [\n".utf8)
        let badURL = "http://127.0.0.1:\(try bad.start())"
        defer { bad.stop() }
        var quick = ChartFetcher.Options()
        quick.http.connectTimeoutSeconds = 1
        let g = try ChartFetcher(cache: ChartCache(root: tmp + "/cache2"), options: quick)
        do { _ = try await g.fetch(repository: badURL, name: "x", version: ""); XCTFail() } catch {
            XCTAssertTrue("\(error)".hasPrefix("repository index \(badURL)/index.yaml is not valid: line "), "\(error)")
        }
        XCTAssertEqual(FileSystem.kind(tmp + "/cache2/indexes"), .missing)
        do { _ = try await g.fetch(repository: "http://127.0.0.1:1", name: "x", version: ""); XCTFail() } catch {
            XCTAssertTrue("\(error)".hasPrefix("cannot download http://127.0.0.1:1/index.yaml: "), "\(error)")
        }
        await g.shutdown()
    }

    func testTheRetiredStableRepositoryIsMappedToItsNewHome() {
        XCTAssertEqual(ChartFetcher.canonicalRepository("https://kubernetes-charts.storage.googleapis.com/").url, "https://charts.helm.sh/stable")
        XCTAssertEqual(ChartFetcher.absolute("/charts/x.tgz", base: "https://h.example/repo"), "https://h.example/charts/x.tgz")
        XCTAssertEqual(ChartFetcher.absolute("x.tgz", base: "https://h.example/repo"), "https://h.example/repo/x.tgz")
    }

    func git(_ args: [String], in dir: String) throws {
        let r = try Subprocess.run("git", ["-C", dir] + args, environment: Subprocess.environment.merging([
            "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"]) { $1 })
        XCTAssertEqual(r.status, 0, String(decoding: r.err, as: UTF8.self))
    }

    func testChartsFromGitAtARefAndPathAreClonedOnceAndUpdated() throws {
        try XCTSkipIf(Subprocess.find("git", environment: Subprocess.environment) == nil, "git is not installed")
        let work = tmp + "/work"
        try FileManager.default.createDirectory(atPath: work + "/charts", withIntermediateDirectories: true)
        try git(["init", "--quiet", "-b", "main"], in: work)
        try FileManager.default.copyItem(atPath: Self.repoRoot.appendingPathComponent("Fixtures/charts/shop").path, toPath: work + "/charts/shop")
        try git(["add", "."], in: work)
        try git(["commit", "--quiet", "-m", "one"], in: work)
        try git(["tag", "v1"], in: work)
        let f = try fetcher()
        let dir = try f.git(url: "file://" + work, ref: "main", path: "charts/shop")
        XCTAssertEqual(try ChartLoader.load(directory: dir).metadata.version, "1.0.0")
        try "apiVersion: v2\nname: shop\nversion: 1.1.0\n".write(toFile: work + "/charts/shop/Chart.yaml", atomically: true, encoding: .utf8)
        try git(["commit", "--quiet", "-am", "two"], in: work)
        XCTAssertEqual(try ChartLoader.load(directory: try f.git(url: "file://" + work, ref: "main", path: "charts/shop")).metadata.version, "1.1.0")
        XCTAssertEqual(try ChartLoader.load(directory: try f.git(url: "file://" + work, ref: "v1", path: "charts/shop")).metadata.version, "1.0.0")
        XCTAssertThrowsError(try f.git(url: "file://" + work, ref: "nope", path: "charts/shop"))
        XCTAssertThrowsError(try f.git(url: "file://" + work, ref: "main", path: "charts/other")) { e in
            XCTAssertEqual("\(e)", "file://\(work) at main has no folder charts/other")
        }
    }

    func testTheCacheEvictsTheLeastRecentlyUsedAndRemovesLeftovers() throws {
        let cache = ChartCache(root: tmp + "/c", maxBytes: 2500)
        let a = try cache.storeChart([UInt8](repeating: 1, count: 1000))
        sleep(1)
        let b = try cache.storeChart([UInt8](repeating: 2, count: 1000))
        sleep(1)
        XCTAssertNotNil(cache.chart(digest: a))  // a is now the most recently used
        // A leftover of a write interrupted two hours ago goes; one being written right now stays.
        try FileSystem.write(tmp + "/c/charts/x.tgz.tmp.1.2", [0, 1])
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-7200)], ofItemAtPath: tmp + "/c/charts/x.tgz.tmp.1.2")
        try FileSystem.write(tmp + "/c/charts/y.tgz.tmp.3.4", [0, 1])
        _ = try cache.storeChart([UInt8](repeating: 3, count: 1000))
        XCTAssertNotNil(cache.chart(digest: a))
        XCTAssertNil(cache.chart(digest: b))
        XCTAssertEqual(try FileSystem.list(tmp + "/c/charts").filter { $0.contains(".tmp.") }, ["y.tgz.tmp.3.4"])
    }

    /// Workers sharing a cache store indexes while each prunes: none loses its temporary file
    /// to another's prune (`ChartFetchFailed … .etag: No such file or directory`).
    func testConcurrentWritersPruningTheCacheNeverFail() async throws {
        let cache = ChartCache(root: tmp + "/shared", maxBytes: 1 << 20)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<8 {
                group.addTask {
                    for i in 0..<150 { try cache.storeIndex(url: "http://repo/\(w)/\(i % 3)", bytes: [UInt8](repeating: UInt8(i & 255), count: 2000), etag: "\"e\(i)\"") }
                }
            }
            try await group.waitForAll()
        }
        XCTAssertEqual(cache.index(url: "http://repo/0/2")?.etag, "\"e149\"")
    }

    /// A server that sends no ETag: the index is revalidated with If-Modified-Since (304), not
    /// downloaded again; with a TTL it is not asked at all.
    func testAnIndexWithoutETagIsRevalidatedByItsDateAndKeptForTheTTL() async throws {
        let s = StaticServer(root: Self.sharedRepo)
        s.sendsETags = false
        let port = try s.start()
        defer { s.stop() }
        let url = "http://127.0.0.1:\(port)"
        let f = try fetcher()
        for _ in 0..<3 { _ = try await f.fetch(repository: url, name: "rabbitmq", version: "6.10.0") }
        XCTAssertEqual(s.log.filter { $0.hasPrefix("GET /index.yaml") }, ["GET /index.yaml 200", "GET /index.yaml 304", "GET /index.yaml 304"])
        await f.shutdown()
        var o = ChartFetcher.Options()
        o.indexTTL = 60
        let cached = try ChartFetcher(cache: ChartCache(root: tmp + "/cache"), options: o)
        for _ in 0..<3 { _ = try await cached.fetch(repository: url, name: "rabbitmq", version: "6.10.0") }
        XCTAssertEqual(s.log.filter { $0.hasPrefix("GET /index.yaml") }.count, 4, "\(s.log)")
        await cached.shutdown()
    }
}
