import Foundation
import XCTest

/// Runs the built `hrctl` binary as a user would.
final class RenderCommandTests: XCTestCase {
    static var binary: URL {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for dir in [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()] {
            let u = dir.appendingPathComponent("hrctl")
            if FileManager.default.isExecutableFile(atPath: u.path) { return u }
        }
        return root.appendingPathComponent(".build/debug/hrctl")
    }

    func run(_ args: [String]) throws -> (out: String, err: String, code: Int32) {
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = args
        let o = Pipe(), e = Pipe()
        p.standardOutput = o
        p.standardError = e
        try p.run()
        let out = o.fileHandleForReading.readDataToEndOfFile()
        let err = e.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self), p.terminationStatus)
    }

    func temp(_ name: String, _ content: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hrctl-cli-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let u = dir.appendingPathComponent(name)
        try content.write(to: u, atomically: true, encoding: .utf8)
        return u.path
    }

    func testRendersWithYAMLAndJSONData() throws {
        let t = try temp("cm.tpl", "name: {{ .name }}\nreplicas: {{ .r }}\n{{- range .ports }}\n- {{ . }}{{ end }}\n")
        let y = try temp("d.yaml", "name: web\nr: 3\nports: [80, 443]\n")
        let j = try temp("d.json", #"{"name": "web", "r": 1000000, "ports": []}"#)
        let r1 = try run(["render", t, "--data", y])
        XCTAssertEqual(r1.code, 0, r1.err)
        XCTAssertEqual(r1.out, "name: web\nreplicas: 3\n- 80\n- 443\n")
        let r2 = try run(["render", t, "--data", j])
        XCTAssertEqual(r2.out, "name: web\nreplicas: 1e+06\n")
    }

    func testErrorsNameTheFileAndExitNonZero() throws {
        let t = try temp("broken", "ok\n{{ .a.b }}")
        let d = try temp("d2.json", #"{"a": "x"}"#)
        let r = try run(["render", t, "--data", d])
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(r.out, "ok\n")
        XCTAssertEqual(r.err, "Error: template: broken:2:5: executing \"broken\" at <.a.b>: can't evaluate field b in type interface {}\n")
        let p = try temp("parse", "{{ if }}")
        XCTAssertEqual(try run(["render", p]).err, "Error: template: parse:1: missing value for if\n")
        let bad = try temp("bad.yaml", "x: 1\na: b: c\n")
        XCTAssertEqual(try run(["render", p, "--data", bad]).err, "Error: \(bad): yaml: line 2: mapping values are not allowed in this context\n")
        XCTAssertEqual(try run(["render", "/nonexistent/x"]).err, "Error: cannot read /nonexistent/x: No such file or directory\n")
    }

    func testMissingKeyOption() throws {
        let t = try temp("mk", "{{ .nope }}")
        let d = try temp("mk.json", "{}")
        XCTAssertEqual(try run(["render", t, "--data", d]).out, "<no value>")
        let r = try run(["render", t, "--data", d, "--missingkey", "error"])
        XCTAssertEqual(r.err, "Error: template: mk:1:3: executing \"mk\" at <.nope>: map has no entry for key \"nope\"\n")
        XCTAssertEqual(try run(["render", t, "--missingkey", "bogus"]).code, 1)
    }

    func testVersionAndHelp() throws {
        XCTAssertEqual(try run(["--version"]).out, "0.1.0\n")
        XCTAssertTrue(try run(["--help"]).out.contains("render"))
    }
}
