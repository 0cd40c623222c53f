import XCTest
import Kube
import KubeTestServer
import Values

/// Watches over real HTTPS against the loopback API server: streamed events, selectors,
/// resuming from a resourceVersion, 410 Expired and relisting, controllers seen through a watch.
final class WatchTests: XCTestCase {
    var server: KubeTestServer!
    var client: KubeClient!

    override func setUp() async throws {
        server = try KubeTestServer()
        let port = try server.start()
        let text = server.credentials.kubeconfig(url: server.url(port: port))
        let access = try KubeConfig.load(explicitPath: "kc", environment: [:], readFile: { _ in text }).resolve(context: nil, namespace: nil)
        client = try KubeClient(access: access)
    }

    override func tearDown() async throws {
        try? await client.shutdown()
        server.stop()
    }

    let configmaps = "/api/v1/namespaces/default/configmaps"

    func configMap(_ name: String, labels: [String: String] = [:]) -> Value {
        .map(["apiVersion": .string("v1"), "kind": .string("ConfigMap"),
              "metadata": .map(["name": .string(name), "labels": .map(Map(labels.mapValues { .string($0) }))])])
    }

    static func name(_ e: WatchEvent) -> String {
        if case .map(let m) = e.object, case .map(let md)? = m.entries["metadata"] { return md.entries["name"]?.stringValue ?? "" }
        return ""
    }

    func listVersion() async throws -> String {
        guard case .map(let l) = try await client.request(.GET, configmaps), case .map(let md)? = l.entries["metadata"],
              let rv = md.entries["resourceVersion"]?.stringValue else { throw XCTSkip("no list version") }
        return rv
    }

    func testEventsStreamAsTheyHappenWithBookmarksAndSelectors() async throws {
        let rv = try await listVersion()
        server.core.bookmarkInterval = 0.2
        let client = self.client!, configmaps = self.configmaps
        let make = { (n: String, l: [String: String]) -> Value in
            .map(["apiVersion": .string("v1"), "kind": .string("ConfigMap"),
                  "metadata": .map(["name": .string(n), "labels": .map(Map(l.mapValues { .string($0) }))])])
        }
        let writer = Task {
            try await Task.sleep(nanoseconds: 200_000_000)
            _ = try await client.request(.POST, configmaps, body: make("other", ["app": "db"]))
            _ = try await client.request(.POST, configmaps, body: make("w1", ["app": "web"]))
            _ = try await client.request(.PATCH, configmaps + "/w1", body: .map(["data": .map(["x": .string("y")])]), contentType: "application/merge-patch+json")
            _ = try await client.request(.DELETE, configmaps + "/w1")
        }
        var seen: [String] = []
        var versions: [Int] = []
        try await client.watch(WatchTarget(path: configmaps, labelSelector: "app=web"), resourceVersion: rv, timeoutSeconds: 2) { e in
            if e.kind == .bookmark { if !seen.contains("BOOKMARK") { seen.append("BOOKMARK") }; return true }
            seen.append("\(e.kind.rawValue) \(Self.name(e))")
            versions.append(Int(e.resourceVersion ?? "") ?? 0)
            return true
        }
        try await writer.value
        XCTAssertEqual(seen.filter { $0 != "BOOKMARK" }, ["ADDED w1", "MODIFIED w1", "DELETED w1"], "only app=web, in order")
        XCTAssertTrue(seen.contains("BOOKMARK"))
        XCTAssertEqual(versions, versions.sorted())
        XCTAssertEqual(Set(versions).count, 3, "a deletion has its own resourceVersion")
    }

