import XCTest
import Chart
import Engine
import Values

/// Helm executes a chart's templates one after another in its parse order (deepest paths
/// first, then reverse alphabetical), so a template that changes `.Values` or `$` is seen by
/// the ones after it in that order. hrctl runs templates side by side when they only read
/// what they share, and must give the same output when they do not. Expected outputs are what
/// helm v4.3.1 `template` printed for the same charts.
final class ExecutionOrderTests: XCTestCase {
    func chart(_ templates: [(String, String)], sub: [(String, String)] = []) throws -> Chart {
        var files: [(String, [UInt8])] = [
            ("Chart.yaml", Array("apiVersion: v2\nname: ord\nversion: 0.1.0\n".utf8)),
            ("values.yaml", Array("trail: start\n".utf8)),
        ]
        files += templates.map { ("templates/" + $0.0, Array($0.1.utf8)) }
        if !sub.isEmpty {
            files.append(("charts/sub/Chart.yaml", Array("apiVersion: v2\nname: sub\nversion: 0.1.0\n".utf8)))
            files += sub.map { ("charts/sub/templates/" + $0.0, Array($0.1.utf8)) }
        }
        return try ChartLoader.load(files: files, source: "test")
    }

    func render(_ c: Chart) throws -> [String: String] {
        let (prepared, values) = try Renderer.prepare(chart: c, user: Map([:]))
        return try Renderer.render(prepared, values: values)
    }

