import Foundation
import XCTest
import Kube
import KubeTestServer
import NIOHTTP1
import Values

/// Our loopback API server checked against the genuine kube-apiserver: the same scripted
/// requests (the kinds hrctl and our tests send) go to both, and the answers are compared with
/// what differs between any two servers (uids, times, resourceVersions, continue tokens) set
/// aside. Every divergence is either fixed in KubeAPIServer or listed, with its reason, in
/// Fixtures/conformance/kube-differential-known.txt.
final class DifferentialTests: ClusterTestCase {
    /// One scripted request. `{key}` in the path or body is replaced by what an earlier step of
    /// the same server remembered (`remember`: key and the path to the value in the answer).
    struct Step {
        var name: String
        var method: HTTPMethod = .GET
        var path: String
        var query: [(String, String)] = []
        var body: String? = nil
        var contentType = "application/json"
        var accept: String? = nil
        var remember: [(String, [String])] = []
        /// The part of the answer compared (the whole normalized answer when nil).
        var view: (@Sendable (Value) -> Value)? = nil
        /// A step that is more than one request (watches, polling, paging).
        var custom: (@Sendable (KubeClient, Memory) async throws -> Value)? = nil
    }

    final class Memory: @unchecked Sendable {
        var values: [String: String] = [:]
        func fill(_ s: String) -> String {
            var out = s
            for (k, v) in values { out = out.replacingOccurrences(of: "{\(k)}", with: v) }
            return out
        }
    }

    static let knownFile = GenuineCluster.root + "/Fixtures/conformance/kube-differential-known.txt"

    /// step name → why the loopback server answers differently.
    static func known() throws -> [String: String] {
        var out: [String: String] = [:]
        for line in try String(contentsOfFile: knownFile, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            guard let colon = line.range(of: ": ") else { continue }
            out[String(line[..<colon.lowerBound])] = String(line[colon.upperBound...])
        }
        return out
    }

    func testLoopbackServerAnswersAsTheGenuineOne() async throws {
        let loopback = try KubeTestServer()
        let port = try loopback.start()
        defer { loopback.stop() }
        let fakeConfig = loopback.credentials.kubeconfig(url: loopback.url(port: port))
        let fake = try KubeClient(access: try KubeConfig.load(explicitPath: "kc", environment: [:], readFile: { _ in fakeConfig }).resolve(context: nil, namespace: nil), maxAttempts: 1)
        let real = try KubeClient(access: try KubeConfig.load(explicitPath: cluster.kubeconfig, environment: [:]).resolve(context: nil, namespace: nil), maxAttempts: 1)
        let memories = [Memory(), Memory()]
        var divergent: [String: (String, String)] = [:]
        var order: [String] = []
        for step in Self.steps() {
            var answers: [String] = []
            for (i, client) in [real, fake].enumerated() {
                let v = try await Self.run(step, client, memories[i])
                answers.append((try? JSONEncoding.encodeIndented(v)) ?? "?")
            }
            order.append(step.name)
            if answers[0] != answers[1] { divergent[step.name] = (answers[0], answers[1]) }
        }
        try? await fake.shutdown()
        try? await real.shutdown()

        let known = try Self.known()
        print("differential: \(order.count) scripted steps, \(divergent.count) answer differently (\(divergent.keys.filter { known[$0] != nil }.count) known)")
        for name in order where divergent[name] != nil && known[name] == nil {
            let (a, b) = divergent[name]!
            XCTFail("\(name): the loopback server answers differently\n--- genuine\n\(a)\n--- loopback\n\(b)")
        }
        for name in known.keys.sorted() where divergent[name] == nil {
            XCTFail("\(name) now answers as the genuine server: remove it from \(Self.knownFile)")
        }
    }

    static func run(_ step: Step, _ client: KubeClient, _ memory: Memory) async throws -> Value {
        if let custom = step.custom { return normalize(try await custom(client, memory), keepUpdates: true) }
        let answer = try await client.exchange(step.method, memory.fill(step.path), query: step.query.map { ($0.0, memory.fill($0.1)) },
                                               body: step.body.map { Array(memory.fill($0).utf8) }, contentType: step.contentType, accept: step.accept)
        let text = String(decoding: answer.body, as: UTF8.self)
        let body = (try? JSON.decode(text)) ?? .string(text.count > 200 ? String(text.prefix(200)) : text)
        for (key, path) in step.remember { if let s = at(body, path)?.stringValue { memory.values[key] = s } }
        let shown = step.view.map { $0(body) } ?? body
        return .map(["code": .int(Int64(answer.status)), "body": normalize(shown)])
    }

