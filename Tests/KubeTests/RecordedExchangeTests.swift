import Foundation
import XCTest
import KubeAPIServer
import Values

/// Replays the exchanges recorded from a genuine kube-apiserver (../shared/kube-api) against the
/// test server's request handling and compares what a client can tell: status codes, `Status`
/// reasons, messages and details, and the content of returned objects (uids, timestamps,
/// resourceVersions and managedFields aside).
final class RecordedExchangeTests: XCTestCase {
    /// Exchanges not replayed yet, with the reason.
    static let notYet: [String: String] = [
        "no credentials": "authentication happens in the transport, which comes with the server",
        "bad bearer token": "authentication happens in the transport",
        "version": "the test server reports its own version",
        "server-side apply unchanged": "the real deployment controller's mid-rollout state (revision annotation, Progressing/NewReplicaSetCreated naming its ReplicaSet hash) is in the answer; the simulated controller does not reproduce it. ServerSideApplyTests checks ownership",
        "server-side apply drops env B and changes replicas": "the real deployment controller's mid-rollout state (revision annotation, Progressing/NewReplicaSetCreated naming its ReplicaSet hash) is in the answer; the simulated controller does not reproduce it. ServerSideApplyTests checks ownership",
        "another manager forces it": "the real deployment controller's mid-rollout state (revision annotation, Progressing/NewReplicaSetCreated naming its ReplicaSet hash) is in the answer; the simulated controller does not reproduce it. ServerSideApplyTests checks ownership",
        "hrctl applies again with force": "the real deployment controller's mid-rollout state (revision annotation, Progressing/NewReplicaSetCreated naming its ReplicaSet hash) is in the answer; the simulated controller does not reproduce it. ServerSideApplyTests checks ownership",
        "server-side apply dry run": "the real deployment controller's mid-rollout state (revision annotation, Progressing/NewReplicaSetCreated naming its ReplicaSet hash) is in the answer; the simulated controller does not reproduce it. ServerSideApplyTests checks ownership",
    ]

    static func toValue(_ any: Any?) -> Value? {
        guard let any, !(any is NSNull) else { return any == nil ? nil : .null }
        let data = try! JSONSerialization.data(withJSONObject: any, options: [.fragmentsAllowed])
        return try! JSON.decode(String(decoding: data, as: UTF8.self))
    }

    /// Drops what differs between any two servers.
    static func normalize(_ v: Value) -> Value {
        if case .list(let l) = v { return .list(l.items.map(normalize)) }
        guard case .map(let m) = v else { return v }
        var e: [String: Value] = [:]
        for (k, x) in m.entries {
            switch k {
            case "uid", "resourceVersion", "creationTimestamp", "managedFields", "deletionTimestamp", "continue", "lastTransitionTime": continue
            case "ca.crt": continue // each server has its own CA
            default: e[k] = normalize(x)
            }
        }
        if case .list(let l)? = e["items"] { e["items"] = .list(l.items.map(normalize)) }
        return .map(Map(e))
    }

