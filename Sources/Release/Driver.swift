import Values

/// What a write hands back so the writer can later ask "is the record still as I wrote it":
/// a resourceVersion for Secrets and ConfigMaps, PostgreSQL's `xmin` for SQL, a counter in
/// memory. Only the driver that made it reads it.
public struct RecordToken: Sendable, Hashable, CustomStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { value }
}

/// Where the revisions of releases are kept, as Helm's `driver.Driver` is: one record a
/// revision under the key `sh.helm.release.v1.NAME.vREV`, each written in Helm's own layout so
/// helm and hrctl continue each other's releases. History, trimming and "latest" are the
/// storage's (ReleaseStorage), never a driver's.
public protocol ReleaseDriver: Sendable {
    /// Helm's name for the driver ("Secret", "ConfigMap", "SQL", "Memory").
    var name: String { get }
    /// The most an encoded record may hold here; nil when the driver has no limit of its own.
    var maxRecordBytes: Int? { get }
    /// The collection whose `owner=helm` objects are the records, for a watch that keeps a
    /// RecordIndex ("secrets", "configmaps"); nil when the records are not Kubernetes objects.
    var recordCollection: String? { get }
    /// The namespace a release's records live in (a Flux `storageNamespace`, else its own).
    func place(_ namespace: String) -> String
    /// The same driver with records kept in `namespace` (nil: beside each release). Drivers
    /// that file records by the release's own namespace (SQL, as Helm's) ignore it.
    func storing(in namespace: String?) -> any ReleaseDriver

    /// Writes a new record; `StorageError.exists` when the revision is there already (the lock).
    /// `encoded`: the record as `ReleaseCodec.encode` made it.
    func create(_ r: Release, encoded: String) async throws -> RecordToken
    /// Rewrites a record; with `ifUnchangedSince` only while it is as that write left it
    /// (else `StorageError.conflict`).
    func update(_ r: Release, encoded: String, ifUnchangedSince: RecordToken?) async throws -> RecordToken
    /// Removes a record; one already gone is no error.
    func delete(_ name: String, version: Int, namespace: String) async throws
    /// One revision; nil when there is none.
    func get(_ name: String, version: Int, namespace: String) async throws -> Release?
    /// The token of a revision's record now; nil when it is gone.
    func token(_ name: String, version: Int, namespace: String) async throws -> RecordToken?
    /// The records of one release (`name`) or of all, in a namespace or (nil) everywhere,
    /// in no particular order. Records that cannot be decoded are skipped, as Helm does.
    func query(namespace: String?, name: String?) async throws -> [Release]
    /// Every revision of one release, in no particular order; `headersOnly`: read as a listing
    /// needs them (`ReleaseCodec.decodeHeader`) where the driver can spare the rest.
    func history(_ name: String, namespace: String, headersOnly: Bool) async throws -> [Release]
    /// Every release's newest revision with the statuses of its earlier ones, reading no
    /// more than that needs; drivers without a cheaper way answer from `query`.
    /// `headersOnly`: the newest revisions as `ReleaseCodec.decodeHeader` reads them.
    func summaries(namespace: String?, headersOnly: Bool) async throws -> [ReleaseSummary]
    /// Lets go of connections (a database's); the driver is not used after.
    func shutdown() async
}

/// A release's newest revision and the statuses of all of its revisions, oldest first: what
/// `list` prints and what its warnings about interrupted writers need.
public struct ReleaseSummary: Sendable {
    public var latest: Release
    public var statuses: [(version: Int, status: Release.Status)]
    public init(latest: Release, statuses: [(version: Int, status: Release.Status)]) { self.latest = latest; self.statuses = statuses }
}

extension ReleaseDriver {
    public func shutdown() async {}

    public func history(_ name: String, namespace: String, headersOnly: Bool) async throws -> [Release] {
        try await query(namespace: namespace, name: name)
    }

    public func summaries(namespace: String?, headersOnly: Bool) async throws -> [ReleaseSummary] {
        ReleaseSummary.of(try await query(namespace: namespace, name: nil))
    }
}

extension ReleaseSummary {
    /// Groups records by release (namespace and name).
    public static func of(_ records: [Release]) -> [ReleaseSummary] {
        var byRelease: [String: [Release]] = [:]
        for r in records { byRelease[r.namespace + "/" + r.name, default: []].append(r) }
        return byRelease.values.compactMap { h in
            let sorted = h.sorted { $0.version < $1.version }
            guard let last = sorted.last else { return nil }
            return ReleaseSummary(latest: last, statuses: sorted.map { ($0.version, $0.info.status) })
        }
    }
}

/// Helm's storage errors (pkg/storage/driver/driver.go), with its texts, plus what only hrctl
/// says: a conflicting writer, a record too large for its driver, a driver that cannot start.
public enum StorageError: Error, CustomStringConvertible, Sendable, Equatable {
    /// `release: not found`
    case notFound(key: String)
    /// `release: already exists`
    case exists(key: String)
    /// The record changed since this writer's own last write of it.
    case conflict(key: String)
    /// `release: invalid key`
    case invalidKey(String)
    /// HELM_DRIVER names no driver: `unknown driver "x"`.
    case unknownDriver(String)
    /// The record does not fit in the driver's object.
    case tooLarge(key: String, driver: String, bytes: Int, limit: Int, chartBytes: Int)
    /// The driver's store cannot be used (a database that cannot be reached, a schema newer
    /// than this version knows).
    case unavailable(String)

    public var description: String {
        switch self {
        case .notFound: return "release: not found"
        case .exists: return "release: already exists"
        case .conflict(let key): return "release record \(key) was changed by another writer since this run wrote it"
        case .invalidKey: return "release: invalid key"
        case .unknownDriver(let d): return "unknown driver \"\(d)\""
        case .unavailable(let text): return text
        case .tooLarge(let key, let driver, let bytes, let limit, let chartBytes):
            let object = driver == "ConfigMap" ? "ConfigMap" : "Secret"
            return "release record \(key) would be \(bytes) bytes, more than the \(limit) bytes (1 MiB) a Kubernetes \(object) may hold: "
                + "each revision is stored as one \(object) holding the whole chart (templates, files, values; \(chartBytes) bytes before compression) gzipped and base64-encoded, as Helm's \(driver)s driver does. "
                + "Nothing was written. Keep the release in PostgreSQL instead, as helm can (HELM_DRIVER=sql with HELM_DRIVER_SQL_CONNECTION_STRING), "
                + "or make the chart smaller: leave large or generated files out of it (list them in .helmignore), "
                + "or ship big data separately (an image, a ConfigMap created outside the chart, or a URL the workload fetches)"
        }
    }
}

/// Helm's record key.
public enum RecordKey {
    public static func make(_ name: String, _ version: Int) -> String { "sh.helm.release.v1.\(name).v\(version)" }
}
