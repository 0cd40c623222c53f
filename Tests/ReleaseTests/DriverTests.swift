import XCTest
import Release
import Values
import Kube
import KubeTestServer

/// The drivers behind ReleaseStorage: Helm's object layout for Secrets and ConfigMaps, the
/// lock (create-if-absent) and the fence (update-if-unchanged) in the storage's own errors,
/// the newest revision per release read from labels, and the size limit that names the way out.
final class DriverTests: XCTestCase {
    var server: KubeTestServer!
    var client: KubeClient!

    override func setUp() async throws {
        server = try KubeTestServer()
        let port = try server.start()
        let cfg = try KubeConfig.load(explicitPath: "kc", environment: [:], readFile: { [server] _ in server!.credentials.kubeconfig(url: server!.url(port: port)) })
        client = try KubeClient(access: try cfg.resolve(context: nil, namespace: nil))
    }

    override func tearDown() async throws {
        try await client.shutdown()
        server.stop()
    }

    static func release(_ name: String, _ version: Int, _ status: Release.Status = .deployed, namespace: String = "default", blob: String = "") -> Release {
        Release(name: name, namespace: namespace, version: version,
                info: .init(firstDeployed: "2026-12-01T10:00:00Z", lastDeployed: "2026-12-01T10:00:00Z", description: "d", status: status),
                chart: Map(["metadata": .map(["name": .string("shop"), "version": .string("1.0.0")])]),
                config: blob.isEmpty ? Map([:]) : Map(["blob": .string(blob)]), manifest: "")
    }

    func object(_ collection: String, _ name: String) async throws -> Map {
        guard case .map(let m) = try await client.request(.GET, "/api/v1/namespaces/default/\(collection)/\(name)") else { throw ReleaseDecodeError("not an object") }
        return m
    }

    func labels(_ m: Map) -> [String: String] {
        guard case .map(let md)? = m.entries["metadata"], case .map(let l)? = md.entries["labels"] else { return [:] }
        return l.entries.compactMapValues { $0.stringValue }
    }

    func testConfigMapRecordsHaveHelmsLayoutAndLabels() async throws {
        let storage = ReleaseStorage(driver: KubeRecordDriver(client: client, kind: .configMap))
        var r = Self.release("web", 1, .pendingInstall)
        try await storage.create(r)
        var cm = try await object("configmaps", "sh.helm.release.v1.web.v1")
        XCTAssertNil(cm.entries["type"])
        guard case .map(let data)? = cm.entries["data"] else { return XCTFail() }
        XCTAssertEqual(Array(data.entries.keys), ["release"])
        // The text itself (base64 of gzip), not base64'd once more as a Secret's data is.
        XCTAssertEqual(try ReleaseCodec.decode(data.entries["release"]?.stringValue ?? "").name, "web")
        var l = labels(cm)
        XCTAssertEqual(l["name"], "web"); XCTAssertEqual(l["owner"], "helm"); XCTAssertEqual(l["status"], "pending-install"); XCTAssertEqual(l["version"], "1")
        XCTAssertNotNil(l["createdAt"]); XCTAssertNil(l["modifiedAt"])
        r.info.status = .deployed
        try await storage.update(r)
        cm = try await object("configmaps", "sh.helm.release.v1.web.v1")
        l = labels(cm)
        XCTAssertEqual(l["status"], "deployed"); XCTAssertNotNil(l["modifiedAt"]); XCTAssertNil(l["createdAt"])
        let history = try await storage.history("web", namespace: "default")
        XCTAssertEqual(history.map(\.info.status), [.deployed])
        // Nothing went to Secrets.
        guard case .map(let secrets) = try await client.request(.GET, "/api/v1/namespaces/default/secrets"), case .list(let items)? = secrets.entries["items"] else { return XCTFail() }
        XCTAssertEqual(items.items.count, 0)
    }

    func testCreateIsTheLockAndAStaleTokenIsAConflictOnEveryDriver() async throws {
        let drivers: [any ReleaseDriver] = [KubeRecordDriver(client: client, kind: .secret), KubeRecordDriver(client: client, kind: .configMap), MemoryDriver()]
        for driver in drivers {
            let storage = ReleaseStorage(driver: driver)
            var r = Self.release("lock-\(driver.name.lowercased())", 1, .pendingInstall)
            let token = try await storage.create(r)
            do { try await storage.create(r); XCTFail("\(driver.name): created twice") } catch let e as StorageError {
                XCTAssertEqual(e.description, "release: already exists")
            }
            r.info.description = "another writer"
            try await storage.update(r)
            let current = try await storage.token(r.name, version: 1, namespace: "default")
            XCTAssertNotEqual(current, token, driver.name)
            r.info.status = .deployed
            do { try await storage.update(r, ifUnchangedSince: token); XCTFail("\(driver.name): stale token accepted") } catch let e as StorageError {
                XCTAssertEqual(e, .conflict(key: "sh.helm.release.v1.\(r.name).v1"), driver.name)
            }
            try await storage.update(r, ifUnchangedSince: current)
            try await storage.delete(r.name, version: 1, namespace: "default")
            let gone = try await storage.token(r.name, version: 1, namespace: "default")
            XCTAssertNil(gone, driver.name)
        }
    }

    func testListReadsTheNewestRevisionOfEachReleaseWithItsStatuses() async throws {
        for kind in [KubeRecordDriver.Kind.secret, .configMap] {
            let storage = ReleaseStorage(driver: KubeRecordDriver(client: client, kind: kind))
            let k = "\(kind)".lowercased()
            for (name, statuses) in [("a", [Release.Status.superseded, .superseded, .deployed]), ("b", [.deployed, .pendingUpgrade])] {
                for (i, s) in statuses.enumerated() { try await storage.create(Self.release(name + k, i + 1, s)) }
            }
            let summaries = try await storage.summaries(namespace: "default").sorted { $0.latest.name < $1.latest.name }
            XCTAssertEqual(summaries.map { "\($0.latest.name).v\($0.latest.version)" }, ["a\(k).v3", "b\(k).v2"])
            XCTAssertEqual(summaries.last?.statuses.map(\.status), [.deployed, .pendingUpgrade])
            let latest = try await storage.latest(namespace: nil)
            XCTAssertEqual(latest.map(\.version), [3, 2])
        }
    }

    func testTooLargeForASecretOrConfigMapIsRefusedNamingTheSQLDriver() async throws {
        var bytes = [UInt8](repeating: 0, count: 1 << 20)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let r = Self.release("big", 1, blob: Base64.encode(bytes))
        for kind in [KubeRecordDriver.Kind.secret, .configMap] {
            let storage = ReleaseStorage(driver: KubeRecordDriver(client: client, kind: kind))
            XCTAssertThrowsError(try storage.checkSize(r)) { e in
                let text = "\(e)"
                XCTAssertTrue(text.hasPrefix("release record sh.helm.release.v1.big.v1 would be "), text)
                XCTAssertTrue(text.contains("Nothing was written") && text.contains("HELM_DRIVER=sql"), text)
                XCTAssertTrue(text.contains(kind == .secret ? "Kubernetes Secret may hold" : "Kubernetes ConfigMap may hold"), text)
            }
        }
        XCTAssertNoThrow(try ReleaseStorage(driver: MemoryDriver()).checkSize(r))
    }
}
