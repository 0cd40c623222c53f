import Foundation
import XCTest
import ChartSource
import FileIO

/// hrctl's image without Docker: an OCI image layout, reproducible, that runs (in a chroot of its
/// layer) and that a real registry (Debian's docker-registry) takes and gives back by digest.
/// A small dynamically linked program (/bin/echo) stands in for hrctl's binary: the same code
/// path (its shared objects from ldd), seconds instead of the minutes a 90 MB layer takes to gzip.
final class OCIImageTests: XCTestCase {
    let program = "/bin/echo"
    let caBundle = "/etc/ssl/certs/ca-certificates.crt"
    var dir = ""
    var registry: Process?

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: program) && FileManager.default.fileExists(atPath: caBundle), "no \(program) or \(caBundle)")
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hrctl-image-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileSystem.makeDirectories(dir)
    }

    override func tearDown() {
        registry?.terminate()
        registry?.waitUntilExit()
        FileSystem.removeTree(dir)
    }

    func image(created: String? = "2026-01-02T03:04:05Z") throws -> OCIImage {
        try OCIImage.hrctl(binary: program, libraries: try OCIImage.sharedLibraries(of: program), caBundle: caBundle, version: "0.1.0",
                           revision: "0123456789abcdef", created: created, source: "https://example.com/hrctl")
    }

    func run(_ program: String, _ args: [String]) throws -> (Int32, String) {
        let r = try Subprocess.run(program, args)
        return (r.status, String(decoding: r.out + r.err, as: UTF8.self))
    }

    func testTheSameBinaryGivesTheSameBytesAndTheLayoutReadsBack() throws {
        let a = try image().build(), b = try image().build()
        XCTAssertEqual(a, b)
        try OCIImage.writeLayout(a, tag: "0.1.0", to: dir + "/one")
        try OCIImage.writeLayout(b, tag: "0.1.0", to: dir + "/two")
        let (status, diff) = try run("diff", ["-r", dir + "/one", dir + "/two"])
        XCTAssertEqual(status, 0, diff)
        let (back, tag) = try OCIImage.readLayout(dir + "/one")
        XCTAssertEqual(back, a)
        XCTAssertEqual(tag, "0.1.0")
        // Another time is another image; the files' bytes alone decide the layer otherwise.
        XCTAssertNotEqual(try image(created: "2026-01-02T03:04:06Z").build().manifest.digest, a.manifest.digest)

        // The config, as a runtime reads it.
        let config = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(a.config.bytes)) as? [String: Any])
        let c = try XCTUnwrap(config["config"] as? [String: Any])
        XCTAssertEqual(c["Entrypoint"] as? [String], ["/usr/local/bin/hrctl"])
        XCTAssertEqual(c["User"] as? String, "65532:65532")
        XCTAssertTrue((c["Env"] as? [String] ?? []).contains("SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"))
        let labels = try XCTUnwrap(c["Labels"] as? [String: String])
        XCTAssertEqual(labels["org.opencontainers.image.version"], "0.1.0")
        XCTAssertEqual(labels["org.opencontainers.image.revision"], "0123456789abcdef")
        XCTAssertEqual(labels["org.opencontainers.image.created"], "2026-01-02T03:04:05Z")
        let rootfs = try XCTUnwrap(config["rootfs"] as? [String: Any])
        let (_, uncompressed) = try run("sh", ["-c", "gzip -dc \(dir)/one/blobs/sha256/\(a.layer.digest.dropFirst(7)) | sha256sum"])
        XCTAssertEqual(rootfs["diff_ids"] as? [String], ["sha256:" + uncompressed.prefix(64)])

        // The layer, as Python's tarfile reads it: owners, modes and one time throughout.
        let script = """
            import tarfile, sys
            t = tarfile.open(sys.argv[1])
            for m in t.getmembers():
                print(m.name, oct(m.mode), m.uid, m.gid, m.mtime, m.type.decode())
            """
        let (code, listing) = try run("python3", ["-c", script, dir + "/one/blobs/sha256/" + a.layer.digest.dropFirst(7)])
        XCTAssertEqual(code, 0, listing)
        let rows = Dictionary(listing.split(separator: "\n").map { line -> (String, [String]) in
            let w = line.split(separator: " ").map(String.init); return (w[0], Array(w.dropFirst()))
        }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(rows["usr/local/bin/hrctl"]?[0], "0o755")
        XCTAssertEqual(rows["tmp"]?[0], "0o1777")
        XCTAssertEqual(rows["home/nonroot"]?[1], "65532")
        XCTAssertNotNil(rows["etc/ssl/certs/ca-certificates.crt"])
        XCTAssertEqual(Set(rows.values.map { $0[3] }), ["1767323045"])
        let names = listing.split(separator: "\n").map { String($0.split(separator: " ")[0]) }
        XCTAssertEqual(names, names.sorted())
    }

    /// The layer holds all the program needs: unpacked, it runs in a chroot as the image's user.
    func testTheLayerRunsInAChrootAsTheNonRootUser() throws {
        try XCTSkipUnless(getuid() == 0, "chroot needs root")
        let built = try image().build()
        try OCIImage.writeLayout(built, tag: "t", to: dir + "/layout")
        try FileSystem.makeDirectories(dir + "/root")
        var (code, out) = try run("tar", ["-xzf", dir + "/layout/blobs/sha256/" + built.layer.digest.dropFirst(7), "-C", dir + "/root"])
        XCTAssertEqual(code, 0, out)
        (code, out) = try run("chroot", ["--userspec=65532:65532", dir + "/root", "/usr/local/bin/hrctl", "runs", "in", "its", "image"])
        XCTAssertEqual(code, 0, out)
        XCTAssertEqual(out, "runs in its image\n")
    }

    func testPushedToARealRegistryAndPulledBackByDigest() throws {
        let port = try startRegistry()
        let built = try image().build()
        try OCIImage.writeLayout(built, tag: "0.1.0", to: dir + "/layout")
        let (layout, tag) = try OCIImage.readLayout(dir + "/layout")
        let http = try HTTPFetcher()
        let registry = OCIRegistry(http: http, plainHTTP: true)
        let ref = OCIRegistry.Reference(host: "127.0.0.1:\(port)", repository: "hrctl/hrctl")
        let exp = expectation(description: "push and pull")
        nonisolated(unsafe) var outcome: Result<(String, OCIImage.Built, OCIImage.Built), Error>?
        Task {
            do {
                let digest = try await registry.push(image: layout, tag: tag ?? "", to: ref)
                // Twice: the blobs the registry has are not sent again, and the digest is the same.
                _ = try await registry.push(image: layout, tag: tag ?? "", to: ref)
                let byDigest = try await registry.pull(image: digest, from: ref)
                let byTag = try await registry.pull(image: "0.1.0", from: ref)
                outcome = .success((digest, byDigest, byTag))
            } catch { outcome = .failure(error) }
            await http.shutdown()
            exp.fulfill()
        }
        wait(for: [exp], timeout: 60)
        let (digest, byDigest, byTag) = try XCTUnwrap(outcome).get()
        XCTAssertEqual(digest, built.manifest.digest)
        XCTAssertEqual(byDigest, built)
        XCTAssertEqual(byTag, built)
        XCTAssertEqual(byDigest.layer.mediaType, OCIImage.layerType)
        XCTAssertEqual(byDigest.config.mediaType, OCIImage.configType)
        // The registry's own view: the tag lists, and its digest header names the same manifest.
        let (code, head) = try run("curl", ["-sfI", "-H", "Accept: application/vnd.oci.image.manifest.v1+json", "http://127.0.0.1:\(port)/v2/hrctl/hrctl/manifests/0.1.0"])
        XCTAssertEqual(code, 0, head)
        XCTAssertTrue(head.lowercased().contains("docker-content-digest: \(digest)"), head)
    }

    /// Debian's docker-registry on a free loopback port (as OCIRegistryTests starts it).
    func startRegistry() throws -> Int {
        let binary = "/usr/bin/docker-registry"
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: binary), "docker-registry is not installed (.ci/run installs it)")
        for _ in 0..<5 {
            let port = 20000 + Int.random(in: 0..<20000)
            try FileSystem.write(dir + "/config.yml", Array("""
            version: 0.1
            log: {level: error, accesslog: {disabled: true}}
            storage:
              filesystem: {rootdirectory: \(dir)/storage}
            http:
              addr: 127.0.0.1:\(port)

            """.utf8))
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = ["serve", dir + "/config.yml"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            registry = p
            for _ in 0..<50 {
                if !p.isRunning { break }
                if (try? Data(contentsOf: URL(fileURLWithPath: "/proc/net/tcp")))
                    .map({ String(decoding: $0, as: UTF8.self).contains(String(format: ":%04X 00000000:0000 0A", port)) }) == true { return port }
                usleep(100_000)
            }
            p.terminate()
            p.waitUntilExit()
        }
        throw XCTSkip("the registry did not start")
    }
}