    static func at(_ v: Value, _ path: [String]) -> Value? {
        var cur = v
        for k in path {
            if case .map(let m) = cur, let x = m.entries[k] { cur = x } else if case .list(let l) = cur, let i = Int(k), i < l.items.count { cur = l.items[i] } else { return nil }
        }
        return cur
    }

    /// Without what differs between any two servers: identities, times, versions, tokens; and
    /// without the managedFields entries of Update operations (create, update, patch), which the
    /// loopback server does not track: one known divergence, checked by its own step
    /// ("managedFields of an update"), set aside elsewhere so each step shows what else differs.
    static func normalize(_ v: Value, keepUpdates: Bool = false) -> Value {
        switch v {
        case .map(let m):
            var e: [String: Value] = [:]
            for (k, x) in m.entries {
                switch k {
                case "managedFields" where !keepUpdates:
                    guard case .list(let l) = x else { e[k] = x; continue }
                    let kept = l.items.filter { at($0, ["operation"])?.stringValue != "Update" }
                    if !kept.isEmpty { e[k] = normalize(.list(kept)) }
                case "uid", "resourceVersion", "creationTimestamp", "time", "lastTransitionTime", "lastUpdateTime", "selfLink": continue
                // Written by the genuine deployment controller when it gets to it: timing, not a difference.
                case "deployment.kubernetes.io/revision": continue
                case "deletionTimestamp", "continue": e[k] = x.stringValue.map { $0.isEmpty ? .string("") : .string("<set>") } ?? x
                default: e[k] = normalize(x, keepUpdates: keepUpdates)
                }
            }
            if case .map(let a)? = e["annotations"], a.entries.isEmpty { e["annotations"] = nil }
            return .map(Map(e))
        case .list(let l): return .list(l.items.map { normalize($0, keepUpdates: keepUpdates) })
        case .float(let f, _) where f == f.rounded() && abs(f) < 1e15: return .int(Int64(f))
        default: return v
        }
    }

    // MARK: views

    @Sendable static func names(_ v: Value) -> Value {
        guard case .list(let l)? = at(v, ["items"]) else { return v }
        return .list(l.items.compactMap { at($0, ["metadata", "name"]) })
    }

    static func resources(_ wanted: [String]) -> @Sendable (Value) -> Value {
        { v in
            guard case .list(let l)? = at(v, ["resources"]) else { return v }
            var out: [Value] = []
            for r in l.items {
                guard case .map(let m) = r, let n = m.entries["name"]?.stringValue, wanted.contains(n) else { continue }
                var e: [String: Value] = [:]
                for k in ["name", "kind", "namespaced", "shortNames", "singularName", "group", "version"] { e[k] = m.entries[k] }
                if case .list(let verbs)? = m.entries["verbs"] { e["verbs"] = .list(verbs.items.compactMap(\.stringValue).sorted().map { .string($0) }) }
                out.append(.map(Map(e)))
            }
            return .list(out.sorted { (at($0, ["name"])?.stringValue ?? "") < (at($1, ["name"])?.stringValue ?? "") })
        }
    }

    @Sendable static func withoutStatus(_ v: Value) -> Value {
        guard case .map(let m) = v else { return v }
        let c = Map(m.entries)
        c.entries["status"] = nil
        return .map(c)
    }

    @Sendable static func spec(_ v: Value) -> Value { at(v, ["spec"]) ?? .null }

    // MARK: the script

    static let ns = "diff"
    static let cms = "/api/v1/namespaces/\(ns)/configmaps"
    static let deployments = "/apis/apps/v1/namespaces/\(ns)/deployments"
    static let apply = "application/apply-patch+yaml"

    static func cm(_ name: String, _ data: String = "{\"a\": \"1\"}", labels: String = "{}", extra: String = "") -> String {
        "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"\(name)\", \"labels\": \(labels)\(extra)}, \"data\": \(data)}"
    }

