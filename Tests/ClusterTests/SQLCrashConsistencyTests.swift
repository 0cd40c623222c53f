import Foundation
import XCTest
import KubeTestServer
import Release
import ReleaseSQL

/// The chaos rounds of CrashConsistencyTests with the records in PostgreSQL (HELM_DRIVER=sql):
/// hrctl killed at random moments of install, upgrade, drift repair, rollback and delete, then
/// run again, leaves one deployed revision, the latest, and helm reads the database after it.
/// The lock is the primary key (create-if-absent), the fence PostgreSQL's xmin.
final class SQLCrashConsistencyTests: XCTestCase {
    static var rounds: Int { Int(ProcessInfo.processInfo.environment["HRCTL_CHAOS_SQL_ROUNDS"] ?? "") ?? 12 }

    func testKilledCommandsRecoverToOneDeployedRevisionWithRecordsInPostgreSQL() async throws {
        guard TestPostgres.bin != nil else { try TestPostgres.skip() }
        let pg = try TestPostgres(name: "chaos")
        defer { pg.stop() }
        let cluster = try LoopbackCluster(name: "sqlchaos")
        defer { cluster.down() }
        let driverEnv = ["HELM_DRIVER": "sql", "HELM_DRIVER_SQL_CONNECTION_STRING": pg.url]
        let storage = ReleaseStorage(driver: try await SQLDriver.connect(pg.url))
        let helm = GenuineCluster.unavailable == nil ? GenuineCluster.tools + "/helm" : nil
        let chaos = try Chaos(label: "sql", kubeconfig: cluster.kubeconfig, dir: cluster.dir, namespace: "chaos", helm: helm,
                              driverEnv: driverEnv, storage: storage)
        var failures: [String] = []
        for n in 1...Self.rounds where failures.isEmpty {
            failures += try await chaos.round(n, checkHelm: n % 3 == 0)
        }
        FileHandle.standardError.write(Data((chaos.summary() + "\n").utf8))
        XCTAssertEqual(failures, [], "seed \(chaos.seed)")
        XCTAssertEqual(try pg.psql("SELECT count(*) FROM releases_v1 WHERE namespace <> 'chaos'"), "0\n")
        await chaos.close()
        await storage.driver.shutdown()
    }
}
