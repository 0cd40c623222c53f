import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
import Values
import YAML
import Kube
import Release
import Actions
import ChartSource
import KubeTestServer
import Operator

/// The operator against the loopback API server: HelmRelease objects created, changed and
/// deleted with kubectl's verbs, the releases following them.
final class OperatorTests: XCTestCase {
    var server: KubeTestServer!
    var client: KubeClient!
    var context: ActionContext!
    var fetcher: ChartFetcher!
    var operators: [(Operator, Task<Void, Error>)] = []
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    override func setUp() async throws {
        server = try KubeTestServer()
        let port = try server.start()
        let text = server.credentials.kubeconfig(url: server.url(port: port))
        let access = try KubeConfig.load(explicitPath: "kc", environment: [:], readFile: { _ in text }).resolve(context: nil, namespace: nil)
        client = try KubeClient(access: access, maxAttempts: 2)
        context = ActionContext(client: client)
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("hrctl-op-cache-\(port)").path
        fetcher = try ChartFetcher(cache: ChartCache(root: cache))
        _ = try await client.request(.POST, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: HelmReleaseCRD.definition())
        // The CRD controller establishes it as it is read.
        for _ in 0..<5 { _ = try await client.request(.GET, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/helmreleases.helm.fluxcd.io") }
        _ = try await client.request(.POST, "/api/v1/namespaces", body: .map(["metadata": .map(["name": .string("apps")])]))
    }

    override func tearDown() async throws {
        for (op, task) in operators { op.stop(); _ = try? await task.value }
        operators = []
        await fetcher?.shutdown()
        try? await client?.shutdown()
        server?.stop()
    }

    @discardableResult
    func startOperator(identity: String = "op-1", resync: Double = 1, workers: Int = 2, selector: String? = nil,
                       context: ActionContext? = nil, scaleOut: Bool = false, trace: (@Sendable (String, Bool) async -> Void)? = nil) -> Operator {
        var config = OperatorConfig(identity: identity)
        config.scaleOut = scaleOut
        config.watchLabelSelector = selector
        config.leaseName = OperatorConfig.leaseName(selector: selector)
        config.resyncInterval = resync
        config.workers = workers
        config.leaseDuration = 2
        config.retryPeriod = 0.2
        config.backoffBase = 0.2
        config.backoffMax = 2
        config.gracePeriod = 5
        let op = Operator(config: config, context: context ?? self.context, fetcher: fetcher)
        op.trace = trace
        operators.append((op, Task { try await op.run() }))
        return op
    }

    func helmRelease(_ name: String, values: String, extra: String = "", chart: String = OperatorTests.repoRoot + "/Fixtures/charts/shop") -> Value {
        let text = """
        apiVersion: helm.fluxcd.io/v1
        kind: HelmRelease
        metadata: {name: \(name), namespace: apps}
        spec:
          releaseName: \(name)
          chart: {path: \(chart)}
          values: \(values)
        \(extra)
        """
        return try! YAML.load(text)!
    }

    var releases: String { "/apis/helm.fluxcd.io/v1/namespaces/apps/helmreleases" }

    func get(_ path: String) async -> Value? { try? await client.request(.GET, path) }

    func status(_ name: String) async -> ReleaseStatus {
        guard case .map(let m)? = await get(releases + "/" + name) else { return ReleaseStatus() }
        return ReleaseStatus(m.entries["status"])
    }

    /// Waits up to `seconds` for `condition`; fails with `message` when it never holds.
    func eventually(_ message: String, seconds: Double = 15, file: StaticString = #filePath, line: UInt = #line,
                    _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        XCTFail("timed out: \(message)", file: file, line: line)
    }

    func history(_ name: String) async -> [Release] { (try? await context.storage.history(name, namespace: "apps")) ?? [] }

    func testCreateChangeValuesDriftAndDelete() async throws {
        _ = try await client.request(.POST, "/api/v1/namespaces/apps/configmaps", body: .map([
            "metadata": .map(["name": .string("shop-values")]), "data": .map(["values.yaml": .string("message: from the configmap\n")])]))
        startOperator()
        _ = try await client.request(.POST, releases, body: helmRelease("shop", values: "{replicas: 1, hooks: false}", extra: """
          valuesFrom:
          - configMapKeyRef: {name: shop-values, key: values.yaml}
        """))
        try await eventually("installed and Deployed") { await self.status("shop").phase == .deployed }
        var st = await status("shop")
        XCTAssertEqual(st.releaseName, "shop")
        XCTAssertEqual(st.releaseStatus, "deployed")
        XCTAssertEqual(st.observedGeneration, 1)
        XCTAssertEqual(st.condition("ChartFetched")?.status, "True")
        XCTAssertEqual(st.condition("Released")?.status, "True")
        guard case .map(let cm)? = await get("/api/v1/namespaces/apps/configmaps/shop-config"), case .map(let data)? = cm.entries["data"] else {
            return XCTFail("the chart's ConfigMap is missing")
        }
        XCTAssertEqual(data.entries["message"]?.stringValue, "from the configmap")
        guard case .map(let obj)? = await get(releases + "/shop"), case .map(let md)? = obj.entries["metadata"] else { return XCTFail() }
        guard case .list(let fin)? = md.entries["finalizers"] else { return XCTFail("no finalizers") }
        XCTAssertEqual(fin.items.compactMap(\.stringValue), ["helm.fluxcd.io"])

        // A spec change upgrades.
        _ = try await client.request(.PATCH, releases + "/shop", body: .map(["spec": .map(["values": .map(["replicas": .float(2)])])]),
                                     contentType: "application/merge-patch+json")
        try await eventually("upgraded for generation 2") {
            let n = await self.history("shop").count
            let g = await self.status("shop").observedGeneration
            return n == 2 && g == 2
        }
        // A change of the referenced ConfigMap upgrades.
        _ = try await client.request(.PATCH, "/api/v1/namespaces/apps/configmaps/shop-values",
                                     body: .map(["data": .map(["values.yaml": .string("message: changed\n")])]), contentType: "application/merge-patch+json")
        try await eventually("upgraded for the ConfigMap") {
            guard case .map(let cm)? = await self.get("/api/v1/namespaces/apps/configmaps/shop-config"), case .map(let d)? = cm.entries["data"] else { return false }
            return d.entries["message"]?.stringValue == "changed"
        }
        // An object deleted in the cluster comes back on the next resync.
        _ = try await client.request(.DELETE, "/apis/apps/v1/namespaces/apps/deployments/shop-web")
        try await eventually("drift repaired") { await self.get("/apis/apps/v1/namespaces/apps/deployments/shop-web") != nil }
        st = await status("shop")
        XCTAssertEqual(st.phase, .deployed)

        // Events for `kubectl describe hr`.
        guard case .map(let events)? = await get("/api/v1/namespaces/apps/events"), case .list(let items)? = events.entries["items"] else { return XCTFail() }
        let reasons = items.items.compactMap { v -> String? in if case .map(let m) = v { return m.entries["reason"]?.stringValue }; return nil }
        XCTAssertTrue(reasons.contains("ReleaseSynced"), "\(reasons)")

        // Deleting the HelmRelease uninstalls the release, then the finalizer lets it go.
        _ = try await client.request(.DELETE, releases + "/shop")
        try await eventually("uninstalled and gone") { await self.get(self.releases + "/shop") == nil }
        let left = await history("shop")
        XCTAssertTrue(left.isEmpty, "\(left.map(\.version))")
        let deployment = await get("/apis/apps/v1/namespaces/apps/deployments/shop-web")
        XCTAssertNil(deployment)
    }

    func testAFailingChartIsDeployFailedThenRolledBackWhenAsked() async throws {
        startOperator()
        _ = try await client.request(.POST, releases, body: helmRelease("shaky", values: "{hooks: true}"))
        try await eventually("installed") { await self.status("shaky").phase == .deployed }
        _ = try await client.request(.PATCH, releases + "/shaky", body: .map(["spec": .map(["values": .map(["failHook": .bool(true)])])]),
                                     contentType: "application/merge-patch+json")
        try await eventually("DeployFailed") { await self.status("shaky").phase == .deployFailed }
        var st = await status("shaky")
        XCTAssertEqual(st.condition("Released")?.status, "False")
        XCTAssertTrue(st.condition("Released")?.message.contains("shaky-migrate") == true, st.condition("Released")?.message ?? "")
        XCTAssertEqual(st.releaseStatus, "failed")
        // rollback.enable: the next attempt fails again and is rolled back.
        _ = try await client.request(.PATCH, releases + "/shaky", body: .map(["spec": .map(["rollback": .map(["enable": .bool(true)])])]),
                                     contentType: "application/merge-patch+json")
        try await eventually("RolledBack") { await self.status("shaky").phase == .rolledBack }
        st = await status("shaky")
        XCTAssertEqual(st.condition("RolledBack")?.status, "True")
        XCTAssertEqual(st.releaseStatus, "deployed")
        let h = await history("shaky")
        XCTAssertEqual(h.last?.info.status, .deployed)
        XCTAssertTrue(h.last?.info.description.hasPrefix("Rollback to 1") == true, h.last?.info.description ?? "")
    }

    func testTwoOperatorsOneLeaderAndHandOverOnStop() async throws {
        let a = startOperator(identity: "a")
        try await eventually("a leads") { await a.isLeader }
        let b = startOperator(identity: "b")
        try await Task.sleep(nanoseconds: 800_000_000)
        let bLeads = await b.isLeader
        XCTAssertFalse(bLeads, "two leaders")
        a.stop()
        try await eventually("b takes over", seconds: 5) { await b.isLeader }
        let aLeads = await a.isLeader
        XCTAssertFalse(aLeads)
        guard case .map(let lease)? = await get("/apis/coordination.k8s.io/v1/namespaces/default/leases/hrctl-operator"),
              case .map(let spec)? = lease.entries["spec"] else { return XCTFail("no lease") }
        XCTAssertEqual(spec.entries["holderIdentity"]?.stringValue, "b")
    }

    func testRestartMidReconcileConverges() async throws {
        server.core.controllerDelay = 1
        let first = startOperator(identity: "first")
        _ = try await client.request(.POST, releases, body: helmRelease("slow", values: "{hooks: false}", extra: "  wait: true"))
        try await eventually("the first operator started deploying") { (await self.history("slow")).first?.info.status == .pendingInstall }
        // Killed mid-apply: its reconcile is abandoned, its lock stays behind.
        operators[0].1.cancel()
        first.stop()
        _ = try? await operators[0].1.value
        server.core.controllerDelay = 0
        startOperator(identity: "second")
        try await eventually("the second operator recovers the lock and deploys", seconds: 20) { await self.status("slow").phase == .deployed }
        let h = await history("slow")
        XCTAssertEqual(h.last?.info.status, .deployed)
    }

    func testManyReleasesAllDeployedWithProbesAndMetrics() async throws {
        let op = startOperator(workers: 4)
        let probes = ProbeServer(answer: { await op.probe($0) })
        let port = try probes.start(host: "127.0.0.1", port: 0)
        defer { probes.stop() }
        for i in 0..<10 { _ = try await client.request(.POST, releases, body: helmRelease("r\(i)", values: "{hooks: false}")) }
        try await eventually("all Deployed", seconds: 30) {
            for i in 0..<10 where await self.status("r\(i)").phase != .deployed { return false }
            return true
        }
        func fetch(_ path: String) async throws -> String {
            let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            return String(decoding: data, as: UTF8.self)
        }
        let health = try await fetch("/healthz")
        XCTAssertEqual(health, "ok\n")
        let metrics = try await fetch("/metrics")
        XCTAssertTrue(metrics.contains("hrctl_leader 1"), metrics)
        XCTAssertTrue(metrics.contains("hrctl_helmreleases 10"), metrics)
        let successes = await op.metrics.count("success")
        XCTAssertGreaterThanOrEqual(successes, 10)
    }

    /// Lines an operator logs, for tests that read them.
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
    }

    func testANoOpResyncSendsNothingAndEveryFailureIsLogged() async throws {
        let log = Lines()
        let requests = Lines()
        let logged = ActionContext(client: client, progress: { log.add($0) })
        let op = startOperator(resync: 0.5, context: logged)
        _ = try await client.request(.POST, releases, body: helmRelease("quiet", values: "{hooks: false}"))
        _ = try await client.request(.POST, releases, body: helmRelease("broken", values: "{}", chart: "/nonexistent/chart"))
        try await eventually("installed") { await self.status("quiet").phase == .deployed }
        try await Task.sleep(nanoseconds: 1_000_000_000)
        server.requestLog = { requests.add($0) }
        try await Task.sleep(nanoseconds: 2_500_000_000)
        server.requestLog = nil
        // Several resyncs later: nothing was read or written for the unchanged release.
        let aboutQuiet = requests.all.filter { $0.contains("/helmreleases/quiet") || $0.contains("sh.helm.release.v1.quiet") || $0.contains("name%3Dquiet") }
        XCTAssertEqual(aboutQuiet, [], "requests for an unchanged release")
        let skipped = await op.metrics.skipped
        XCTAssertGreaterThanOrEqual(skipped, 2)
        // The failing one is in the log each time it fails, not only in an Event.
        let failures = log.all.filter { $0.contains("reconcile of HelmRelease apps/broken failed") }
        XCTAssertGreaterThanOrEqual(failures.count, 2, "\(log.all)")
        XCTAssertTrue(failures.first?.contains("/nonexistent/chart") == true, failures.first ?? "")
    }

    func testOwnedObjectsAndValuesAreWatchedSoChangesActWithinTwoSecondsWithoutAResync() async throws {
        _ = try await client.request(.POST, "/api/v1/namespaces/apps/configmaps", body: .map([
            "metadata": .map(["name": .string("watched-values")]), "data": .map(["values.yaml": .string("message: one\n")])]))
        let log = Lines()
        startOperator(resync: 300, context: ActionContext(client: client, progress: { log.add($0) }))
        defer { if testRun?.hasSucceeded == false { print(log.all.joined(separator: "\n")) } }
        _ = try await client.request(.POST, releases, body: helmRelease("shop", values: "{hooks: false}", extra: """
          valuesFrom:
          - configMapKeyRef: {name: watched-values, key: values.yaml}
        """))
        try await eventually("installed") { await self.status("shop").phase == .deployed }
        func message() async -> String? {
            guard case .map(let cm)? = await get("/api/v1/namespaces/apps/configmaps/shop-config"), case .map(let d)? = cm.entries["data"] else { return nil }
            return d.entries["message"]?.stringValue
        }
        _ = try await client.request(.DELETE, "/apis/apps/v1/namespaces/apps/deployments/shop-web")
        try await eventually("the deleted Deployment back", seconds: 2) { await self.get("/apis/apps/v1/namespaces/apps/deployments/shop-web") != nil }
        _ = try await client.request(.PATCH, "/api/v1/namespaces/apps/configmaps/watched-values",
                                     body: .map(["data": .map(["values.yaml": .string("message: two\n")])]), contentType: "application/merge-patch+json")
        try await eventually("the values change upgraded", seconds: 2) { await message() == "two" }
        let h = await history("shop")
        XCTAssertEqual(h.map(\.info.status), [.superseded, .superseded, .deployed])
    }

    func testLabelSelectedShardsEachReconcileTheirOwn() async throws {
        let a = startOperator(identity: "a", resync: 300, selector: "shard=a")
        let b = startOperator(identity: "b", resync: 300, selector: "shard=b")
        try await eventually("both lead their shard") { let x = await a.isLeader; let y = await b.isLeader; return x && y }
        for (name, shard) in [("one", "a"), ("two", "b"), ("three", "b")] {
            var doc = helmRelease(name, values: "{hooks: false}")
            if case .map(let m) = doc, case .map(let md)? = m.entries["metadata"] { md.entries["labels"] = .map(["shard": .string(shard)]) }
            doc = try YAML.load(try YAMLWriter.marshal(doc))!
            _ = try await client.request(.POST, releases, body: doc)
        }
        try await eventually("all three deployed") {
            for n in ["one", "two", "three"] where await self.status(n).phase != .deployed { return false }
            return true
        }
        let (_, am) = await a.probe("/metrics"), (_, bm) = await b.probe("/metrics")
        XCTAssertTrue(am.contains("hrctl_helmreleases 1\n"), am)
        XCTAssertTrue(bm.contains("hrctl_helmreleases 2\n"), bm)
    }

    /// Who reconciles what, across replicas: a second replica starting a key already in
    /// flight elsewhere is a violation.
    actor Spans {
        var active: [String: String] = [:]
        var violations: [String] = []
        var byReplica: [String: Int] = [:]
        func begin(_ key: String, _ who: String) {
            if let other = active[key] { violations.append("\(key): \(who) began while \(other) was reconciling it") }
            active[key] = who
            byReplica[who, default: 0] += 1
        }
        func end(_ key: String, _ who: String) { if active[key] == who { active[key] = nil } }
    }

    func testScaledOutReplicasShareTheReleasesAndNeverReconcileOneAtOnceWhileJoiningAndLeaving() async throws {
        let spans = Spans()
        func replica(_ id: String) -> Operator {
            startOperator(identity: id, resync: 300, scaleOut: true, trace: { key, begins in
                if begins { await spans.begin(key, id) } else { await spans.end(key, id) }
            })
        }
        let a = replica("a"), b = replica("b")
        for i in 0..<12 { _ = try await client.request(.POST, releases, body: helmRelease("s\(i)", values: "{hooks: false}")) }
        try await eventually("all 12 deployed by two replicas", seconds: 40) {
            for i in 0..<12 where await self.status("s\(i)").phase != .deployed { return false }
            return true
        }
        let first = await spans.byReplica
        XCTAssertGreaterThan(first["a", default: 0], 0, "\(first)")
        XCTAssertGreaterThan(first["b", default: 0], 0, "\(first)")
        // A third joins and the first leaves while every release changes: shares move, nothing is lost.
        let c = replica("c")
        for i in 0..<12 {
            _ = try await client.request(.PATCH, releases + "/s\(i)", body: .map(["spec": .map(["values": .map(["replicas": .float(2)])])]),
                                         contentType: "application/merge-patch+json")
            if i == 5 { a.stop() }
        }
        try await eventually("every change reconciled by the others", seconds: 60) {
            for i in 0..<12 where await self.status("s\(i)").observedGeneration != 2 { return false }
            return true
        }
        let later = await spans.byReplica
        XCTAssertGreaterThan(later["c", default: 0], 0, "the joining replica got no share: \(later)")
        let violations = await spans.violations
        XCTAssertEqual(violations, [])
        for i in 0..<12 {
            let h = await history("s\(i)")
            XCTAssertEqual(h.filter { $0.info.status == .deployed }.count, 1, "s\(i)")
        }
        _ = (b, c)
    }

    func testRendezvousHashingMovesOnlyTheLeavingMembersShare() {
        let keys = (0..<3000).map { "ns/r\($0)" }
        let three = ["a", "b", "c"], two = ["a", "b"]
        var counts: [String: Int] = [:]
        var moved = 0
        for k in keys {
            let before = Membership.owner(k, three)!, after = Membership.owner(k, two)!
            counts[before, default: 0] += 1
            if before != "c" && before != after { moved += 1 }
        }
        XCTAssertEqual(moved, 0, "keys of the staying members moved")
        for m in three { XCTAssertGreaterThan(counts[m, default: 0], 800, "\(counts)") }
    }
}