    func testAChangeToValuesIsSeenByTheTemplatesHelmRunsAfterIt() throws {
        let out = try render(try chart([
            ("a.yaml", #"{{- $_ := set .Values "trail" (printf "%s>a" .Values.trail) }}a: {{ .Values.trail }}"#),
            ("b.yaml", #"{{- $_ := set .Values "trail" (printf "%s>b" .Values.trail) }}b: {{ .Values.trail }}"#),
            ("c.yaml", #"{{- $_ := set $ "seen" "yes" }}c: {{ .Values.trail }} {{ $.seen }}"#),
            ("d.yaml", #"d: {{ .Values.sub.touched }} {{ $.seen }}"#),
        ], sub: [("s.yaml", #"{{- $_ := set .Values "touched" "bysub" }}s: {{ $.seen }}"#)]))
        XCTAssertEqual(out["ord/charts/sub/templates/s.yaml"], "s: ")
        XCTAssertEqual(out["ord/templates/d.yaml"], "d: bysub ")
        XCTAssertEqual(out["ord/templates/c.yaml"], "c: start yes")
        XCTAssertEqual(out["ord/templates/b.yaml"], "b: start>b")
        XCTAssertEqual(out["ord/templates/a.yaml"], "a: start>b>a")
    }

    /// Twelve templates: enough to run side by side; `g` changes `.Values` and `$`, `k` only a
    /// dict of its own.
    func manyTemplates(failing: [String: String] = [:]) throws -> Chart {
        var templates: [(String, String)] = []
        for t in "abcdefghijkl" {
            let name = "\(t).yaml"
            var text = "\(t): {{ .Values.trail }} {{ .Template.Name }} {{ $.mark | default \"-\" }}"
            if t == "g" { text = #"{{- $_ := set .Values "trail" (printf "%s>g" .Values.trail) }}{{- $_ := set $ "mark" "g" }}g: {{ .Values.trail }}"# }
            if t == "k" { text = #"{{- $d := dict "x" 1 }}{{- $_ := set $d "y" 2 }}k: {{ toJson $d }} {{ .Values.trail }}"# }
            templates.append((name, failing[name] ?? text))
        }
        return try chart(templates, sub: [("s.yaml", #"s: {{ toJson .Values }} {{ .Template.BasePath }}"#)])
    }

    func testTemplatesRunSideBySideGiveTheOutputOfHelmsOrder() throws {
        let out = try render(try manyTemplates())
        XCTAssertEqual(out["ord/charts/sub/templates/s.yaml"], #"s: {"global":{}} ord/charts/sub/templates"#)
        for t in "abcdef" { XCTAssertEqual(out["ord/templates/\(t).yaml"], "\(t): start>g ord/templates/\(t).yaml g") }
        XCTAssertEqual(out["ord/templates/g.yaml"], "g: start>g")
        for t in "hijl" { XCTAssertEqual(out["ord/templates/\(t).yaml"], "\(t): start ord/templates/\(t).yaml -") }
        XCTAssertEqual(out["ord/templates/k.yaml"], #"k: {"x":1,"y":2} start"#)
    }

    func testTheValuesAreLeftAsTheTemplatesInHelmsOrderLeftThem() throws {
        let (prepared, values) = try Renderer.prepare(chart: try manyTemplates(), user: Map([:]))
        _ = try Renderer.render(prepared, values: values)
        XCTAssertEqual(values.entries["trail"]?.stringValue, "start>g")
        _ = try Renderer.render(prepared, values: values)
        XCTAssertEqual(values.entries["trail"]?.stringValue, "start>g>g")
    }

    func testTheErrorIsTheFirstFailingTemplateInHelmsOrder() throws {
        let c = try manyTemplates(failing: ["b.yaml": #"{{ fail "b failed" }}"#, "j.yaml": #"{{ fail "j failed" }}"#])
        XCTAssertThrowsError(try render(c)) { e in
            XCTAssertEqual("\(e)", "execution error at (ord/templates/j.yaml:1:3): j failed")
        }
    }

    /// Twenty templates, three of which change `.Values` at points spread through Helm's order
    /// (t19 runs first, t00 last): each reader sees exactly the changes made before it.
    func testSeveralChangesSpreadThroughTheOrderAreEachSeenByTheTemplatesAfterThem() throws {
        let writers: Set<Int> = [15, 10, 5]
        var templates: [(String, String)] = []
        for i in 0..<20 {
            let name = String(format: "t%02d.yaml", i)
            let text = writers.contains(i)
                ? #"{{- $_ := set .Values "trail" (printf "%s>\#(i)" .Values.trail) }}w: {{ .Values.trail }}"#
                : "r: {{ .Values.trail }}"
            templates.append((name, text))
        }
        let out = try render(try chart(templates))
        for i in 0..<20 {
            let seen = writers.filter { $0 >= i }.sorted(by: >).map { ">\($0)" }.joined()
            let prefix = writers.contains(i) ? "w" : "r"
            XCTAssertEqual(out[String(format: "ord/templates/t%02d.yaml", i)], "\(prefix): start\(seen)", "t\(i)")
        }
    }

    /// Setting a shared value to what it already holds changes nothing for the templates after it.
    func testSettingAValueToWhatItHoldsLeavesItForTheOthers() throws {
        var templates: [(String, String)] = []
        for i in 0..<12 {
            templates.append((String(format: "t%02d.yaml", i), #"{{- $_ := set .Values "trail" .Values.trail }}{{- $_ := set $ "seen" (default "x" $.seen) }}t: {{ .Values.trail }} {{ $.seen }}"#))
        }
        let out = try render(try chart(templates))
        for i in 0..<12 { XCTAssertEqual(out[String(format: "ord/templates/t%02d.yaml", i)], "t: start x") }
    }

    /// Aliases of one subchart share their parsed templates, yet an error names the alias's own
    /// file and the file of the definition Helm kept (the one parsed last): helm v4.3.1's message.
    func testAnErrorInAnAliasedSubchartNamesTheAliasFiles() throws {
        let files: [(String, [UInt8])] = [
            ("Chart.yaml", Array("apiVersion: v2\nname: u\nversion: 0.1.0\ndependencies:\n- name: sub\n  version: 0.1.0\n  alias: one\n- name: sub\n  version: 0.1.0\n  alias: two\n".utf8)),
            ("charts/sub/Chart.yaml", Array("apiVersion: v2\nname: sub\nversion: 0.1.0\n".utf8)),
            ("charts/sub/templates/t.yaml", Array("a: 1\n{{- define \"x\" }}{{ .Values.q.r }}{{ end }}\nb: {{ include \"x\" . }}\n".utf8)),
        ]
        XCTAssertThrowsError(try render(try ChartLoader.load(files: files, source: "test"))) { e in
            XCTAssertEqual("\(e)", """
                u/charts/two/templates/t.yaml:3:6
                  executing "u/charts/two/templates/t.yaml" at <include "x" .>:
                    error calling include:
                u/charts/one/templates/t.yaml:2:27
                  executing "x" at <.Values.q.r>:
                    nil pointer evaluating interface {}.r
                """)
        }
    }
}
