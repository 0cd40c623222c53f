import Values
import Kube

/// Helm's Storage over one driver: the history of a release, its newest revision, the newest
/// of every release, and writes that encode a record once and check it fits the driver.
public struct ReleaseStorage: Sendable {
    public var driver: any ReleaseDriver
    /// Known revisions (an operator's watch of the records): histories are then read by name.
    public var index: RecordIndex?

    public init(driver: any ReleaseDriver) { self.driver = driver }

    /// Helm's default: the Secrets driver.
    public init(client: KubeClient, storageNamespace: String? = nil) {
        driver = KubeRecordDriver(client: client, kind: .secret, storageNamespace: storageNamespace)
    }

    /// The same storage with records kept in `namespace` (nil: beside each release).
    public func storing(in namespace: String?) -> ReleaseStorage {
        var s = self
        s.driver = driver.storing(in: namespace)
        return s
    }

    public static func secretName(_ name: String, _ version: Int) -> String { RecordKey.make(name, version) }

    /// The Secret as the Secrets driver writes it on update.
    public static func secret(_ r: Release, namespace: String? = nil, encoded given: String? = nil) throws -> Value {
        KubeRecordDriver.object(.secret, r, encoded: try given ?? ReleaseCodec.encode(r), namespace: namespace ?? r.namespace, created: false)
    }

    /// Reads a Secret of the Secrets driver back into a release.
    public static func release(fromSecret v: Value) throws -> Release { try KubeRecordDriver.release(from: v, kind: .secret) }

    /// Every revision of a release, oldest first. `headersOnly`: read as a listing needs them
    /// (see `ReleaseCodec.decodeHeader`), never to be written back.
    public func history(_ name: String, namespace: String, headersOnly: Bool = false) async throws -> [Release] {
        if let index, let versions = await index.versions(name, namespace: driver.place(namespace)) {
            let driver = self.driver
            let found = try await withThrowingTaskGroup(of: (Int, Release?).self) { group in
                for v in versions { group.addTask { (v, try await driver.get(name, version: v, namespace: namespace)) } }
                var out: [(Int, Release?)] = []
                for try await x in group { out.append(x) }
                return out
            }
            var out: [Release] = []
            for (v, r) in found.sorted(by: { $0.0 < $1.0 }) {
                if let r { out.append(r) } else { await index.forget(name, version: v, namespace: driver.place(namespace)) }
            }
            return out
        }
        return try await driver.history(name, namespace: namespace, headersOnly: headersOnly).sorted { $0.version < $1.version }
    }

    /// All releases' revisions in a namespace (nil: every namespace), in no particular order.
    public func query(namespace: String?) async throws -> [Release] {
        try await driver.query(namespace: namespace, name: nil)
    }

    /// The newest revision of each release, as `helm list` shows them.
    public func latest(namespace: String?) async throws -> [Release] {
        try await driver.summaries(namespace: namespace, headersOnly: false).map(\.latest).sorted { ($0.name, $0.namespace) < ($1.name, $1.namespace) }
    }

    /// The newest revision of each release with its history's statuses; `headersOnly`: read
    /// as a listing needs them (see `ReleaseCodec.decodeHeader`), never to be written back.
    public func summaries(namespace: String?, headersOnly: Bool = false) async throws -> [ReleaseSummary] {
        try await driver.summaries(namespace: namespace, headersOnly: headersOnly)
    }

    /// Fails when the record of `r` cannot be stored by this driver; returns the encoded
    /// record, which `create(_:encoded:)` then writes without encoding the whole chart again.
    @discardableResult
    public func checkSize(_ r: Release) throws -> String {
        guard !r.isPartial else { throw ReleaseDecodeError("release \(r.name) revision \(r.version) was read in part (for a listing) and cannot be written") }
        let encoded = try ReleaseCodec.encode(r)
        guard let limit = driver.maxRecordBytes, encoded.utf8.count > limit else { return encoded }
        var chartBytes = 0
        if let json = try? JSONEncoding.encode(.map(r.chart)) { chartBytes = json.utf8.count }
        throw StorageError.tooLarge(key: RecordKey.make(r.name, r.version), driver: driver.name, bytes: encoded.utf8.count, limit: limit, chartBytes: chartBytes)
    }

    /// Creates a revision; `StorageError.exists` when another run wrote it first (the lock).
    /// Returns the record's token.
    @discardableResult
    public func create(_ r: Release, encoded: String? = nil) async throws -> RecordToken {
        guard !r.isPartial else { throw ReleaseDecodeError("release \(r.name) revision \(r.version) was read in part (for a listing) and cannot be written") }
        let text = try encoded ?? checkSize(r)
        let token = try await driver.create(r, encoded: text)
        await noteWritten(r, token)
        return token
    }

    /// Rewrites a revision. `ifUnchangedSince`: the token of this writer's last write; the
    /// driver refuses (`StorageError.conflict`) when another writer changed the record since.
    @discardableResult
    public func update(_ r: Release, ifUnchangedSince token: RecordToken? = nil) async throws -> RecordToken {
        let written = try await driver.update(r, encoded: try checkSize(r), ifUnchangedSince: token)
        await noteWritten(r, written)
        return written
    }

    /// The token of a revision's record now; nil when it is gone.
    public func token(_ name: String, version: Int, namespace: String) async throws -> RecordToken? {
        try await driver.token(name, version: version, namespace: namespace)
    }

    func noteWritten(_ r: Release, _ token: RecordToken) async {
        guard let index else { return }
        await index.note(name: r.name, namespace: driver.place(r.namespace), version: r.version, status: r.info.status.rawValue,
                         resourceVersion: Int(token.value) ?? 0)
    }

    public func delete(_ name: String, version: Int, namespace: String) async throws {
        try await driver.delete(name, version: version, namespace: namespace)
        if let index { await index.forget(name, version: version, namespace: driver.place(namespace)) }
    }
}
