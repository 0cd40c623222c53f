import Foundation
import XCTest
import KubeTestServer

/// hrctl as a drop-in helm: a CI script written for helm v4 (Fixtures/cli/ci-script.sh) runs
/// once with the official helm v4.3.1 and once with hrctl installed as `helm`, against the same
/// genuine apiserver and chart repository; every step must end the same way and print what
/// tools parse the same (times, generated names and random secrets aside).
final class HelmDropInClusterTests: ClusterTestCase {
    struct Step { let name: String; let out: String; let err: String; let code: Int32 }

    func run(_ helm: String, namespace: String, repo: String, label: String) throws -> [Step] {
        let base = cluster.dir + "/dropin-" + label
        let out = base + "/out"
        try? FileManager.default.removeItem(atPath: base)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var env = cluster.env
        for (k, v) in ["HELM_CACHE_HOME": "/cache", "HELM_CONFIG_HOME": "/config", "HELM_DATA_HOME": "/data", "HRCTL_CACHE": "/hrctl-cache"] { env[k] = base + v }
        let script = GenuineCluster.root + "/Fixtures/cli/ci-script.sh"
        let r = try Run.exec("/bin/bash", [script, helm, repo, namespace, out], env: env)
        XCTAssertEqual(r.code, 0, r.err)
        let names = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".rc") }.sorted()
        return try names.map { rc in
            let stem = out + "/" + String(rc.dropLast(3))
            let code = Int32(try String(contentsOfFile: stem + ".rc", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            return Step(name: String(rc.dropLast(3)), out: try String(contentsOfFile: stem + ".out", encoding: .utf8),
                        err: try String(contentsOfFile: stem + ".err", encoding: .utf8), code: code)
        }
    }

    func testACIScriptForHelmGivesTheSameResultsWithHrctlInstalledAsHelm() throws {
        let server = StaticServer(root: sharedRepo)
        let port = try server.start()
        defer { server.stop() }
        let repo = "http://127.0.0.1:\(port)"
        // hrctl under the name helm, as `ln -s hrctl helm` installs it.
        let bin = cluster.dir + "/dropin-bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: bin + "/helm")
        try FileManager.default.createSymbolicLink(atPath: bin + "/helm", withDestinationPath: Run.hrctl)

        // Namespaces of one length, so tables lay out alike.
        let want = try run(GenuineCluster.tools + "/helm", namespace: "ci-a", repo: repo, label: "helm")
        let got = try run(bin + "/helm", namespace: "ci-b", repo: repo, label: "hrctl")
        XCTAssertEqual(got.map(\.name), want.map(\.name))
        var same = 0
        for (w, g) in zip(want, got) {
            var problems: [String] = []
            if w.code != g.code { problems.append("exit \(g.code), helm's \(w.code)\n\(g.err)") }
            if let wantError = w.err.split(separator: "\n").last(where: { $0.hasPrefix("Error: ") }) {
                let gotError = g.err.split(separator: "\n").last(where: { $0.hasPrefix("Error: ") }) ?? ""
                if !gotError.hasPrefix(wantError) { problems.append("error \(gotError)\n  helm's \(wantError)") }
            }
            var (wo, go) = (Self.normalize(w.out, namespace: "ci-a", dir: cluster.dir + "/dropin-helm"),
                            Self.normalize(g.out, namespace: "ci-b", dir: cluster.dir + "/dropin-hrctl"))
            // `version --short`: the version tools parse, before the build metadata (helm's git commit, hrctl's version).
            if w.name.hasSuffix("version-short") { (wo, go) = (String(wo.prefix { $0 != "+" }), String(go.prefix { $0 != "+" })) }
            if Self.isJSON(wo) {
                let (wj, gj) = (try Self.shape(JSONSerialization.jsonObject(with: Data(wo.utf8)), step: w.name),
                                try? Self.shape(JSONSerialization.jsonObject(with: Data(go.utf8)), step: w.name))
                if gj == nil || Self.canonical(wj) != Self.canonical(gj!) { problems.append("json differs:\n  hrctl \(go.prefix(600))\n  helm  \(wo.prefix(600))") }
            } else if wo != go {
                problems.append("output differs:\n" + Self.firstDifference(go, wo))
            }
            if problems.isEmpty { same += 1 } else { XCTFail("step \(w.name): " + problems.joined(separator: "\n")) }
        }
        FileHandle.standardError.write(Data("drop-in CI script: \(same) of \(want.count) steps as helm's\n".utf8))
    }

    /// Times, generated names, the namespace and random key material replaced by tokens; runs of
    /// blanks (table padding, which follows the widths of what was replaced) made one.
    static func normalize(_ text: String, namespace: String, dir: String) -> String {
        var s = text.replacingOccurrences(of: dir, with: "DIR").replacingOccurrences(of: namespace, with: "NS")
        // In this order: blanks are made one last, after the patterns that contain some.
        let patterns: [(String, String)] = [
            (#"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?( [+-]\d{4} [A-Z]+|Z|[+-]\d\d:\d\d)?"#, "TIME"),
            (#"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d \d{4}"#, "TIME"),
            (#"nginx-\d{9,11}"#, "GENERATED"),
            (#"[A-Za-z0-9+/=]{40,}"#, "BASE64"),
            (#"(?<=: )"[A-Za-z0-9+/]{12,}={0,2}""#, "\"RANDOM\""),
            (#"[ \t]+"#, " "),
        ]
        for (p, r) in patterns { s = s.replacingOccurrences(of: p, with: r, options: .regularExpression) }
        return s.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix(" ") ? String($0.dropLast()) : String($0) }.joined(separator: "\n")
    }

    static func canonical(_ v: Any) -> String {
        (try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .fragmentsAllowed])).map { String(decoding: $0, as: UTF8.self) } ?? "?"
    }

    static func isJSON(_ s: String) -> Bool { s.hasPrefix("{") || s.hasPrefix("[") }

    /// What tools read of a JSON answer: everything, except the live objects of
    /// `status -o json` (uids, times) by their kinds and counts, and the release's chart by its
    /// metadata (helm keeps the order files were read in).
    static func shape(_ v: Any, step: String) -> Any {
        guard var m = v as? [String: Any] else {
            if let l = v as? [Any] { return l.map { shape($0, step: step) } }
            return v
        }
        if var info = m["info"] as? [String: Any], let resources = info["resources"] as? [String: [Any]] {
            info["resources"] = resources.mapValues { $0.count }
            m["info"] = info
        }
        if let chart = m["chart"] as? [String: Any] { m["chart"] = chart["metadata"] ?? [:] }
        return m
    }

    static func firstDifference(_ a: String, _ b: String) -> String {
        let (la, lb) = (a.split(separator: "\n", omittingEmptySubsequences: false), b.split(separator: "\n", omittingEmptySubsequences: false))
        for i in 0..<max(la.count, lb.count) {
            let x = i < la.count ? String(la[i]) : "<end>", y = i < lb.count ? String(lb[i]) : "<end>"
            if x != y { return "  line \(i + 1):\n  hrctl \(x)\n  helm  \(y)" }
        }
        return "  (same lines)"
    }
}
