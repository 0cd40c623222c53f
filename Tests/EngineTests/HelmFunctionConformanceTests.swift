import Foundation
import XCTest
import Engine
import Values

/// Runs ../shared/conformance/helm-functions.jsonl (produced by Helm v4's engine): each case
/// is a one-template chart `c`, rendered through the same path as `hrctl render --chart`.
final class HelmFunctionConformanceTests: XCTestCase {
    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func skips() -> [String: String] { reasonList("helm-functions-skips.txt") }

    /// A Fixtures/conformance list: one case name and its reason a line, `#` comments.
    static func reasonList(_ file: String) -> [String: String] {
        let url = repoRoot.appendingPathComponent("Fixtures/conformance/\(file)")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { out[String(parts[0])] = String(parts[1]) }
        }
        return out
    }

    /// Writes the case's chart to a temporary folder.
    static func makeChart(_ c: [String: Any]) throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("hrctl-hf-\(ProcessInfo.processInfo.processIdentifier)")
            .appendingPathComponent(c["name"] as! String)
            .appendingPathComponent("c")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("templates"), withIntermediateDirectories: true)
        try "apiVersion: v2\nname: c\nversion: 1.2.3\nappVersion: \"4.5\"\n".write(to: dir.appendingPathComponent("Chart.yaml"), atomically: true, encoding: .utf8)
        try (c["values"] as? String ?? "").write(to: dir.appendingPathComponent("values.yaml"), atomically: true, encoding: .utf8)
        try (c["template"] as! String).write(to: dir.appendingPathComponent("templates/t.yaml"), atomically: true, encoding: .utf8)
        if let h = c["helpers"] as? String {
            try h.write(to: dir.appendingPathComponent("templates/_helpers.tpl"), atomically: true, encoding: .utf8)
        }
        if let files = c["files"] as? [String: String] {
            for (name, content) in files {
                let u = dir.appendingPathComponent(name)
                try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
                try content.write(to: u, atomically: true, encoding: .utf8)
            }
        }
        return dir.path
    }

    func testEveryHelmFunctionCaseMatchesHelm() throws {
        let url = SharedPaths.shared.appendingPathComponent("conformance/helm-functions.jsonl")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        let skips = Self.skips()
        var failures: [String] = [], inexact: [String] = []
        var errorCases = 0, exact = 0, ran = 0
        for line in lines {
            let c = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let name = c["name"] as! String
            if skips[name] != nil { continue }
            ran += 1
            let path = try Self.makeChart(c)
            var options = RenderOptions()
            options.releaseName = "rel"; options.namespace = "ns"
            options.strict = c["strict"] as? Bool ?? false
            var got: String? = nil
            var err: String? = nil
            do {
                let (chart, vals) = try Renderer.prepare(chartPath: path, user: Map([:]))
                got = try Renderer.render(chart, values: vals, options: options)["c/templates/t.yaml"] ?? ""
            } catch {
                err = "\(error)"
            }
            if let want = c["output"] as? String {
                if got != want { failures.append("\(name): got \((got ?? "error: " + (err ?? "")).debugDescription) want \(want.debugDescription)") }
            } else if let want = c["error"] as? String {
                errorCases += 1
                if let err {
                    if err == want { exact += 1 } else { inexact.append("\(name): got \(err.prefix(300)) want \(want.prefix(300))") }
                } else {
                    failures.append("\(name): rendered \(got!.debugDescription), want error \(want.prefix(200))")
                }
            }
        }
        for f in failures { print("FAIL \(f)") }
        for f in inexact { print("INEXACT \(f)") }
        print("helm functions: \(ran - failures.count)/\(ran) pass, \(exact)/\(errorCases) error messages exact, \(skips.count) skipped")
        XCTAssertTrue(failures.isEmpty, "\(failures.count) cases fail")
        XCTAssertGreaterThanOrEqual(Double(exact), 0.9 * Double(errorCases))
    }
}

enum SharedPaths {
    static var shared: URL {
        HelmFunctionConformanceTests.repoRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }
}
