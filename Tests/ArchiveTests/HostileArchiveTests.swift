import XCTest
import Archive
@testable import Chart

/// Archives made here to attack the loader: each must fail with a clear error naming the
/// archive, never crash or load half a chart.
final class HostileArchiveTests: XCTestCase {
    let chartYAML = Array("apiVersion: v2\nname: c\nversion: 1.0.0\n".utf8)
    let end = [UInt8](repeating: 0, count: 1024)

    func tgz(_ entries: [[UInt8]]) throws -> [UInt8] { try Gzip.compress(entries.flatMap { $0 } + end) }

    func loadError(_ bytes: [UInt8], limits: Tar.Limits = Tar.Limits()) -> String {
        do { _ = try ChartLoader.load(archive: bytes, name: "evil.tgz", limits: limits); return "loaded" }
        catch { return "\(error)" }
    }

    func testAWellFormedArchiveLoads() throws {
        let bytes = try tgz([Tar.entry("c/Chart.yaml", chartYAML), Tar.entry("c/templates/a.yaml", Array("a: 1\n".utf8))])
        let chart = try ChartLoader.load(archive: bytes, name: "ok.tgz")
        XCTAssertEqual(chart.name, "c")
        XCTAssertEqual(chart.templates.map(\.name), ["templates/a.yaml"])
    }

    func testPathTraversalAndAbsolutePathsAreRefused() throws {
        XCTAssertEqual(loadError(try tgz([Tar.entry("c/../../etc/passwd", [1])])), "evil.tgz: c/../../etc/passwd: path escapes the archive")
        XCTAssertEqual(loadError(try tgz([Tar.entry("/etc/passwd", [1])])), "evil.tgz: /etc/passwd: absolute paths are not allowed")
    }

    func testLinksAndDevicesAreRefused() throws {
        XCTAssertEqual(loadError(try tgz([Tar.entry("c/link", type: UInt8(ascii: "2"))])), "evil.tgz: c/link: links are not allowed in chart archives")
        XCTAssertTrue(loadError(try tgz([Tar.entry("c/dev", type: UInt8(ascii: "3"))])).contains("devices and special files are not allowed"))
    }

    func testAGzipBombStopsAtTheLimit() throws {
        let bomb = try Gzip.compress([UInt8](repeating: 0, count: 50 << 20))
        XCTAssertLessThan(bomb.count, 100_000)
        let limits = Tar.Limits(maxFileSize: 5 << 20, maxTotalSize: 10 << 20)
        XCTAssertEqual(loadError(bomb, limits: limits), "evil.tgz: decompressed size exceeds the limit of 10485760 bytes")
    }

    func testTruncatedAndCorruptArchivesFail() throws {
        let good = try tgz([Tar.entry("c/Chart.yaml", chartYAML)])
        XCTAssertEqual(loadError(Array(good.prefix(good.count / 2))), "evil.tgz: unexpected EOF (truncated gzip stream)")
        XCTAssertTrue(loadError(Array("not a gzip file at all".utf8)).hasPrefix("evil.tgz: gzip:"))
        let tar = Tar.entry("c/Chart.yaml", chartYAML)
        XCTAssertEqual(loadError(try Gzip.compress(Array(tar.prefix(600)))), "evil.tgz: tar: unexpected EOF (truncated archive)")
    }

    func testAHugeSizeFieldIsRefusedWithoutAllocating() throws {
        // 10 GB declared in the header, a few bytes present.
        let e = Tar.entry("c/big", [1, 2, 3], sizeField: String(10_000_000_000, radix: 8))
        XCTAssertEqual(loadError(try Gzip.compress(e)), "evil.tgz: tar: unexpected EOF (truncated archive)")
        let limits = Tar.Limits(maxFileSize: 1024, maxTotalSize: 1 << 20)
        let big = try tgz([Tar.entry("c/Chart.yaml", chartYAML), Tar.entry("c/large", [UInt8](repeating: 7, count: 4096))])
        XCTAssertEqual(loadError(big, limits: limits), "evil.tgz: c/large: file of 4096 bytes exceeds the limit of 1024 bytes")
    }
}
