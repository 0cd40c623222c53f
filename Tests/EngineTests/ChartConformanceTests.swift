import Foundation
import XCTest
import Engine
import Chart
import Values
import YAML

/// The real-chart corpus of ../shared/charts rendered as `helm template` renders it, compared
/// with Helm's own output (lines Helm itself varies between runs excepted). Known failures
/// are listed with their reasons in Fixtures/conformance/chart-known-failures.txt.
final class ChartConformanceTests: XCTestCase {
    static func knownFailures() -> [String: String] {
        HelmFunctionConformanceTests.reasonList("chart-known-failures.txt")
    }

    func render(_ dir: URL, meta: [String: Any], valuesFile: URL?) throws -> String {
        var user = Map([:])
        if let valuesFile, case .map(let m)? = try YAML.load(try String(contentsOf: valuesFile, encoding: .utf8)) { user = m }
        let (chart, values) = try Renderer.prepare(chartPath: dir.appendingPathComponent("chart").path, user: user)
        var options = RenderOptions()
        options.releaseName = meta["release"] as? String ?? "demo"
        options.namespace = meta["namespace"] as? String ?? "apps"
        let rendered = try Renderer.render(chart, values: values, options: options)
        let (hooks, manifests) = try Manifests.sort(rendered)
        return Manifests.templateOutput(hooks: hooks, manifests: manifests)
    }

    func testRealChartsRenderAsHelmRendersThem() throws {
        let corpus = SharedPaths.shared.appendingPathComponent("charts")
        let known = Self.knownFailures()
        var passed = 0, failed: [String] = [], unexpectedPasses: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted() {
            let dir = corpus.appendingPathComponent(name)
            guard let metaData = FileManager.default.contents(atPath: dir.appendingPathComponent("meta.json").path),
                  let meta = try JSONSerialization.jsonObject(with: metaData) as? [String: Any] else { continue }
            var cases: [(String, URL?, URL)] = []
            let errorFile = dir.appendingPathComponent("expected-error.txt")
            if FileManager.default.fileExists(atPath: errorFile.path) {
                cases.append(("error", nil, errorFile))
            } else {
                cases.append(("default", nil, dir.appendingPathComponent("expected-default.yaml")))
                let custom = dir.appendingPathComponent("expected-custom.yaml")
                if FileManager.default.fileExists(atPath: custom.path) {
                    cases.append(("custom", dir.appendingPathComponent("values-custom.yaml"), custom))
                }
            }
            for (kind, values, expected) in cases {
                let id = "\(name)/\(kind)"
                var ok = false
                var why = ""
                do {
                    let got = try render(dir, meta: meta, valuesFile: values)
                    if kind == "error" {
                        why = "rendered, but Helm refuses this chart"
                    } else {
                        let want = try String(contentsOf: expected, encoding: .utf8)
                        let wild = Set((meta["wild_lines_\(kind)"] as? [Int]) ?? [])
                        let g = got.split(separator: "\n", omittingEmptySubsequences: false)
                        let w = want.split(separator: "\n", omittingEmptySubsequences: false)
                        ok = g.count == w.count
                        if ok {
                            for i in 0..<w.count where g[i] != w[i] && !wild.contains(i + 1) {
                                ok = false; why = "line \(i + 1): want \(w[i].prefix(80)) got \(g[i].prefix(80))"; break
                            }
                        } else { why = "\(g.count) lines, want \(w.count)" }
                    }
                } catch {
                    ok = kind == "error"
                    why = "\(error)".split(separator: "\n").first.map(String.init) ?? ""
                }
                if ok {
                    passed += 1
                    if known[id] != nil { unexpectedPasses.append(id) }
                } else if known[id] == nil {
                    failed.append("\(id): \(why)")
                }
            }
        }
        for f in failed { print("FAIL \(f)") }
        print("real charts: \(passed) passed, \(failed.count) unexpected failures, \(known.count) known failures")
        XCTAssertTrue(failed.isEmpty, "charts that render differently from Helm: \(failed.count)")
        XCTAssertTrue(unexpectedPasses.isEmpty, "listed as failing but now pass (remove them from the list): \(unexpectedPasses)")
    }
}
