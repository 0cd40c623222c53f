import XCTest
import ChartSource
import Values

/// Chart.lock's digest and layout, against values helm v4.3.1 wrote for the same Chart.yaml.
final class DependencyLockTests: XCTestCase {
    func testDigestIsHelmsForRangesAliasesAndFileDependencies() throws {
        var nginx = DependencyManager.Requested(), mq = DependencyManager.Requested(), local = DependencyManager.Requested()
        nginx.name = "nginx"; nginx.version = ">=22.0.0 <23"; nginx.repository = "http://127.0.0.1:18879"
        mq.name = "rabbitmq"; mq.version = "~6.10.0"; mq.repository = "http://127.0.0.1:18879"; mq.alias = "mq"; mq.condition = "mq.enabled"
        local.name = "localdep"; local.version = "*"; local.repository = "file://../localdep"
        let locked = [DependencyManager.Locked(name: "nginx", version: "22.1.1", repository: "http://127.0.0.1:18879"),
                      DependencyManager.Locked(name: "rabbitmq", version: "6.10.0", repository: "http://127.0.0.1:18879"),
                      DependencyManager.Locked(name: "localdep", version: "0.3.0", repository: "file://../localdep")]
        // `<` and `>` are escaped as Go's encoding/json escapes them before hashing.
        XCTAssertEqual(try DependencyManager.digest([nginx, mq, local], locked), "sha256:9c8856802521dbd5fd11b85cef95957ee864a92b57a58c7c72e4be386dc471cb")
    }

    func testDigestCoversTagsEnabledImportValuesAndAnEmptyRepository() throws {
        var d = DependencyManager.Requested()
        d.name = "localdep"; d.version = "0.3.0"; d.tags = ["a"]; d.enabled = true; d.importValues = [.string("x")]
        let l = DependencyManager.Locked(name: "localdep", version: "0.3.0", repository: "")
        XCTAssertEqual(try DependencyManager.digest([d], [l]), "sha256:6dc9492938fd9b5347fed3480c154f3a6421c7383ed900af5366f142871c486c")
        XCTAssertEqual(try DependencyManager.lockText([l], digest: "sha256:ab", generated: "2026-12-02T01:14:41.909816783Z"),
                       "dependencies:\n- name: localdep\n  repository: \"\"\n  version: 0.3.0\ndigest: sha256:ab\ngenerated: \"2026-12-02T01:14:41.909816783Z\"\n")
    }

    func testTablesArePaddedAndCutAsUitableDoes() {
        XCTAssertEqual(PaddedTable.render([["NAME", "STATUS"], ["a-long-name", "ok"]], maxWidth: 6),
                       "NAME  \tSTATUS\na-l...\tok    ")
    }
}
