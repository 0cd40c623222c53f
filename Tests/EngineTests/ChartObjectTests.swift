import XCTest
import Chart
import Engine
import Values

/// `.Chart` is the metadata as a map, as Helm v4 passes it to templates.
final class ChartObjectTests: XCTestCase {
    func testAFieldTheMetadataLacksRendersEmpty() throws {
        let chart = try ChartLoader.load(files: [
            ("Chart.yaml", Array("apiVersion: v2\nname: c\nversion: 1.2.3\n".utf8)),
        ], source: "test")
        let out = try Renderer.renderOne(chart, values: Map([:]), name: "templates/t.yaml",
                                         text: "[{{ .Chart.Nope }}] {{ typeOf .Chart }} {{ .Chart.Name }}")
        XCTAssertEqual(out, "[] map[string]interface {} c")
    }
}