    func testResumingFromAVersionReplaysWhatHappenedSince() async throws {
        _ = try await client.request(.POST, configmaps, body: configMap("before"))
        let rv = try await listVersion()
        _ = try await client.request(.POST, configmaps, body: configMap("after1"))
        _ = try await client.request(.POST, configmaps, body: configMap("after2"))
        var names: [String] = []
        try await client.watch(WatchTarget(path: configmaps), resourceVersion: rv, timeoutSeconds: 1) { e in
            if e.kind != .bookmark { names.append(Self.name(e)) }
            return true
        }
        XCTAssertEqual(names, ["after1", "after2"])
        // Without a version: the current objects as ADDED first.
        var initial: [String] = []
        try await client.watch(WatchTarget(path: configmaps, fieldSelector: "metadata.name=before"), resourceVersion: nil, timeoutSeconds: 1) { e in
            if e.kind != .bookmark { initial.append("\(e.kind.rawValue) \(Self.name(e))") }
            return true
        }
        XCTAssertEqual(initial, ["ADDED before"])
    }

    func testATooOldVersionIsExpiredAndTheReflectorRelists() async throws {
        do {
            try await client.watch(WatchTarget(path: configmaps), resourceVersion: "1", timeoutSeconds: 1) { _ in true }
            XCTFail("a version older than the log was accepted")
        } catch let e as KubeAPIError {
            XCTAssertEqual(e.code, 410)
            XCTAssertEqual(e.reason, .expired)
            XCTAssertTrue(e.message.hasPrefix("too old resource version: 1 ("), e.message)
        }
        // A reflector resuming from a version the server no longer keeps lists again, then watches.
        _ = try await client.request(.POST, configmaps, body: configMap("c0"))
        var reflector = Reflector(client: client, target: WatchTarget(path: configmaps))
        reflector.startVersion = "1"
        let seen = Seen()
        let watcher = Task { [reflector] in
            try await reflector.run { update in
                switch update {
                case .replaced(let items): await seen.replace(items.map { v -> String in
                    if case .map(let m) = v, case .map(let md)? = m.entries["metadata"] { return md.entries["name"]?.stringValue ?? "" }
                    return ""
                })
                case .event(let e): await seen.add("\(e.kind.rawValue) \(WatchTests.name(e))")
                case .page: XCTFail("pages without a page size")
                }
                return !(await seen.names).contains("ADDED last")
            }
        }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, await seen.lists == 0 { try await Task.sleep(nanoseconds: 20_000_000) }
        _ = try await client.request(.POST, configmaps, body: configMap("last"))
        try await watcher.value
        let names = await seen.names, lists = await seen.lists, listed = await seen.listed
        XCTAssertEqual(lists, 1, "410 → one relist")
        XCTAssertTrue(listed.contains("c0"), "\(listed)")
        XCTAssertEqual(names, ["ADDED last"])
    }

    func testControllersProgressAreSeenThroughAWatch() async throws {
        server.core.controllerDelay = 0.3
        let deployments = "/apis/apps/v1/namespaces/default/deployments"
        let d: Value = .map(["apiVersion": .string("apps/v1"), "kind": .string("Deployment"), "metadata": .map(["name": .string("web")]),
                             "spec": .map(["replicas": .float(2), "selector": .map(["matchLabels": .map(["a": .string("b")])]),
                                           "template": .map(["metadata": .map(["labels": .map(["a": .string("b")])]),
                                                             "spec": .map(["containers": .list([.map(["name": .string("c"), "image": .string("nginx")])])])])])])
        _ = try await client.request(.POST, deployments, body: d)
        var ready = false
        try await client.watch(WatchTarget(path: deployments), resourceVersion: "0", timeoutSeconds: 3) { e in
            if case .map(let m) = e.object, case .map(let st)? = m.entries["status"], case .float(2, _)? = st.entries["readyReplicas"] { ready = true }
            return !ready
        }
        XCTAssertTrue(ready, "the simulated controller's status change arrives as a MODIFIED event")
    }
}

actor Seen {
    var names: [String] = []
    var listed: [String] = []
    var lists = 0
    func replace(_ items: [String]) { lists += 1; listed = items }
    func add(_ s: String) { names.append(s) }
}
