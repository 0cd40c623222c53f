import Foundation
import XCTest
import GoTemplate
import Values

/// Runs the cases Go itself produced (../shared/conformance/gotemplate.jsonl) through the engine.
final class GoConformanceTests: XCTestCase {
    struct Outcome { var name: String; var ok: Bool; var exactMessage: Bool; var detail: String }

    /// Cases left out, with the reason, from Fixtures/conformance/gotemplate-skips.txt.
    static func skips() throws -> [String: String] {
        let url = SharedData.repoRoot.appendingPathComponent("Fixtures/conformance/gotemplate-skips.txt")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { out[String(parts[0])] = String(parts[1]) }
        }
        return out
    }

    static func run(_ c: [String: Any]) -> Outcome {
        let name = c["name"] as! String
        let set = TemplateSet()
        if let mk = c["missingkey"] as? String { set.missingKey = MissingKey(rawValue: mk)! }
        var data: Value? = nil
        if let d = c["data"] {
            let json = try! JSONSerialization.data(withJSONObject: d, options: [.fragmentsAllowed])
            data = try! JSON.decode(String(decoding: json, as: UTF8.self))
        }
        do {
            try set.parse(name: "t", text: c["template"] as! String)
            if let extra = c["templates"] as? [String: String] {
                for (n, text) in extra.sorted(by: { $0.key < $1.key }) { try set.parse(name: n, text: text) }
            }
        } catch {
            if let want = c["parse_error"] as? String {
                let got = "\(error)"
                return Outcome(name: name, ok: true, exactMessage: got == want, detail: "parse error: got \(got) want \(want)")
            }
            return Outcome(name: name, ok: false, exactMessage: false, detail: "unexpected parse error \(error)")
        }
        if let want = c["parse_error"] as? String {
            return Outcome(name: name, ok: false, exactMessage: false, detail: "parsed, want parse error \(want)")
        }
        var out: [UInt8] = []
        do {
            try set.execute("t", data: data, output: &out)
        } catch {
            let got = "\(error)"
            if let want = c["exec_error"] as? String {
                let partial = String(decoding: out, as: UTF8.self)
                let wantPartial = c["partial_output"] as? String ?? ""
                return Outcome(name: name, ok: true, exactMessage: got == want && partial == wantPartial,
                               detail: "exec error: got \(got) [\(partial)] want \(want) [\(wantPartial)]")
            }
            return Outcome(name: name, ok: false, exactMessage: false, detail: "unexpected exec error \(got)")
        }
        let got = String(decoding: out, as: UTF8.self)
        if let want = c["output"] as? String {
            return Outcome(name: name, ok: got == want, exactMessage: true, detail: "output: got \(got.debugDescription) want \(want.debugDescription)")
        }
        return Outcome(name: name, ok: false, exactMessage: false, detail: "rendered \(got.debugDescription), want error \(c["exec_error"] ?? "")")
    }

    func testEveryGoCaseMatchesGo() throws {
        let cases = try SharedData.jsonLines("conformance/gotemplate.jsonl")
        XCTAssertEqual(cases.count, 272)
        let skips = try Self.skips()
        var errorCases = 0, exact = 0
        var failures: [String] = []
        var inexact: [String] = []
        for c in cases {
            let o = Self.run(c)
            if skips[o.name] != nil { continue }
            let isError = c["output"] == nil
            if isError { errorCases += 1 }
            if !o.ok { failures.append("\(o.name): \(o.detail)") }
            else if isError { if o.exactMessage { exact += 1 } else { inexact.append("\(o.name): \(o.detail)") } }
        }
        for f in failures { print("FAIL \(f)") }
        for f in inexact { print("INEXACT \(f)") }
        print("go conformance: \(cases.count - skips.count - failures.count)/\(cases.count - skips.count) pass, \(exact)/\(errorCases) error messages exact, \(skips.count) skipped")
        XCTAssertTrue(failures.isEmpty, "\(failures.count) cases fail")
        XCTAssertGreaterThanOrEqual(Double(exact), 0.95 * Double(errorCases), "fewer than 95% of error messages match Go")
    }
}