    func testRecordedExchangesReplayAsTheRealServerAnswered() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/kube-api/recordings.jsonl")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        let server = APIServerCore()
        var replayed = 0, failures: [String] = []
        var lastContinue = ""
        // resourceVersions are each server's own: map the recorded ones to ours.
        var versions: [String: String] = [:]
        for line in lines {
            let c = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let title = c["title"] as! String
            let req = c["request"] as! [String: Any]
            let resp = c["response"] as! [String: Any]
            var path = req["path"] as! String
            // Continue tokens are the server's own: use the one our server gave.
            if path.contains("continue="), !lastContinue.isEmpty {
                path = String(path[..<path.range(of: "continue=")!.upperBound]) + lastContinue
            }
            var body = Self.toValue(req["body"])
            if case .map(let b)? = body, case .map(let md)? = b.entries["metadata"], let rv = md.entries["resourceVersion"]?.stringValue,
               let ours = versions[rv] {
                md.entries["resourceVersion"] = .string(ours)
                body = .map(b)
            }
            if path.contains("watch=true") {
                replayed += 1
                if let f = try replayWatch(server, title: title, path: path, response: resp, versions: versions) { failures.append(f) }
                continue
            }
            let r = server.handle(APIRequest(method: req["method"] as! String, target: path,
                                             contentType: req["content_type"] as? String, body: body))
            if case .map(let wb)? = Self.toValue(resp["body"]), case .map(let wmd)? = wb.entries["metadata"],
               let realRV = wmd.entries["resourceVersion"]?.stringValue,
               case .map(let gb) = r.body, case .map(let gmd)? = gb.entries["metadata"], let ourRV = gmd.entries["resourceVersion"]?.stringValue {
                versions[realRV] = ourRV
            }
            if case .map(let b) = r.body, case .map(let md)? = b.entries["metadata"], let cont = md.entries["continue"]?.stringValue {
                lastContinue = cont
            }
            if Self.notYet[title] != nil { continue }
            replayed += 1
            let wantStatus = resp["status"] as! Int
            guard r.status == wantStatus else {
                failures.append("\(title): status \(r.status), want \(wantStatus): \((try? JSONEncoding.encode(r.body)) ?? "")")
                continue
            }
            guard let wantBody = Self.toValue(resp["body"]) else { continue }
            let got = try JSONEncoding.encode(Self.normalize(r.body)), want = try JSONEncoding.encode(Self.normalize(wantBody))
            if case .map(let wm) = wantBody, wm.entries["kind"]?.stringValue == "APIResourceList" || wm.entries["kind"]?.stringValue == "APIGroupList" || wm.entries["kind"]?.stringValue == "APIVersions" {
                continue // discovery documents differ in detail between versions; the status code is what matters
            }
            if got != want {
                let g = Array(got), w = Array(want)
                var i = 0
                while i < min(g.count, w.count) && g[i] == w[i] { i += 1 }
                let from = max(0, i - 120)
                failures.append("\(title):\n  got  …\(String(g[from..<min(g.count, i + 200)]))\n  want …\(String(w[from..<min(w.count, i + 200)]))")
            }
        }
        for f in failures { print("MISMATCH \(f)") }
        XCTAssertGreaterThanOrEqual(replayed, 53)
        print("kube-api recordings: \(replayed - failures.count)/\(replayed) replayed exchanges match, \(Self.notYet.count) not yet replayed")
        XCTAssertTrue(failures.isEmpty)
    }

    /// A recorded watch: the events the real server streamed after the recorded version (the
    /// bookmarks it sent as time passed aside), or the ERROR event it answered a too old version with.
    func replayWatch(_ server: APIServerCore, title: String, path: String, response: [String: Any], versions: [String: String]) throws -> String? {
        var target = path
        if let r = path.range(of: "resourceVersion=") {
            let rest = path[r.upperBound...]
            let rv = String(rest.prefix { $0 != "&" })
            target = String(path[..<r.upperBound]) + (versions[rv] ?? rv) + rest.dropFirst(rv.count)
        }
        guard case .stream(_, let initial) = server.watch(APIRequest(method: "GET", target: target), send: { _ in }) else {
            return "\(title): the watch was refused"
        }
        let got = try initial.map { try JSON.decode(String(decoding: $0, as: UTF8.self)) }
        var want: [Value] = []
        if let text = response["body"] as? String {
            want = try text.split(separator: "\n").map { try JSON.decode(String($0)) }
        } else if let v = Self.toValue(response["body"]) {
            want = [v]
        }
        want = want.filter { if case .map(let m) = $0 { return m.entries["type"]?.stringValue != "BOOKMARK" }; return true }
        func shape(_ v: Value) -> String {
            guard case .map(let m) = Self.normalize(v) else { return "" }
            if case .map(let o)? = m.entries["object"], o.entries["kind"]?.stringValue == "Status" {
                // "too old resource version: 1 (337)": the oldest version kept is each server's own.
                let msg = o.entries["message"]?.stringValue ?? ""
                o.entries["message"] = .string(String(msg.prefix { $0 != "(" }))
            }
            return (try? JSONEncoding.encode(.map(m))) ?? ""
        }
        let g = got.map(shape), w = want.map(shape)
        return g == w ? nil : "\(title):\n  got  \(g)\n  want \(w)"
    }
}
