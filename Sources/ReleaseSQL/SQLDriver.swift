import PostgresNIO
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Release
import Values

/// Helm's SQL driver on PostgreSQL: one row of `releases_v1` a revision (key, type, body =
/// the same encoded record the Secrets driver holds, name, namespace = the release's own,
/// version, status, owner helm, createdAt on create, modifiedAt on update). Helm guards
/// writers by the primary key only; hrctl's conditional update compares PostgreSQL's `xmin`
/// (new on every change of a row, invisible to Helm), its token.
public struct SQLDriver: ReleaseDriver {
    let connection: PostgresConnection
    let logger: Logger

    public var name: String { "SQL" }
    public var maxRecordBytes: Int? { nil }
    public var recordCollection: String? { nil }
    public func place(_ namespace: String) -> String { namespace }
    public func storing(in namespace: String?) -> any ReleaseDriver { self }

    /// Connects and makes Helm's schema when it is missing.
    /// `connectionString`: HELM_DRIVER_SQL_CONNECTION_STRING; `environment`: the PG* defaults.
    public static func connect(_ connectionString: String, environment: [String: String] = [:]) async throws -> SQLDriver {
        let cs: ConnectionString
        do { cs = try ConnectionString(connectionString, environment: environment) }
        catch let e as ConnectionString.ParseError { throw SQLDriverError("HELM_DRIVER_SQL_CONNECTION_STRING: \(e.description)") }
        let logger = Logger(label: "hrctl.sql", factory: { _ in SwiftLogNoOpLogHandler() })
        let user = cs.user ?? environment["USER"] ?? "postgres"
        var config: PostgresConnection.Configuration
        let target: String
        if cs.host.hasPrefix("/") {
            target = "\(cs.host)/.s.PGSQL.\(cs.port)"
            config = .init(unixSocketPath: target, username: user, password: cs.password, database: cs.database)
        } else {
            target = "\(cs.host):\(cs.port)"
            config = .init(host: cs.host, port: cs.port, username: user, password: cs.password, database: cs.database, tls: try tls(cs))
            if cs.sslMode == "verify-full" { config.options.tlsServerName = cs.host }
        }
        if let t = cs.connectTimeout { config.options.connectTimeout = .seconds(Int64(t)) }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: config, id: 1, logger: logger)
        } catch {
            throw SQLDriverError("cannot reach the release database (HELM_DRIVER=sql) at \(target)"
                                 + (cs.database.map { " database \"\($0)\"" } ?? "") + " as \"\(user)\": \(describe(error))")
        }
        do { try await Schema.ensure(connection, logger: logger, describe: describe) } catch {
            try? await connection.close()
            throw error
        }
        return SQLDriver(connection: connection, logger: logger)
    }

    public func shutdown() async { try? await connection.close() }

    /// lib/pq's sslmode: require (its default) encrypts without checking the certificate;
    /// verify-ca checks it against sslrootcert; verify-full checks the host name too.
    static func tls(_ cs: ConnectionString) throws -> PostgresConnection.Configuration.TLS {
        let mode = cs.sslMode
        guard mode != "disable" else { return .disable }
        guard ["allow", "prefer", "require", "verify-ca", "verify-full"].contains(mode) else {
            throw SQLDriverError("HELM_DRIVER_SQL_CONNECTION_STRING: unsupported sslmode \"\(mode)\"; only \"require\" (default), \"verify-full\", \"verify-ca\", and \"disable\" supported")
        }
        var t = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case "verify-full": t.certificateVerification = .fullVerification
        case "verify-ca": t.certificateVerification = .noHostnameVerification
        default: t.certificateVerification = .none
        }
        do {
            if let root = cs.settings["sslrootcert"], !root.isEmpty {
                t.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(root))
                // lib/pq: a root certificate given with sslmode=require means verify-ca.
                if mode == "require" { t.certificateVerification = .noHostnameVerification }
            }
            if let cert = cs.settings["sslcert"], !cert.isEmpty, let key = cs.settings["sslkey"], !key.isEmpty {
                t.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
                t.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
            let ctx = try NIOSSLContext(configuration: t)
            return mode == "allow" || mode == "prefer" ? .prefer(ctx) : .require(ctx)
        } catch let e as SQLDriverError { throw e } catch {
            throw SQLDriverError("HELM_DRIVER_SQL_CONNECTION_STRING: TLS set-up (sslmode=\(mode)) failed: \(error)")
        }
    }

    /// PostgreSQL's own words when it sent some; PSQLError's description hides them.
    static func describe(_ error: Error) -> String {
        if let e = error as? PostgresTransactionError {
            return describe(e.closureError ?? e.commitError ?? e.beginError ?? e.rollbackError ?? error)
        }
        guard let e = error as? PSQLError else { return "\(error)" }
        if let info = e.serverInfo, let message = info[.message] {
            return message + (info[.detail].map { " (\($0))" } ?? "") + (info[.sqlState].map { " [SQLSTATE \($0)]" } ?? "")
        }
        if let u = e.underlying { return "\(u)" }
        return "\(e.code)"
    }

    func run<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as StorageError { throw e } catch {
            throw SQLDriverError("release database: \(what): \(SQLDriver.describe(error))")
        }
    }

    static func sqlState(_ error: Error) -> String? {
        if let e = error as? PostgresTransactionError { return sqlState(e.closureError ?? e.commitError ?? error) }
        return (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    static func namespace(_ r: Release) -> String { r.namespace.isEmpty ? "default" : r.namespace }

    /// The row and its custom labels (`custom_labels_v1`, the system ones left out as Helm
    /// leaves them out) in one transaction.
    public func create(_ r: Release, encoded: String) async throws -> RecordToken {
        let key = RecordKey.make(r.name, r.version), ns = SQLDriver.namespace(r)
        let now = Int(Timestamp.unixNow())
        let labels = ReleaseLabels.custom(r.labels).sorted { $0.key < $1.key }
        do {
            return try await connection.withTransaction(logger: logger) { tx in
                let rows = try await tx.query("""
                    INSERT INTO releases_v1 (key, type, body, name, namespace, version, status, owner, createdAt)
                    VALUES (\(key), 'helm.sh/release.v1', \(encoded), \(r.name), \(ns), \(r.version), \(r.info.status.rawValue), 'helm', \(now))
                    RETURNING xmin::text
                    """, logger: logger)
                var token = RecordToken("")
                for try await x in rows.decode(String.self) { token = RecordToken(x) }
                for (k, v) in labels {
                    try await tx.query("INSERT INTO custom_labels_v1 (releaseKey, releaseNamespace, key, value) VALUES (\(key), \(ns), \(k), \(v))", logger: logger)
                }
                return token
            }
        } catch {
            if SQLDriver.sqlState(error) == "23505" { throw StorageError.exists(key: key) }
            throw SQLDriverError("release database: create \(key): \(SQLDriver.describe(error))")
        }
    }

    /// Custom labels of the records of a namespace (nil: all), by "namespace/key".
    func customLabels(namespace: String?, key: String? = nil) async throws -> [String: [String: String]] {
        let q: PostgresQuery
        switch (namespace, key) {
        case (let ns?, let k?): q = "SELECT releaseNamespace, releaseKey, key, value FROM custom_labels_v1 WHERE releaseNamespace = \(ns) AND releaseKey = \(k)"
        case (let ns?, nil): q = "SELECT releaseNamespace, releaseKey, key, value FROM custom_labels_v1 WHERE releaseNamespace = \(ns)"
        default: q = "SELECT releaseNamespace, releaseKey, key, value FROM custom_labels_v1"
        }
        var out: [String: [String: String]] = [:]
        for try await (ns, rk, k, v) in try await connection.query(q, logger: logger).decode((String, String, String?, String?).self) {
            guard let k, !ReleaseLabels.isSystem(k) else { continue }
            out[ns + "/" + rk, default: [:]][k] = v ?? ""
        }
        return out
    }

    public func update(_ r: Release, encoded: String, ifUnchangedSince token: RecordToken?) async throws -> RecordToken {
        let key = RecordKey.make(r.name, r.version), ns = SQLDriver.namespace(r)
        let now = Int(Timestamp.unixNow())
        return try await run("update \(key)") {
            let rows: PostgresRowSequence
            if let token {
                rows = try await connection.query("""
                    UPDATE releases_v1 SET body = \(encoded), name = \(r.name), version = \(r.version), status = \(r.info.status.rawValue),
                    owner = 'helm', modifiedAt = \(now) WHERE key = \(key) AND namespace = \(ns) AND xmin::text = \(token.value) RETURNING xmin::text
                    """, logger: logger)
            } else {
                rows = try await connection.query("""
                    UPDATE releases_v1 SET body = \(encoded), name = \(r.name), version = \(r.version), status = \(r.info.status.rawValue),
                    owner = 'helm', modifiedAt = \(now) WHERE key = \(key) AND namespace = \(ns) RETURNING xmin::text
                    """, logger: logger)
            }
            for try await x in rows.decode(String.self) { return RecordToken(x) }
            // As Helm's Update, a missing row is no error; under a token it is another writer's doing.
            if token != nil { throw StorageError.conflict(key: key) }
            return RecordToken("")
        }
    }

    public func delete(_ name: String, version: Int, namespace: String) async throws {
        let key = RecordKey.make(name, version)
        try await run("delete \(key)") {
            try await connection.withTransaction(logger: logger) { tx in
                try await tx.query("DELETE FROM releases_v1 WHERE key = \(key) AND namespace = \(namespace)", logger: logger)
                try await tx.query("DELETE FROM custom_labels_v1 WHERE releaseKey = \(key) AND releaseNamespace = \(namespace)", logger: logger)
            }
        }
    }

    public func get(_ name: String, version: Int, namespace: String) async throws -> Release? {
        let key = RecordKey.make(name, version)
        return try await run("get \(key)") {
            let rows = try await connection.query("SELECT body FROM releases_v1 WHERE key = \(key) AND namespace = \(namespace)", logger: logger)
            var found: Release?
            for try await body in rows.decode(String.self) { found = try ReleaseCodec.decode(body) }
            guard var r = found else { return nil }
            r.labels = try await customLabels(namespace: namespace, key: key)[namespace + "/" + key] ?? [:]
            return r
        }
    }

    public func token(_ name: String, version: Int, namespace: String) async throws -> RecordToken? {
        let key = RecordKey.make(name, version)
        return try await run("get \(key)") {
            let rows = try await connection.query("SELECT xmin::text FROM releases_v1 WHERE key = \(key) AND namespace = \(namespace)", logger: logger)
            for try await x in rows.decode(String.self) { return RecordToken(x) }
            return nil
        }
    }

    public func query(namespace: String?, name: String?) async throws -> [Release] {
        try await run("list") {
            var q: PostgresQuery = "SELECT body FROM releases_v1 WHERE owner = 'helm'"
            switch (namespace, name) {
            case (nil, nil): break
            case (let ns?, nil): q = "SELECT body FROM releases_v1 WHERE owner = 'helm' AND namespace = \(ns)"
            case (nil, let n?): q = "SELECT body FROM releases_v1 WHERE owner = 'helm' AND name = \(n)"
            case (let ns?, let n?): q = "SELECT body FROM releases_v1 WHERE owner = 'helm' AND namespace = \(ns) AND name = \(n)"
            }
            var out: [Release] = []
            for try await body in try await connection.query(q, logger: logger).decode(String.self) {
                if let r = try? ReleaseCodec.decode(body) { out.append(r) }
            }
            // Helm's Query: each record's custom labels.
            guard !out.isEmpty else { return out }
            let labels = try await customLabels(namespace: namespace)
            for i in out.indices { out[i].labels = labels[SQLDriver.namespace(out[i]) + "/" + RecordKey.make(out[i].name, out[i].version)] ?? [:] }
            return out
        }
    }

    /// Two queries whatever the number of records: every row's columns without its body, then
    /// the body of each release's newest row only.
    public func summaries(namespace: String?, headersOnly: Bool) async throws -> [ReleaseSummary] {
        try await run("list") {
            var statuses: [String: [(version: Int, status: Release.Status)]] = [:]
            var meta: PostgresQuery = "SELECT namespace, name, version, status FROM releases_v1 WHERE owner = 'helm'"
            if let namespace { meta = "SELECT namespace, name, version, status FROM releases_v1 WHERE owner = 'helm' AND namespace = \(namespace)" }
            for try await (ns, n, v, s) in try await connection.query(meta, logger: logger).decode((String, String, Int, String).self) {
                statuses[ns + "/" + n, default: []].append((v, Release.Status(rawValue: s) ?? .unknown))
            }
            var newest: PostgresQuery = "SELECT DISTINCT ON (namespace, name) body FROM releases_v1 WHERE owner = 'helm' ORDER BY namespace, name, version DESC"
            if let namespace {
                newest = "SELECT DISTINCT ON (namespace, name) body FROM releases_v1 WHERE owner = 'helm' AND namespace = \(namespace) ORDER BY namespace, name, version DESC"
            }
            var out: [ReleaseSummary] = []
            for try await body in try await connection.query(newest, logger: logger).decode(String.self) {
                guard let r = try? (headersOnly ? ReleaseCodec.decodeHeader(body) : ReleaseCodec.decode(body)) else { continue }
                out.append(ReleaseSummary(latest: r, statuses: (statuses[r.namespace + "/" + r.name] ?? []).sorted { $0.version < $1.version }))
            }
            // Helm's List: the custom labels with the system ones rebuilt from the record.
            let labels = out.isEmpty ? [:] : try await customLabels(namespace: namespace)
            for i in out.indices {
                let r = out[i].latest
                var l = labels[SQLDriver.namespace(r) + "/" + RecordKey.make(r.name, r.version)] ?? [:]
                l["name"] = r.name; l["owner"] = "helm"; l["status"] = r.info.status.rawValue; l["version"] = String(r.version)
                out[i].latest.labels = l
            }
            return out
        }
    }
}
