import XCTest
import YAML

/// go-yaml's map key order (sorter.go), as `helm template` printed it for these keys.
final class KeyOrderTests: XCTestCase {
    let keys = ["1a", "1_", "a", "_", "A", "01", "1", "001", "a01", "a001", "a0", "a00", "é", "z", "10a", "9b",
                "x-1", "x.1", "x_", "xa", "x1a", "x1-", ""]

    func testToYamlOrderIsGoYamlV2s() {
        XCTAssertEqual(YAMLKeyOrder.v2.sorted(keys),
                       ["", "_", "1", "1_", "1a", "01", "001", "9b", "10a", "A", "a", "a0", "a00", "a01", "a001",
                        "x-1", "x.1", "x_", "x1-", "x1a", "xa", "z", "é"])
    }

    func testToYamlPrettyOrderIsYamlV3s() {
        XCTAssertEqual(YAMLKeyOrder.v3.sorted(keys),
                       ["", "_", "1", "1a", "1_", "01", "001", "9b", "10a", "A", "a", "a0", "a00", "a01", "a001",
                        "x-1", "x.1", "x_", "x1a", "x1-", "xa", "z", "é"])
    }
}
