import Foundation
import XCTest
import Values
import Release
import ReleaseSQL

/// Helm's SQL driver on a real PostgreSQL: Helm's tables, indexes, grants, row level security
/// and migration rows exactly; the lock (create-if-absent) and the fence (xmin); records far
/// beyond a Secret's 1 MiB; clear errors for a database that cannot be reached or is newer.
final class SQLDriverTests: XCTestCase {
    nonisolated(unsafe) static var server: TestPostgres?
    nonisolated(unsafe) static var failure: String?

    override class func setUp() {
        super.setUp()
        guard TestPostgres.bin != nil else { return }
        do { server = try TestPostgres(name: "driver") } catch { failure = "\(error)" }
    }

    override class func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    var pg: TestPostgres!

    override func setUpWithError() throws {
        guard TestPostgres.bin != nil else { try TestPostgres.skip() }
        if let f = Self.failure { throw Failure(f) }
        pg = Self.server
    }

    /// A database of this test's own.
    func database() throws -> String {
        let db = "t_" + name.split(separator: " ").last!.lowercased().filter { $0.isLetter }.prefix(40)
        _ = try pg.psql("DROP DATABASE IF EXISTS \(db)")
        _ = try pg.psql("CREATE DATABASE \(db)")
        return db
    }

    static func release(_ name: String, _ version: Int, namespace: String = "apps", status: Release.Status = .deployed, config: Map = Map([:])) -> Release {
        Release(name: name, namespace: namespace, version: version,
                info: .init(firstDeployed: "2026-12-01T10:00:00Z", lastDeployed: "2026-12-01T10:00:00Z", description: "Install complete", status: status),
                chart: Map(["metadata": .map(["name": .string("shop"), "version": .string("1.0.0")])]), config: config, manifest: "")
    }

    func testSchemaIsHelmsExactlyWithItsMigrationRows() async throws {
        let db = try database()
        let driver = try await SQLDriver.connect("postgres://postgres@127.0.0.1:\(pg.port)/\(db)?sslmode=disable")
        await driver.shutdown()
        XCTAssertEqual(try pg.psql("SELECT id FROM gorp_migrations ORDER BY applied_at, id", database: db), "custom_labels\ninit\n")
        XCTAssertEqual(try pg.psql("""
            SELECT column_name, data_type, coalesce(character_maximum_length::text, ''), is_nullable, coalesce(column_default, '')
            FROM information_schema.columns WHERE table_name = 'releases_v1' ORDER BY ordinal_position
            """, database: db), """
            key\tcharacter varying\t90\tNO\t
            type\tcharacter varying\t64\tNO\t
            body\ttext\t\tNO\t
            name\tcharacter varying\t64\tNO\t
            namespace\tcharacter varying\t64\tNO\t
            version\tinteger\t\tNO\t
            status\ttext\t\tNO\t
            owner\ttext\t\tNO\t
            createdat\tinteger\t\tNO\t
            modifiedat\tinteger\t\tNO\t0

            """)
        XCTAssertEqual(try pg.psql("""
            SELECT column_name, character_maximum_length FROM information_schema.columns WHERE table_name = 'custom_labels_v1' ORDER BY ordinal_position
            """, database: db), "releasekey\t64\nreleasenamespace\t67\nkey\t317\nvalue\t63\n")
        XCTAssertEqual(try pg.psql("SELECT indexname FROM pg_indexes WHERE tablename IN ('releases_v1', 'custom_labels_v1') ORDER BY indexname", database: db), """
            custom_labels_v1_releasekey_releasenamespace_idx
            releases_v1_createdat_idx
            releases_v1_key_namespace_idx
            releases_v1_modifiedat_idx
            releases_v1_owner_idx
            releases_v1_pkey
            releases_v1_status_idx
            releases_v1_version_idx

            """)
        XCTAssertEqual(try pg.psql("SELECT relname, relrowsecurity FROM pg_class WHERE relname IN ('releases_v1', 'custom_labels_v1') ORDER BY relname", database: db),
                       "custom_labels_v1\tt\nreleases_v1\tt\n")
        XCTAssertEqual(try pg.psql("SELECT DISTINCT table_name FROM information_schema.role_table_grants WHERE grantee = 'PUBLIC' AND table_name IN ('releases_v1', 'custom_labels_v1') ORDER BY 1", database: db),
                       "custom_labels_v1\nreleases_v1\n")
        // A second start finds every migration recorded and changes nothing.
        let again = try await SQLDriver.connect("host=127.0.0.1 port=\(pg.port) user=postgres dbname=\(db) sslmode=disable")
        await again.shutdown()
        XCTAssertEqual(try pg.psql("SELECT count(*) FROM gorp_migrations", database: db), "2\n")
    }

