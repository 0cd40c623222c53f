import XCTest
import Values
import Chart

/// Values coalescing as Helm v4.3 does it: the charts' own `null` defaults are not values.
final class CoalesceTests: XCTestCase {
    private func chart(_ files: [(String, String)]) throws -> Chart {
        try ChartLoader.load(files: files.map { ($0.0, Array($0.1.utf8)) }, source: "test")
    }

    private func umbrella(parentValues: String) throws -> Chart {
        let c = try chart([
            ("Chart.yaml", "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n- name: sub\n  version: 0.1.0\n"),
            ("values.yaml", parentValues),
            ("charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n"),
            ("charts/sub/values.yaml", "limits:\n  cpu: 1\n  memory: 2\n"),
        ])
        Dependencies.process(c, Map([:]))
        Dependencies.importValues(c)
        return c
    }

    private func subLimits(_ values: Map) -> [String: Value]? {
        guard case .map(let limits)? = Coalesce.pathValue(values, "sub.limits") else { return nil }
        return limits.entries
    }

    /// values.yaml numbers are float64 in Helm, ints where a test builds them.
    private func number(_ v: Value?) -> Double? {
        switch v {
        case .float(let d, _)?: return d
        case .int(let i, _)?: return Double(i)
        default: return nil
        }
    }

    func testAParentChartsNullDefaultLeavesTheSubchartDefaultInPlace() throws {
        let c = try umbrella(parentValues: "sub:\n  limits:\n    cpu: null\n    memory: 8\n")
        let limits = try XCTUnwrap(subLimits(Coalesce.values(c, Map([:]))))
        XCTAssertEqual(number(limits["cpu"]), 1)
        XCTAssertEqual(number(limits["memory"]), 8)
    }

    func testAUsersNullStillDeletesADefault() throws {
        let c = try umbrella(parentValues: "sub:\n  limits:\n    memory: 8\n")
        let user = Map(["sub": .map(["limits": .map(["cpu": .null])])])
        let limits = try XCTUnwrap(subLimits(Coalesce.values(c, user)))
        XCTAssertNil(limits["cpu"])
        XCTAssertEqual(number(limits["memory"]), 8)
    }

    func testNullDefaultsAreAbsentFromTheChartsOwnValues() throws {
        let c = try umbrella(parentValues: "global:\n  hash:\n    a: null\n    b: 3\n")
        guard case .map(let hash)? = Coalesce.pathValue(Coalesce.values(c, Map([:])), "global.hash") else {
            return XCTFail("global.hash missing")
        }
        XCTAssertEqual(Array(hash.entries.keys), ["b"])
    }
}