    static let deployment = """
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
         "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web"}},
                               "spec": {"containers": [{"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80}],
                                                        "env": [{"name": "A", "value": "1"}]}]}}}}
        """

    static let crd = """
        {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "things.diff.example.com"},
         "spec": {"group": "diff.example.com", "scope": "Namespaced",
                  "names": {"kind": "Thing", "plural": "things", "singular": "thing", "shortNames": ["th"]},
                  "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                                "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}],
                                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}}
        """
    static let things = "/apis/diff.example.com/v1/namespaces/\(ns)/things"

    static func steps() -> [Step] {
        var s: [Step] = []
        // Discovery.
        s.append(Step(name: "discovery /api", path: "/api", view: { at($0, ["versions"]) ?? .null }))
        s.append(Step(name: "discovery /apis groups", path: "/apis", view: { v in
            guard case .list(let l)? = at(v, ["groups"]) else { return v }
            let wanted = ["apps", "batch", "rbac.authorization.k8s.io", "apiextensions.k8s.io", "coordination.k8s.io", "policy", "networking.k8s.io", "autoscaling"]
            return .list(l.items.filter { wanted.contains(at($0, ["name"])?.stringValue ?? "") }
                .sorted { (at($0, ["name"])?.stringValue ?? "") < (at($1, ["name"])?.stringValue ?? "") })
        }))
        s.append(Step(name: "discovery /api/v1", path: "/api/v1",
                      view: resources(["configmaps", "secrets", "namespaces", "services", "pods", "events", "serviceaccounts", "namespaces/status", "pods/status"])))
        s.append(Step(name: "discovery /apis/apps/v1", path: "/apis/apps/v1",
                      view: resources(["deployments", "statefulsets", "daemonsets", "replicasets", "deployments/status", "deployments/scale"])))
        s.append(Step(name: "discovery /apis/batch/v1", path: "/apis/batch/v1", view: resources(["jobs", "cronjobs", "jobs/status"])))
        s.append(Step(name: "discovery unknown group", path: "/apis/nope.example.com/v1"))

        // CRUD and Status errors.
        s.append(Step(name: "create namespace", method: .POST, path: "/api/v1/namespaces", body: #"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "diff"}}"#,
                      view: withoutStatus))
        s.append(Step(name: "create configmap", method: .POST, path: cms, body: cm("cm1", labels: #"{"app": "a"}"#), remember: [("rv1", ["metadata", "resourceVersion"])]))
        s.append(Step(name: "create existing configmap", method: .POST, path: cms, body: cm("cm1")))
        s.append(Step(name: "get configmap", path: cms + "/cm1"))
        s.append(Step(name: "managedFields of an update", path: "", custom: { c, _ in
            let v = try await c.request(.GET, cms + "/cm1")
            return at(v, ["metadata", "managedFields"]) ?? .null
        }))
        s.append(Step(name: "get missing configmap", path: cms + "/missing"))
        s.append(Step(name: "get in missing namespace", path: "/api/v1/namespaces/nope/configmaps/x"))
        s.append(Step(name: "update with a stale resourceVersion", method: .PUT, path: cms + "/cm1",
                      body: cm("cm1", #"{"a": "2"}"#, extra: #", "resourceVersion": "1""#)))
        s.append(Step(name: "update configmap", method: .PUT, path: cms + "/cm1", body: cm("cm1", #"{"a": "2"}"#, extra: #", "resourceVersion": "{rv1}""#)))
        s.append(Step(name: "create with an invalid name", method: .POST, path: cms, body: cm("Bad_Name")))
        s.append(Step(name: "create in a missing namespace", method: .POST, path: "/api/v1/namespaces/nope/configmaps", body: cm("x")))
        s.append(Step(name: "create with the wrong kind", method: .POST, path: cms,
                      body: #"{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}"#))
        s.append(Step(name: "create secret with stringData", method: .POST, path: "/api/v1/namespaces/\(ns)/secrets",
                      body: #"{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s1"}, "type": "Opaque", "stringData": {"k": "v"}}"#))

        // Patches.
        s.append(Step(name: "merge patch", method: .PATCH, path: cms + "/cm1", body: #"{"data": {"b": "2"}, "metadata": {"labels": {"x": "y"}}}"#,
                      contentType: "application/merge-patch+json"))
        s.append(Step(name: "json patch", method: .PATCH, path: cms + "/cm1",
                      body: #"[{"op": "replace", "path": "/data/b", "value": "3"}, {"op": "add", "path": "/data/c", "value": "4"}, {"op": "remove", "path": "/metadata/labels/x"}]"#,
                      contentType: "application/json-patch+json"))
        s.append(Step(name: "json patch with a failing test", method: .PATCH, path: cms + "/cm1", body: #"[{"op": "test", "path": "/data/b", "value": "nope"}]"#,
                      contentType: "application/json-patch+json"))
        s.append(Step(name: "create deployment", method: .POST, path: deployments, body: deployment, view: withoutStatus))
        s.append(Step(name: "strategic merge patch", method: .PATCH, path: deployments + "/web",
                      body: #"{"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.26", "env": [{"name": "B", "value": "2"}]}]}}}}"#,
                      contentType: "application/strategic-merge-patch+json", view: { v in .map(["spec": spec(v), "generation": at(v, ["metadata", "generation"]) ?? .null]) }))
        s.append(Step(name: "metadata change keeps generation", method: .PATCH, path: deployments + "/web", body: #"{"metadata": {"labels": {"extra": "1"}}}"#,
                      contentType: "application/merge-patch+json", view: { at($0, ["metadata", "generation"]) ?? .null }))

        // Server-side apply.
        let ssa = cms + "/ssa1"
        s.append(Step(name: "apply creates", method: .PATCH, path: ssa, query: [("fieldManager", "a")], body: cm("ssa1", #"{"x": "1", "y": "2"}"#), contentType: apply))
        s.append(Step(name: "apply conflicts with another manager", method: .PATCH, path: ssa, query: [("fieldManager", "b")], body: cm("ssa1", #"{"x": "9"}"#), contentType: apply))
        s.append(Step(name: "apply with force", method: .PATCH, path: ssa, query: [("fieldManager", "b"), ("force", "true")], body: cm("ssa1", #"{"x": "9"}"#), contentType: apply))
        s.append(Step(name: "apply dry run", method: .PATCH, path: ssa, query: [("fieldManager", "a"), ("dryRun", "All")], body: cm("ssa1", #"{"y": "5"}"#), contentType: apply))
        s.append(Step(name: "get after the dry run", path: ssa))
        s.append(Step(name: "apply dropping a field", method: .PATCH, path: ssa, query: [("fieldManager", "a")], body: cm("ssa1", #"{"z": "3"}"#), contentType: apply))
        s.append(Step(name: "apply without a field manager", method: .PATCH, path: ssa, body: cm("ssa1"), contentType: apply))
        // hrctl's create-only apply: resourceVersion "1" creates an absent object, and is a failed
        // precondition (409, nothing written) on an existing one.
        s.append(Step(name: "apply with resourceVersion 1 creates", method: .PATCH, path: cms + "/ssa3", query: [("fieldManager", "helm"), ("force", "true")],
                      body: cm("ssa3", extra: #", "resourceVersion": "1""#), contentType: apply))
        s.append(Step(name: "apply with resourceVersion 1 to an existing object", method: .PATCH, path: cms + "/ssa3", query: [("fieldManager", "helm"), ("force", "true")],
                      body: cm("ssa3", #"{"a": "2"}"#, extra: #", "resourceVersion": "1""#), contentType: apply))
        s.append(Step(name: "apply with resourceVersion 0 to an existing object", method: .PATCH, path: cms + "/ssa3", query: [("fieldManager", "helm"), ("force", "true")],
                      body: cm("ssa3", #"{"a": "3"}"#, extra: #", "resourceVersion": "0""#), contentType: apply))
        s.append(Step(name: "apply as YAML", method: .PATCH, path: cms + "/ssa2", query: [("fieldManager", "helm")],
                      body: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa2\ndata:\n  k: v\n", contentType: apply))
        s.append(Step(name: "apply a deployment", method: .PATCH, path: deployments + "/web2", query: [("fieldManager", "helm"), ("force", "true")],
                      body: deployment.replacingOccurrences(of: "\"name\": \"web\", \"labels\"", with: "\"name\": \"web2\", \"labels\""), contentType: apply, view: withoutStatus))
        s.append(Step(name: "apply an unchanged deployment, dry run", method: .PATCH, path: deployments + "/web2", query: [("fieldManager", "helm"), ("force", "true"), ("dryRun", "All")],
                      body: deployment.replacingOccurrences(of: "\"name\": \"web\", \"labels\"", with: "\"name\": \"web2\", \"labels\""), contentType: apply, view: withoutStatus))
        s.append(Step(name: "apply a name that differs from the path", method: .PATCH, path: cms + "/other", query: [("fieldManager", "a")], body: cm("ssa1"), contentType: apply))

        // Selectors and paging.
        s.append(Step(name: "create labelled configmaps", path: "", custom: { c, _ in
            for i in 0..<5 {
                _ = try await c.exchange(.POST, cms, body: Array(cm("l\(i)", labels: "{\"tier\": \"\(i % 2 == 0 ? "a" : "b")\"}").utf8))
            }
            return .null
        }))
        s.append(Step(name: "label selector", path: cms, query: [("labelSelector", "tier=a")], view: names))
        s.append(Step(name: "set-based label selector", path: cms, query: [("labelSelector", "tier in (a,b),tier!=b,!x")], view: names))
        s.append(Step(name: "field selector", path: cms, query: [("fieldSelector", "metadata.name=l1")], view: names))
        s.append(Step(name: "bad label selector", path: cms, query: [("labelSelector", "tier in a")]))
        s.append(Step(name: "bad field selector", path: cms, query: [("fieldSelector", "data.a=1")]))
        s.append(Step(name: "paging with limit and continue", path: "", custom: { c, _ in
            var pages: [Value] = []
            var token = ""
            repeat {
                var q = [("limit", "2"), ("labelSelector", "tier")]
                if !token.isEmpty { q.append(("continue", token)) }
                let a = try await c.exchange(.GET, cms, query: q)
                let v = try JSON.decode(String(decoding: a.body, as: UTF8.self))
                token = at(v, ["metadata", "continue"])?.stringValue ?? ""
                pages.append(.map(["names": names(v), "remaining": at(v, ["metadata", "remainingItemCount"]) ?? .null, "more": .bool(!token.isEmpty)]))
            } while !token.isEmpty && pages.count < 5
            return .list(pages)
        }))

        // Deletion and finalizers.
        // Metadata-only reads (hrctl's ownership check before an install).
        let metadataList = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
        s.append(Step(name: "metadata-only list", path: cms, query: [("labelSelector", "tier")], accept: metadataList))
        s.append(Step(name: "metadata-only list, nothing selected", path: cms, query: [("labelSelector", "tier=none")], accept: metadataList))
        s.append(Step(name: "metadata-only object", path: cms + "/cm1", accept: "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"))
        s.append(Step(name: "metadata-only list of one object", path: cms + "/cm1", accept: metadataList))
        s.append(Step(name: "metadata-only object of a list", path: cms, accept: "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"))
        s.append(Step(name: "delete configmap", method: .DELETE, path: cms + "/cm1"))
        s.append(Step(name: "delete missing configmap", method: .DELETE, path: cms + "/cm1"))
        s.append(Step(name: "create with a finalizer", method: .POST, path: cms, body: cm("held", extra: #", "finalizers": ["example.com/hold"]"#)))
        s.append(Step(name: "delete with a finalizer", method: .DELETE, path: cms + "/held"))
        s.append(Step(name: "get while finalizing", path: cms + "/held"))
        s.append(Step(name: "finalizer removed", method: .PATCH, path: cms + "/held", body: #"{"metadata": {"finalizers": null}}"#, contentType: "application/merge-patch+json"))
        s.append(Step(name: "gone after the finalizer", path: cms + "/held"))

        // Watch.
        s.append(Step(name: "watch events", path: "", custom: { c, _ in
            let list = try await c.request(.GET, cms)
            let rv = at(list, ["metadata", "resourceVersion"])?.stringValue
            var events: [Value] = []
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await Task.sleep(nanoseconds: 300_000_000)
                    _ = try await c.exchange(.POST, cms, body: Array(cm("w1").utf8))
                    _ = try await c.exchange(.PATCH, cms + "/w1", body: Array(#"{"data": {"a": "2"}}"#.utf8), contentType: "application/merge-patch+json")
                    _ = try await c.exchange(.DELETE, cms + "/w1")
                }
                try await c.watch(WatchTarget(path: cms, fieldSelector: "metadata.name=w1"), resourceVersion: rv, timeoutSeconds: 10) { e in
                    if e.kind == .bookmark { return true }
                    events.append(.map(["type": .string(e.kind.rawValue), "data": at(e.object, ["data"]) ?? .null]))
                    return e.kind != .deleted
                }
                try await group.waitForAll()
            }
            return .list(events)
        }))
        s.append(Step(name: "watch from an expired resourceVersion", path: "", custom: { c, _ in
            do {
                try await c.watch(WatchTarget(path: cms), resourceVersion: "2", timeoutSeconds: 3) { _ in false }
                return .string("no error")
            } catch let e as KubeAPIError { return .map(["code": .int(Int64(e.code)), "reason": .string(e.reason.rawValue)]) }
        }))

        // CRDs, custom resources, the status subresource, Table output.
        s.append(Step(name: "create CRD", method: .POST, path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: crd, view: withoutStatus))
        s.append(Step(name: "CRD becomes established", path: "", custom: { c, _ in
            for _ in 0..<50 {
                let v = try await c.request(.GET, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/things.diff.example.com")
                if case .list(let l)? = at(v, ["status", "conditions"]),
                   l.items.contains(where: { at($0, ["type"])?.stringValue == "Established" && at($0, ["status"])?.stringValue == "True" }) {
                    return .map(["conditions": .list(l.items.map { .map(["type": at($0, ["type"]) ?? .null, "status": at($0, ["status"]) ?? .null]) }
                                    .sorted { (at($0, ["type"])?.stringValue ?? "") < (at($1, ["type"])?.stringValue ?? "") }),
                                 "acceptedNames": at(v, ["status", "acceptedNames"]) ?? .null, "storedVersions": at(v, ["status", "storedVersions"]) ?? .null])
                }
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            return .string("never established")
        }))
        s.append(Step(name: "CRD discovery", path: "/apis/diff.example.com/v1", view: resources(["things", "things/status"])))
        s.append(Step(name: "create custom resource", method: .POST, path: things,
                      body: #"{"apiVersion": "diff.example.com/v1", "kind": "Thing", "metadata": {"name": "t1"}, "spec": {"size": 1}, "status": {"phase": "Ignored"}}"#,
                      remember: [("rvT", ["metadata", "resourceVersion"])]))
        s.append(Step(name: "update a custom resource without a resourceVersion", method: .PUT, path: things + "/t1/status",
                      body: #"{"apiVersion": "diff.example.com/v1", "kind": "Thing", "metadata": {"name": "t1"}, "spec": {"size": 5}, "status": {"phase": "Ready"}}"#))
        s.append(Step(name: "update the status subresource", method: .PUT, path: things + "/t1/status",
                      body: #"{"apiVersion": "diff.example.com/v1", "kind": "Thing", "metadata": {"name": "t1", "resourceVersion": "{rvT}"}, "spec": {"size": 5}, "status": {"phase": "Ready"}}"#))
        s.append(Step(name: "patch ignores status", method: .PATCH, path: things + "/t1", body: #"{"spec": {"size": 2}, "status": {"phase": "Other"}}"#,
                      contentType: "application/merge-patch+json"))
        s.append(Step(name: "custom resources, metadata only", path: things, accept: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"))
        s.append(Step(name: "a custom resource as a metadata-only list", path: things + "/t1", accept: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"))
        s.append(Step(name: "custom resources as a Table", path: things, accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json", view: { v in
            var cols: [Value] = []
            if case .list(let l)? = at(v, ["columnDefinitions"]) { cols = l.items.map { at($0, ["name"]) ?? .null } }
            var rows: [Value] = []
            if case .list(let l)? = at(v, ["rows"]) {
                rows = l.items.map { r in
                    guard case .list(let cells)? = at(r, ["cells"]) else { return .null }
                    return .list(Array(cells.items.prefix(2)))
                }
            }
            return .map(["kind": at(v, ["kind"]) ?? .null, "columns": .list(cols), "rows": .list(rows)])
        }))
        return s
    }
}
