import Foundation
import XCTest

/// rollback's --cleanup-on-fail, --force-conflicts, --force-replace and --server-side, and
/// history --show-rollback-revision, run step by step with helm v4.3.1 and with hrctl on the
/// genuine apiserver (one namespace each): every step must print the same (times and the
/// namespace aside) and leave the same objects.
final class RollbackFlagsClusterTests: ClusterTestCase {
    var chart: String { GenuineCluster.root + "/Fixtures/charts/applymethod" }

    /// The steps' output, one string for the whole run.
    func steps(_ tool: (String, [String]) throws -> Run.Result, namespace ns: String) throws -> String {
        XCTAssertEqual(try cluster.kubectl(["create", "namespace", ns]).code, 0)
        var transcript = ""
        func step(_ args: [String], _ probe: (() throws -> String)? = nil) throws {
            let r = try tool(args[0], Array(args.dropFirst()) + ["-n", ns])
            transcript += "$ \(args.joined(separator: " "))\n\(r.out)\(r.err)exit \(r.code)\n"
            if let probe { transcript += try probe() + "\n" }
        }
        let account = { try self.cluster.get(["serviceaccount", "r-extra", "-n", ns]) == nil ? "no ServiceAccount" : "ServiceAccount" }
        let value = { ((try self.cluster.get(["configmap", "r-cm", "-n", ns])?["data"] as? [String: String])?["x"] ?? "-") }
        try step(["install", "r", chart, "--set", "extra=true"])
        try step(["upgrade", "r", chart, "--set", "x=2"], account)
        // Another field manager takes the ConfigMap's field.
        let theirs = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: r-cm, namespace: \(ns)}\ndata: {x: other}\n"
        XCTAssertEqual(try cluster.kubectl(["apply", "--server-side", "--field-manager", "other", "--force-conflicts", "-f", "-"], stdin: theirs).code, 0)
        try step(["rollback", "r", "1", "--cleanup-on-fail"], account)
        try step(["rollback", "r", "1"], account)
        try step(["rollback", "r", "1", "--force-conflicts"], value)
        try step(["rollback", "r", "2", "--force-replace"], value)
        try step(["rollback", "r", "2", "--server-side=bogus"])
        try step(["rollback", "r", "2", "--force", "--force-conflicts"])
        try step(["rollback", "r", "2"], value)
        try step(["history", "r", "--show-rollback-revision"])
        try step(["history", "r", "-o", "json"])
        return transcript
    }

    func testRollbackFlagsAndHistoryAsHelm() throws {
        let want = try steps({ try self.cluster.helm([$0] + $1) }, namespace: "rb-helm")
        let got = try steps({ try self.cluster.hrctl([$0] + $1) }, namespace: "rb-hrct")
        func normalized(_ s: String, _ ns: String) -> String {
            s.replacingOccurrences(of: ns, with: "NS")
                .replacingOccurrences(of: #"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d \d{4}"#,
                                      with: "TIME", options: .regularExpression)
                .replacingOccurrences(of: #""updated":"[^"]*""#, with: #""updated":"TIME""#, options: .regularExpression)
        }
        let (w, g) = (normalized(want, "rb-helm"), normalized(got, "rb-hrct"))
        XCTAssertEqual(g, w, HelmDropInClusterTests.firstDifference(g, w))
        XCTAssertTrue(w.contains("ROLLBACK") && w.contains("conflict occurred while applying object NS/r-cm"), w)
    }
}
