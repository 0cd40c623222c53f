import Foundation
import XCTest
import Chart
import ChartSource
import FileIO

final class PackageAndIndexTests: XCTestCase {
    let shop = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/charts/shop").path

    func testAPackagedChartLoadsAsItsFolderAndPacksToTheSameBytesEachTime() throws {
        let a = try ChartPackager.package(directory: shop)
        let b = try ChartPackager.package(directory: shop)
        XCTAssertEqual(a.fileName, "shop-1.0.0.tgz")
        XCTAssertEqual(a.bytes, b.bytes, "no timestamps: the same folder, the same digest")
        let packed = try ChartLoader.load(archive: a.bytes, name: a.fileName)
        let folder = try ChartLoader.load(directory: shop)
        XCTAssertEqual(packed.templates.map(\.name), folder.templates.map(\.name))
        XCTAssertEqual(packed.templates.map(\.data), folder.templates.map(\.data))
        XCTAssertEqual(packed.files.map(\.name), folder.files.map(\.name))
    }

    func testVersionOverridesAndAnIndexThatResolvesNewestFirst() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hrctl-index-\(getpid())").path
        try FileSystem.makeDirectories(dir)
        defer { FileSystem.removeTree(dir) }
        for v in ["1.0.0", "1.10.0", "1.2.0"] {
            let p = try ChartPackager.package(directory: shop, version: v, appVersion: "app-" + v)
            XCTAssertEqual(p.metadata.version, v)
            XCTAssertEqual(p.metadata.appVersion, "app-" + v)
            try FileSystem.write(dir + "/" + p.fileName, p.bytes)
        }
        let text = try IndexWriter.index(directory: dir, url: "https://charts.example.com/", created: "2026-01-01T00:00:00Z")
        let index = try RepositoryIndex.parse(Array(text.utf8), source: "index.yaml")
        XCTAssertEqual(index.entries["shop"]?.map(\.version), ["1.10.0", "1.2.0", "1.0.0"])
        let newest = try XCTUnwrap(index.entries["shop"]?.first)
        XCTAssertEqual(newest.urls, ["https://charts.example.com/shop-1.10.0.tgz"])
        XCTAssertEqual(newest.digest, ChartCache.sha256(try FileSystem.read(dir + "/shop-1.10.0.tgz")))
        XCTAssertEqual(newest.appVersion, "app-1.10.0")
    }

    func testABrokenChartIsNotPackaged() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hrctl-badpkg-\(getpid())").path
        try FileSystem.makeDirectories(dir + "/templates")
        defer { FileSystem.removeTree(dir) }
        try FileSystem.write(dir + "/Chart.yaml", Array("apiVersion: v2\nname: bad\n".utf8))
        XCTAssertThrowsError(try ChartPackager.package(directory: dir)) { e in
            XCTAssertTrue("\(e)".contains("version"), "\(e)")
        }
    }
}
