import Foundation
import XCTest
import KubeAPIServer
import Values

/// Server-side apply against the recorded exchanges of a genuine kube-apiserver: who owns which
/// fields after each apply (managedFields of the applying manager), what is removed, conflicts
/// between managers, force and dry run.
final class ServerSideApplyTests: XCTestCase {
    struct Exchange { let title: String; let method: String; let path: String; let contentType: String?; let body: Value?; let status: Int; let response: Value? }

    static func exchanges() throws -> [Exchange] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/kube-api/recordings.jsonl")
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            let c = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let req = c["request"] as! [String: Any], resp = c["response"] as! [String: Any]
            return Exchange(title: c["title"] as! String, method: req["method"] as! String, path: req["path"] as! String,
                            contentType: req["content_type"] as? String, body: RecordedExchangeTests.toValue(req["body"]),
                            status: resp["status"] as! Int, response: RecordedExchangeTests.toValue(resp["body"]))
        }
    }

    static func fields(_ v: Value, manager: String) -> String? {
        guard case .map(let m) = v, case .map(let md)? = m.entries["metadata"], case .list(let mf)? = md.entries["managedFields"] else { return nil }
        for e in mf.items {
            if case .map(let em) = e, em.entries["manager"]?.stringValue == manager, em.entries["operation"]?.stringValue == "Apply" {
                return try? JSONEncoding.encode(em.entries["fieldsV1"] ?? .null)
            }
        }
        return nil
    }

    static func at(_ v: Value, _ path: [String]) -> Value? {
        var cur = v
        for k in path {
            if case .map(let m) = cur, let x = m.entries[k] { cur = x }
            else if case .list(let l) = cur, let i = Int(k), i < l.items.count { cur = l.items[i] }
            else { return nil }
        }
        return cur
    }

    func testApplyOwnershipRemovalConflictsForceAndDryRunAsTheRealServer() throws {
        let server = APIServerCore()
        _ = server.handle(APIRequest(method: "POST", path: "/api/v1/namespaces", body: .map(["metadata": .map(["name": .string("rec")])])))
        let applies = try Self.exchanges().filter { $0.contentType == "application/apply-patch+yaml" }
        XCTAssertEqual(applies.count, 8)
        for x in applies {
            let r = server.handle(APIRequest(method: x.method, target: x.path, contentType: x.contentType, body: x.body))
            XCTAssertEqual(r.status, x.status, "\(x.title): \((try? JSONEncoding.encode(r.body)) ?? "")")
            guard let want = x.response else { continue }
            if x.status >= 400 {
                XCTAssertEqual(try JSONEncoding.encode(r.body), try JSONEncoding.encode(want), x.title)
                continue
            }
            for manager in ["hrctl", "kubectl-edit"] {
                XCTAssertEqual(Self.fields(r.body, manager: manager), Self.fields(want, manager: manager), "\(x.title): fields of \(manager)")
            }
            for path in [["spec", "replicas"], ["spec", "template", "spec", "containers", "0", "env"], ["spec", "template", "spec", "containers", "0", "image"],
                         ["spec", "template", "spec", "containers", "0", "ports"], ["metadata", "annotations", "meta.helm.sh/release-name"]] {
                XCTAssertTrue(APIServerCoreTestHelpers.same(Self.at(r.body, path), Self.at(want, path)), "\(x.title): \(path)")
            }
        }
        // The dry run changed nothing stored: the image is still the applied one.
        let live = server.handle(APIRequest(method: "GET", path: "/apis/apps/v1/namespaces/rec/deployments/web"))
        XCTAssertEqual(Self.at(live.body, ["spec", "template", "spec", "containers", "0", "image"])?.stringValue, "nginx:1.25")
    }

    func testApplyingTheSameObjectTwiceChangesNothing() throws {
        let server = APIServerCore()
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: \"1\"\n"
        let first = server.handle(APIRequest(method: "PATCH", target: "/api/v1/namespaces/default/configmaps/c?fieldManager=hrctl", contentType: "application/apply-patch+yaml", body: .string(cm)))
        XCTAssertEqual(first.status, 201)
        let second = server.handle(APIRequest(method: "PATCH", target: "/api/v1/namespaces/default/configmaps/c?fieldManager=hrctl", contentType: "application/apply-patch+yaml", body: .string(cm)))
        XCTAssertEqual(second.status, 200)
        XCTAssertEqual(Self.at(first.body, ["metadata", "resourceVersion"])?.stringValue, Self.at(second.body, ["metadata", "resourceVersion"])?.stringValue)
        // Dropping a key the manager alone owned removes it; a key another manager owns stays.
        _ = server.handle(APIRequest(method: "PATCH", target: "/api/v1/namespaces/default/configmaps/c?fieldManager=other", contentType: "application/apply-patch+yaml",
                                     body: .string("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  b: \"2\"\n")))
        let third = server.handle(APIRequest(method: "PATCH", target: "/api/v1/namespaces/default/configmaps/c?fieldManager=hrctl", contentType: "application/apply-patch+yaml",
                                             body: .string("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  c: \"3\"\n")))
        XCTAssertEqual(third.status, 200)
        XCTAssertNil(Self.at(third.body, ["data", "a"]))
        XCTAssertEqual(Self.at(third.body, ["data", "b"])?.stringValue, "2")
        XCTAssertEqual(Self.at(third.body, ["data", "c"])?.stringValue, "3")
    }

    /// One volume mounted at two paths (rabbitmq's health checks): volumeMounts are keyed by
    /// mountPath, not name, so applying the same StatefulSet again keeps both mounts and the
    /// dry run equals what was stored (a merge by name made every `hrctl apply` see drift).
    func testVolumeMountsOfOneVolumeAtTwoPathsStayApartOnReapplyAndDryRun() throws {
        let server = APIServerCore()
        let sts = """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: mq}
            spec:
              serviceName: mq
              selector: {matchLabels: {app: mq}}
              template:
                metadata: {labels: {app: mq}}
                spec:
                  containers:
                    - name: mq
                      image: rabbitmq:3.8
                      volumeMounts:
                        - {name: checks, mountPath: /usr/local/sbin/api-check, subPath: api-check}
                        - {name: checks, mountPath: /usr/local/sbin/health-check, subPath: health-check}
                  volumes: [{name: checks, configMap: {name: checks}}]
            """
        let path = "/apis/apps/v1/namespaces/default/statefulsets/mq?fieldManager=helm&force=true"
        let created = server.handle(APIRequest(method: "PATCH", target: path, contentType: "application/apply-patch+yaml", body: .string(sts)))
        XCTAssertEqual(created.status, 201)
        let mounts = ["spec", "template", "spec", "containers", "0", "volumeMounts"]
        guard case .list(let l)? = Self.at(created.body, mounts) else { return XCTFail("no volumeMounts") }
        XCTAssertEqual(l.items.count, 2)
        let fields = Self.fields(created.body, manager: "helm") ?? ""
        XCTAssertTrue(fields.contains(#""k:{\"mountPath\":\"/usr/local/sbin/health-check\"}""#), fields)
        let dry = server.handle(APIRequest(method: "PATCH", target: path + "&dryRun=All", contentType: "application/apply-patch+yaml", body: .string(sts)))
        XCTAssertEqual(dry.status, 200)
        XCTAssertTrue(APIServerCoreTestHelpers.same(Self.at(dry.body, ["spec"]), Self.at(created.body, ["spec"])))
        let again = server.handle(APIRequest(method: "PATCH", target: path, contentType: "application/apply-patch+yaml", body: .string(sts)))
        XCTAssertEqual(Self.at(again.body, ["metadata", "resourceVersion"])?.stringValue, Self.at(created.body, ["metadata", "resourceVersion"])?.stringValue,
                       "an unchanged apply is a no-op")
        XCTAssertTrue(APIServerCoreTestHelpers.same(Self.at(again.body, mounts), Self.at(created.body, mounts)))
    }
}

enum APIServerCoreTestHelpers {
    static func same(_ a: Value?, _ b: Value?) -> Bool {
        (a.flatMap { try? JSONEncoding.encode($0) }) == (b.flatMap { try? JSONEncoding.encode($0) })
    }
}
