import Foundation
import XCTest
import KubeTestServer

/// helm's chart-path flags on show and pull (--devel) and show values --jsonpath, side by side
/// with the official helm CLI.
extension ChartCommandTests {
    func testShowValuesJSONPathPrintsWhatHelmPrints() throws {
        let chart = Self.fixtures + "/jsonpath-values"
        // Each run costs both CLIs a start, so the expressions that evaluate are joined into a
        // few templates (text between them is printed as it is).
        let working = [
            "{.x}", "{.big}", "{.num}", "{.f}", "{.neg}", "{.b}", "{.nul}", "{.m}", "{.m.a}", "{.html}", "{@}", "{$.num}",
            "{.list[*].name}", "{.list[0]['name']}", "{.list[-1:]}", "{.list[0:2:2].name}", "{.list[0,1].name}", "{.m.a[*]}",
            "{..name}", "{..k}", "{.m[\"z\"]}", "{.str2}{\"\\t\"}{.b}", "{\"a\\x41\\u00e9\"}", "{ .x }", "{'q'}",
            "{.list[?(@.port>100.0)].name}", "{.list[?(@.name==\"b\")].port}", "{.list[?(@.port)].name}", "{.list[?(@.name != \"a\")].name}",
        ]
        let templates = [
            working.joined(separator: "|"),
            "{range .list[*]}{.name}={.port}{\"\\n\"}{end}|{range .list[*]}{.name}{end}{.x}|{range .m.a[*]}<{@}>{end}",
            // Evaluation errors: helm prints nothing and succeeds.
            "{.x}{.missing}", "{.x.y}", "{.list[5]}", "{.list[1:5]}", "{end}", "{.list[?(@.port>100)].name}",
            // Parse errors: helm's message.
            "{.x", "{.list[?(@.name=~\"^a\")].port}", "{.list[x]}",
        ]
        for t in templates {
            let h = try helm(["show", "values", chart, "--jsonpath", t])
            let r = try hrctl(["show", "values", chart, "--jsonpath", t])
            XCTAssertEqual(r.code, h.code, "exit code of \(t): \(r.err)")
            XCTAssertEqual(r.out, h.out, "output of \(t)")
            XCTAssertEqual(r.err, h.err, "error of \(t)")
        }
        // Without a template (or an empty one), values.yaml as written.
        try assertSameAsHelm(["show", "values", chart, "--jsonpath", ""])
    }

    func testDevelChoosesPrereleasesAsHelmDoes() throws {
        let repo = dir + "/devel-repo"
        let src = try copyFixture("jsonpath-values", to: dir + "/src")
        for v in ["0.1.0", "0.2.0-rc.1"] { XCTAssertEqual(try helm(["package", src, "--version", v, "-d", repo]).code, 0) }
        XCTAssertEqual(try helm(["repo", "index", repo]).code, 0)
        let s = StaticServer(root: repo)
        let url = "http://127.0.0.1:\(try s.start())"
        server = s
        for args in [["show", "chart", "--repo", url, "jsonpath-values"], ["show", "chart", "--repo", url, "jsonpath-values", "--devel"],
                     ["show", "chart", "--repo", url, "jsonpath-values", "--devel", "--version", "0.1.0"],
                     ["show", "values", "--repo", url, "jsonpath-values", "--devel", "--jsonpath", "{.f}"]] {
            try assertSameAsHelm(args)
        }
        XCTAssertTrue(try hrctl(["show", "chart", "--repo", url, "jsonpath-values", "--devel"]).out.contains("version: 0.2.0-rc.1"))
        let h = dir + "/helm-pull", r = dir + "/hrctl-pull"
        for d in [h, r] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        let pull = ["pull", "--repo", url, "jsonpath-values", "--devel"]
        XCTAssertEqual(try hrctl(pull, cwd: r).code, try helm(pull, cwd: h).code)
        XCTAssertEqual(try tree(r), try tree(h))
        XCTAssertEqual(try tree(r).map { String($0.prefix { $0 != " " }) }, ["jsonpath-values-0.2.0-rc.1.tgz"])
    }
}