    func testCreateIsTheLockAndUpdatesAreFencedByXmin() async throws {
        let db = try database()
        let driver = try await SQLDriver.connect("postgres://postgres@127.0.0.1:\(pg.port)/\(db)?sslmode=disable")
        defer { Task { await driver.shutdown() } }
        var r = Self.release("shop", 1, status: .pendingInstall)
        let token = try await driver.create(r, encoded: try ReleaseCodec.encode(r))
        do {
            _ = try await driver.create(r, encoded: try ReleaseCodec.encode(r))
            XCTFail("a second create of revision 1 succeeded")
        } catch let e as StorageError { XCTAssertEqual(e, .exists(key: "sh.helm.release.v1.shop.v1")) }
        let current = try await driver.token("shop", version: 1, namespace: "apps")
        XCTAssertEqual(current, token)
        // Another writer (helm, say) changes the row: this writer's fence no longer holds.
        _ = try pg.psql("UPDATE releases_v1 SET modifiedAt = 1 WHERE key = 'sh.helm.release.v1.shop.v1'", database: db)
        let changed = try await driver.token("shop", version: 1, namespace: "apps")
        XCTAssertNotEqual(changed, token)
        r.info.status = .deployed
        do {
            _ = try await driver.update(r, encoded: try ReleaseCodec.encode(r), ifUnchangedSince: token)
            XCTFail("an update under a stale token succeeded")
        } catch let e as StorageError { XCTAssertEqual(e, .conflict(key: "sh.helm.release.v1.shop.v1")) }
        let fresh = try await driver.token("shop", version: 1, namespace: "apps")
        let next = try await driver.update(r, encoded: try ReleaseCodec.encode(r), ifUnchangedSince: fresh)
        XCTAssertNotEqual(next, fresh)
        XCTAssertEqual(try pg.psql("SELECT type, name, namespace, version, status, owner FROM releases_v1", database: db),
                       "helm.sh/release.v1\tshop\tapps\t1\tdeployed\thelm\n")
        let back = try await driver.get("shop", version: 1, namespace: "apps")
        XCTAssertEqual(back?.info.status, .deployed)
        try await driver.delete("shop", version: 1, namespace: "apps")
        let gone = try await driver.get("shop", version: 1, namespace: "apps")
        XCTAssertNil(gone)
    }

    func testARecordOfSeveralMebibytesIsStoredAndListedWithItsHistory() async throws {
        let db = try database()
        let storage = ReleaseStorage(driver: try await SQLDriver.connect("postgres://postgres@127.0.0.1:\(pg.port)/\(db)?sslmode=disable"))
        defer { Task { await storage.driver.shutdown() } }
        var bytes = [UInt8](repeating: 0, count: 3 << 20)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let big = Base64.encode(bytes)
        try await storage.create(Self.release("big", 1, status: .superseded, config: Map(["blob": .string(big)])))
        try await storage.create(Self.release("big", 2, config: Map(["blob": .string(big)])))
        try await storage.create(Self.release("small", 1, namespace: "other"))
        let history = try await storage.history("big", namespace: "apps")
        XCTAssertEqual(history.map(\.version), [1, 2])
        XCTAssertEqual(history.last?.config.entries["blob"]?.stringValue, big)
        XCTAssertGreaterThan(Int(try pg.psql("SELECT max(length(body)) FROM releases_v1", database: db).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, 4 << 20)
        let all = try await storage.summaries(namespace: nil).sorted { $0.latest.name < $1.latest.name }
        XCTAssertEqual(all.map { "\($0.latest.namespace)/\($0.latest.name).v\($0.latest.version)" }, ["apps/big.v2", "other/small.v1"])
        XCTAssertEqual(all.first?.statuses.map(\.status), [.superseded, .deployed])
        let one = try await storage.latest(namespace: "other")
        XCTAssertEqual(one.map(\.name), ["small"])
    }

    func testAnUnreachableDatabaseIsNamedInTheError() async throws {
        let port = try TestPostgres.freePort()
        do {
            let d = try await SQLDriver.connect("host=127.0.0.1 port=\(port) user=helm dbname=releases sslmode=disable connect_timeout=5")
            await d.shutdown()
            XCTFail("connected to a port nobody listens on")
        } catch let e as SQLDriverError {
            XCTAssertTrue(e.description.hasPrefix("cannot reach the release database (HELM_DRIVER=sql) at 127.0.0.1:\(port) database \"releases\" as \"helm\": "), e.description)
        }
        // A server that is there but knows no such database says so in PostgreSQL's words.
        do {
            let d = try await SQLDriver.connect("postgres://postgres@127.0.0.1:\(pg.port)/nosuchdb?sslmode=disable")
            await d.shutdown()
            XCTFail("connected to a missing database")
        } catch let e as SQLDriverError {
            XCTAssertTrue(e.description.contains("database \"nosuchdb\" does not exist"), e.description)
        }
        // This server has no TLS: lib/pq's default sslmode (require) fails to connect, and says why.
        do {
            let d = try await SQLDriver.connect("postgres://postgres@127.0.0.1:\(pg.port)/postgres")
            await d.shutdown()
            XCTFail("sslmode=require connected to a server without TLS")
        } catch let e as SQLDriverError {
            XCTAssertTrue(e.description.hasPrefix("cannot reach the release database"), e.description)
        }
    }

    func testASchemaNewerThanHelmV431IsRefused() async throws {
        let db = try database()
        let d = try await SQLDriver.connect("postgres://postgres@127.0.0.1:\(pg.port)/\(db)?sslmode=disable")
        await d.shutdown()
        _ = try pg.psql("INSERT INTO gorp_migrations (id, applied_at) VALUES ('releases_v2', now())", database: db)
        do {
            let again = try await SQLDriver.connect("postgres://postgres@127.0.0.1:\(pg.port)/\(db)?sslmode=disable")
            await again.shutdown()
            XCTFail("a newer schema was accepted")
        } catch let e as SQLDriverError {
            XCTAssertTrue(e.description.contains("schema is newer than hrctl knows") && e.description.contains("\"releases_v2\""), e.description)
        }
    }
}
