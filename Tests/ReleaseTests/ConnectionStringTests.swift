import XCTest
import ReleaseSQL

/// HELM_DRIVER_SQL_CONNECTION_STRING in both forms lib/pq reads, with its defaults.
final class ConnectionStringTests: XCTestCase {
    func testURLFormWithEscapesPortAndQuery() throws {
        let c = try ConnectionString("postgresql://helm:p%40ss%3Aword@db.example:5433/releases?sslmode=verify-full&connect_timeout=7")
        XCTAssertEqual(c.user, "helm")
        XCTAssertEqual(c.password, "p@ss:word")
        XCTAssertEqual(c.host, "db.example")
        XCTAssertEqual(c.port, 5433)
        XCTAssertEqual(c.database, "releases")
        XCTAssertEqual(c.sslMode, "verify-full")
        XCTAssertEqual(c.connectTimeout, 7)
        let v6 = try ConnectionString("postgres://[::1]:6000/x")
        XCTAssertEqual(v6.host, "::1")
        XCTAssertEqual(v6.port, 6000)
    }

    func testKeyValueFormWithQuotedValues() throws {
        let c = try ConnectionString(#"host=/run/postgresql  port = 5434 user=helm password='it\'s a secret' dbname=helm"#)
        XCTAssertEqual(c.host, "/run/postgresql")
        XCTAssertEqual(c.port, 5434)
        XCTAssertEqual(c.password, "it's a secret")
        XCTAssertEqual(c.database, "helm")
        XCTAssertThrowsError(try ConnectionString("host=a port")) { XCTAssertTrue("\($0)".contains("missing \"=\" after \"port\"")) }
        XCTAssertThrowsError(try ConnectionString("password='open")) { XCTAssertTrue("\($0)".contains("unterminated quoted string")) }
    }

    func testDefaultsAreLibPqsAndTheEnvironmentFillsGaps() throws {
        let bare = try ConnectionString("")
        XCTAssertEqual(bare.host, "localhost")
        XCTAssertEqual(bare.port, 5432)
        XCTAssertEqual(bare.sslMode, "require")
        XCTAssertNil(bare.database)
        let env = try ConnectionString("dbname=x", environment: ["PGHOST": "pg", "PGPORT": "7000", "PGSSLMODE": "disable", "PGDATABASE": "y"])
        XCTAssertEqual(env.host, "pg")
        XCTAssertEqual(env.port, 7000)
        XCTAssertEqual(env.sslMode, "disable")
        XCTAssertEqual(env.database, "x")
    }
}
