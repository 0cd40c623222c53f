import Values

/// Helm's memory driver: records in this process only (namespace → key → record), for tests
/// and HELM_DRIVER=memory. Records are kept encoded, as the other drivers keep them, so what
/// a test reads back went through the same codec; labels are kept beside them, as Helm's memory
/// driver keeps them on the release.
public struct MemoryDriver: ReleaseDriver {
    struct Record: Sendable { var encoded: String; var labels: [String: String]; var token: Int }

    actor Records {
        var byNamespace: [String: [String: Record]] = [:]
        var counter = 0

        func create(_ ns: String, _ key: String, _ encoded: String, _ labels: [String: String]) throws -> Int {
            guard byNamespace[ns]?[key] == nil else { throw StorageError.exists(key: key) }
            counter += 1
            byNamespace[ns, default: [:]][key] = Record(encoded: encoded, labels: labels, token: counter)
            return counter
        }

        func update(_ ns: String, _ key: String, _ encoded: String, _ labels: [String: String], _ token: Int?) throws -> Int {
            if let token, byNamespace[ns]?[key]?.token != token { throw StorageError.conflict(key: key) }
            counter += 1
            byNamespace[ns, default: [:]][key] = Record(encoded: encoded, labels: labels, token: counter)
            return counter
        }

        func delete(_ ns: String, _ key: String) { byNamespace[ns]?[key] = nil }
        func get(_ ns: String, _ key: String) -> Record? { byNamespace[ns]?[key] }
        func all(_ ns: String?) -> [Record] {
            if let ns { return Array((byNamespace[ns] ?? [:]).values) }
            return byNamespace.values.flatMap { $0.values }
        }
    }

    let records = Records()
    public init() {}

    public var name: String { "Memory" }
    public var maxRecordBytes: Int? { nil }
    public var recordCollection: String? { nil }
    public func place(_ namespace: String) -> String { namespace }
    public func storing(in namespace: String?) -> any ReleaseDriver { self }

    public func create(_ r: Release, encoded: String) async throws -> RecordToken {
        RecordToken(String(try await records.create(r.namespace, RecordKey.make(r.name, r.version), encoded, r.labels)))
    }

    public func update(_ r: Release, encoded: String, ifUnchangedSince token: RecordToken?) async throws -> RecordToken {
        RecordToken(String(try await records.update(r.namespace, RecordKey.make(r.name, r.version), encoded, r.labels, token.flatMap { Int($0.value) })))
    }

    public func delete(_ name: String, version: Int, namespace: String) async throws {
        await records.delete(namespace, RecordKey.make(name, version))
    }

    public func get(_ name: String, version: Int, namespace: String) async throws -> Release? {
        guard let x = await records.get(namespace, RecordKey.make(name, version)) else { return nil }
        return try MemoryDriver.release(x)
    }

    public func token(_ name: String, version: Int, namespace: String) async throws -> RecordToken? {
        await records.get(namespace, RecordKey.make(name, version)).map { RecordToken(String($0.token)) }
    }

    public func query(namespace: String?, name: String?) async throws -> [Release] {
        await records.all(namespace).compactMap { try? MemoryDriver.release($0) }.filter { name == nil || $0.name == name }
    }

    static func release(_ x: Record) throws -> Release {
        var r = try ReleaseCodec.decode(x.encoded)
        r.labels = x.labels
        return r
    }
}
