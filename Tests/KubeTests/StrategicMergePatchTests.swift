import XCTest
import KubeAPIServer
import Values

/// Strategic merge patches as kube-apiserver applies them to built-in kinds.
final class StrategicMergePatchTests: XCTestCase {
    func deployment(_ core: APIServerCore) {
        let d: Value = .map(["apiVersion": .string("apps/v1"), "kind": .string("Deployment"), "metadata": .map(["name": .string("web"), "finalizers": .list([.string("a")])]),
                             "spec": .map(["selector": .map(["matchLabels": .map(["app": .string("web")])]),
                                           "template": .map(["metadata": .map(["labels": .map(["app": .string("web")])]),
                                                             "spec": .map(["containers": .list([
                                                                 .map(["name": .string("web"), "image": .string("nginx:1"),
                                                                       "env": .list([.map(["name": .string("A"), "value": .string("1")]), .map(["name": .string("B"), "value": .string("2")])])]),
                                                                 .map(["name": .string("sidecar"), "image": .string("envoy:1")]),
                                                             ])])])])])
        XCTAssertEqual(core.handle(APIRequest(method: "POST", path: "/apis/apps/v1/namespaces/default/deployments", body: d)).status, 201)
    }

    func patch(_ core: APIServerCore, _ body: Value, type: String = "application/strategic-merge-patch+json", path: String = "/apis/apps/v1/namespaces/default/deployments/web") -> APIResponse {
        core.handle(APIRequest(method: "PATCH", path: path, contentType: type, body: body))
    }

    func containers(_ r: APIResponse) -> [Map] {
        guard case .map(let m) = r.body, case .map(let s)? = m.entries["spec"], case .map(let t)? = s.entries["template"],
              case .map(let ps)? = t.entries["spec"], case .list(let cs)? = ps.entries["containers"] else { return [] }
        return cs.items.compactMap { if case .map(let c) = $0 { return c }; return nil }
    }

    func testContainersAndEnvMergeByNameAndDirectivesApply() {
        let core = APIServerCore()
        deployment(core)
        // One container's image and one env var change; the sidecar and env A stay.
        var r = patch(core, .map(["spec": .map(["template": .map(["spec": .map(["containers": .list([
            .map(["name": .string("web"), "image": .string("nginx:2"), "env": .list([.map(["name": .string("B"), "value": .string("3")])])]),
        ])])])])]))
        XCTAssertEqual(r.status, 200)
        var cs = containers(r)
        XCTAssertEqual(cs.map { $0.entries["name"]?.stringValue }, ["web", "sidecar"])
        XCTAssertEqual(cs[0].entries["image"]?.stringValue, "nginx:2")
        guard case .list(let env)? = cs[0].entries["env"] else { return XCTFail() }
        XCTAssertEqual(env.items.compactMap { v -> String? in if case .map(let e) = v { return "\(e.entries["name"]?.stringValue ?? "")=\(e.entries["value"]?.stringValue ?? "")" }; return nil },
                       ["A=1", "B=3"])
        // $patch: delete removes one element by its key.
        r = patch(core, .map(["spec": .map(["template": .map(["spec": .map(["containers": .list([
            .map(["name": .string("sidecar"), "$patch": .string("delete")]),
        ])])])])]))
        cs = containers(r)
        XCTAssertEqual(cs.map { $0.entries["name"]?.stringValue }, ["web"])
        // The same list in a merge patch replaces it whole.
        r = patch(core, .map(["spec": .map(["template": .map(["spec": .map(["containers": .list([
            .map(["name": .string("other"), "image": .string("busybox")]),
        ])])])])]), type: "application/merge-patch+json")
        XCTAssertEqual(containers(r).map { $0.entries["name"]?.stringValue }, ["other"])
        // Finalizers merge as a set; $deleteFromPrimitiveList removes.
        r = patch(core, .map(["metadata": .map(["finalizers": .list([.string("b")])])]))
        guard case .map(let m) = r.body, case .map(let md)? = m.entries["metadata"], case .list(let f)? = md.entries["finalizers"] else { return XCTFail() }
        XCTAssertEqual(f.items.compactMap(\.stringValue), ["a", "b"])
        r = patch(core, .map(["metadata": .map(["$deleteFromPrimitiveList/finalizers": .list([.string("a"), .string("b")])])]))
        guard case .map(let m2) = r.body, case .map(let md2)? = m2.entries["metadata"] else { return XCTFail() }
        XCTAssertNil(md2.entries["finalizers"], "an empty list is not kept (ObjectMeta's omitempty), as the real server answers")
    }

    func testCustomResourcesRefuseStrategicMergeAndWorkloadsAreValidated() {
        let core = APIServerCore()
        _ = core.handle(APIRequest(method: "POST", path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: .map([
            "metadata": .map(["name": .string("widgets.example.com")]),
            "spec": .map(["group": .string("example.com"), "scope": .string("Namespaced"), "names": .map(["plural": .string("widgets"), "kind": .string("Widget")]),
                          "versions": .list([.map(["name": .string("v1"), "served": .bool(true), "storage": .bool(true)])])]),
        ])))
        _ = core.handle(APIRequest(method: "POST", path: "/apis/example.com/v1/namespaces/default/widgets",
                                   body: .map(["apiVersion": .string("example.com/v1"), "kind": .string("Widget"), "metadata": .map(["name": .string("w")])])))
        let r = patch(core, .map(["spec": .map(["x": .float(1)])]), path: "/apis/example.com/v1/namespaces/default/widgets/w")
        XCTAssertEqual(r.status, 415)
        let bad = core.handle(APIRequest(method: "POST", path: "/apis/apps/v1/namespaces/default/deployments", body: .map([
            "metadata": .map(["name": .string("d")]),
            "spec": .map(["selector": .map(["matchLabels": .map(["app": .string("x")])]),
                          "template": .map(["metadata": .map(["labels": .map(["app": .string("x")])]), "spec": .map(["containers": .list([])])])]),
        ])))
        XCTAssertEqual(bad.status, 422)
        guard case .map(let m) = bad.body else { return XCTFail() }
        XCTAssertEqual(m.entries["message"]?.stringValue, "Deployment.apps \"d\" is invalid: spec.template.spec.containers: Required value")
    }
}
