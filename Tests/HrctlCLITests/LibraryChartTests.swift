import Foundation
import XCTest

/// A library chart is refused by template and install with helm's words and exit code, side by
/// side with the helm v4.3.1 CLI (bitnami's common is such a chart).
extension ChartCommandTests {
    func testLibraryChartsAreRefusedAsHelmRefusesThem() throws {
        let chart = dir + "/lib"
        try FileManager.default.createDirectory(atPath: chart + "/templates", withIntermediateDirectories: true)
        try "apiVersion: v2\nname: lib\nversion: 1.0.0\ntype: library\n".write(toFile: chart + "/Chart.yaml", atomically: true, encoding: .utf8)
        try "{{- define \"lib.name\" -}}lib{{- end -}}\n".write(toFile: chart + "/templates/_helpers.tpl", atomically: true, encoding: .utf8)
        for args in [["template", "demo", chart], ["install", "demo", chart, "--dry-run=client"]] {
            let h = try helm(args)
            let r = try hrctl(args)
            XCTAssertEqual(r.code, h.code, "\(args)")
            XCTAssertEqual(r.out, h.out, "\(args)")
            XCTAssertEqual(r.err.trimmingCharacters(in: .whitespacesAndNewlines), h.err.trimmingCharacters(in: .whitespacesAndNewlines), "\(args)")
        }
    }
}
