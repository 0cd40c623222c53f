import XCTest
import Chart
import Engine
import Values

/// Differences from helm v4.3.1 found on real charts (argo-workflows, promtail, external-secrets,
/// istio-base), reduced. Expected outputs are what `helm template` printed for the same text.
final class RealChartRegressionTests: XCTestCase {
    func render(_ text: String, values: String = "", files: [(String, String)] = []) throws -> String {
        var all: [(String, [UInt8])] = [
            ("Chart.yaml", Array("apiVersion: v2\nname: c\nversion: 0.1.0\n".utf8)),
            ("values.yaml", Array(values.utf8)),
        ]
        all += files.map { ($0.0, Array($0.1.utf8)) }
        let chart = try ChartLoader.load(files: all, source: "test")
        let (prepared, vals) = try Renderer.prepare(chart: chart, user: Map([:]))
        return try Renderer.renderOne(prepared, values: vals, name: "templates/t.yaml", text: text)
    }

    /// Go parses and runs a new, empty template for `tpl ""`; it must not run the outer text again.
    func testTplOfEmptyTextInsideTplRendersNothing() throws {
        XCTAssertEqual(try render(#"{{ tpl "{{ tpl \"\" . }}x" . }}"#), "x")
        XCTAssertEqual(try render(#"{{ tpl "{{ tpl \" \" . }}x" . }}"#), " x")
        // argo-workflows: an empty existingSecret value through common's tpl.
        XCTAssertEqual(try render(#"{{ tpl "{{ tpl .Values.s $ }}-{{ .Values.k }}" $ }}"#, values: "s: \"\"\nk: 1\n"), "-1")
    }

    func testListFunctionsTakeAPIVersionsAndOtherListLikeValues() throws {
        XCTAssertEqual(try render(#"{{ has "v1" .Capabilities.APIVersions }} {{ has "monitoring.coreos.com/v1/ServiceMonitor" .Capabilities.APIVersions }}"#),
                       "true false")
        XCTAssertEqual(try render(#"{{ first .Capabilities.APIVersions }} {{ .Capabilities.APIVersions.Has "apps/v1" }} {{ typeOf .Capabilities.APIVersions }} {{ kindOf .Capabilities.APIVersions }}"#),
                       "v1 true common.VersionSet slice")
        XCTAssertEqual(try render(#"{{ has "b" (.Files.Lines "f.txt") }} {{ has "b" (splitList "," "a,b") }} {{ last (.Files.Lines "f.txt") }} {{ join "+" (.Files.Lines "f.txt") }}"#,
                                  files: [("f.txt", "a\nb\n")]),
                       "true true b a+b")
    }

    func testToYamlOrdersKeysAsGoYaml() throws {
        XCTAssertEqual(try render(#"{{ dict "a_b" 1 "aB" 2 "a1" 3 "a10" 4 "a2" 5 | toYaml }}"#),
                       "a_b: 1\na1: 3\na2: 5\na10: 4\naB: 2")
        // toYamlPretty is yaml.v3: after a shared digit a letter comes before a non-letter.
        XCTAssertEqual(try render(#"{{ dict "1a" 1 "1_" 2 | toYaml | nospace }} {{ dict "1a" 1 "1_" 2 | toYamlPretty | nospace }}"#),
                       "\"1_\":21a:1 1a:1\"1_\":2")
    }
}
