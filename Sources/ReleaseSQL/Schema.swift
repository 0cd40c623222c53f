import PostgresNIO
import Logging

/// Helm's schema (pkg/storage/driver/sql.go), made the way Helm makes it: rubenv/sql-migrate
/// applies each migration missing from `gorp_migrations` in its own transaction with its row.
/// Ids sort as strings, so `custom_labels` runs before `init`. Either tool may come first: both
/// write the same tables, indexes and rows, so the other finds every id and migrates nothing.
enum Schema {
    static let migrations: [(id: String, statements: [String])] = [
        ("custom_labels", [
            """
            CREATE TABLE custom_labels_v1 (
            \treleaseKey VARCHAR(64),
            \treleaseNamespace VARCHAR(67),
            \tkey VARCHAR(317),
            \tvalue VARCHAR(63)
            )
            """,
            "CREATE INDEX ON custom_labels_v1 (releaseKey, releaseNamespace)",
            "GRANT ALL ON custom_labels_v1 TO PUBLIC",
            "ALTER TABLE custom_labels_v1 ENABLE ROW LEVEL SECURITY",
        ]),
        ("init", [
            """
            CREATE TABLE releases_v1 (
            \tkey VARCHAR(90),
            \ttype VARCHAR(64) NOT NULL,
            \tbody TEXT NOT NULL,
            \tname VARCHAR(64) NOT NULL,
            \tnamespace VARCHAR(64) NOT NULL,
            \tversion INTEGER NOT NULL,
            \tstatus TEXT NOT NULL,
            \towner TEXT NOT NULL,
            \tcreatedAt INTEGER NOT NULL,
            \tmodifiedAt INTEGER NOT NULL DEFAULT 0,
            \tPRIMARY KEY(key, namespace)
            )
            """,
            "CREATE INDEX ON releases_v1 (key, namespace)",
            "CREATE INDEX ON releases_v1 (version)",
            "CREATE INDEX ON releases_v1 (status)",
            "CREATE INDEX ON releases_v1 (owner)",
            "CREATE INDEX ON releases_v1 (createdAt)",
            "CREATE INDEX ON releases_v1 (modifiedAt)",
            "GRANT ALL ON releases_v1 TO PUBLIC",
            "ALTER TABLE releases_v1 ENABLE ROW LEVEL SECURITY",
        ]),
    ]

    /// gorp's bookkeeping table, as sql-migrate creates it for PostgreSQL.
    static let migrationTable = #"create table if not exists "gorp_migrations" ("id" text not null primary key, "applied_at" timestamp with time zone)"#

    /// Applies what is missing; refuses a database set up by a newer Helm (ids this version
    /// does not know), whose tables it might misread.
    static func ensure(_ c: PostgresConnection, logger: Logger, describe: (Error) -> String) async throws {
        var applied: Set<String> = []
        do {
            for try await id in try await c.query("SELECT id FROM gorp_migrations", logger: logger).decode(String.self) { applied.insert(id) }
        } catch let e as PSQLError where e.serverInfo?[.sqlState] == "42P01" {
            // No bookkeeping yet: a new database.
        }
        let known = Set(migrations.map(\.id))
        let unknown = applied.subtracting(known).sorted()
        if !unknown.isEmpty {
            throw SQLDriverError("the release database's schema is newer than hrctl knows: table gorp_migrations records migration\(unknown.count == 1 ? "" : "s") "
                + unknown.map { "\"\($0)\"" }.joined(separator: ", ") + " (hrctl knows \"custom_labels\" and \"init\", as Helm v4.3.1); use the helm version that migrated it")
        }
        if known.isSubset(of: applied) { return }
        do {
            try await c.query(PostgresQuery(unsafeSQL: migrationTable), logger: logger)
            for m in migrations where !applied.contains(m.id) {
                try await c.withTransaction(logger: logger) { tx in
                    for s in m.statements { try await tx.query(PostgresQuery(unsafeSQL: s), logger: logger) }
                    try await tx.query("INSERT INTO gorp_migrations (id, applied_at) VALUES (\(m.id), now())", logger: logger)
                }
            }
        } catch {
            throw SQLDriverError("creating Helm's tables in the release database failed: \(describe(error))")
        }
    }
}

/// The SQL driver's own failures (connection, schema), with PostgreSQL's message.
public struct SQLDriverError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
