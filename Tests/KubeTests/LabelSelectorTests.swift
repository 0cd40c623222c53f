import XCTest
import KubeAPIServer

final class LabelSelectorTests: XCTestCase {
    func testEqualitySetAndExistenceRequirements() throws {
        let labels = ["app": "web", "tier": "front", "version": "2"]
        XCTAssertTrue(try LabelSelector("app=web,tier==front").matches(labels))
        XCTAssertFalse(try LabelSelector("app!=web").matches(labels))
        XCTAssertTrue(try LabelSelector("version in (1, 2),!missing").matches(labels))
        XCTAssertFalse(try LabelSelector("version notin (2)").matches(labels))
        XCTAssertTrue(try LabelSelector("tier").matches(labels))
        XCTAssertTrue(try LabelSelector("").matches(labels))
    }

    func testErrorsAreWordedAsTheAPIServerWordsThem() {
        XCTAssertThrowsError(try LabelSelector("==bad")) { e in
            XCTAssertEqual("\(e)", "found '==', expected: !, identifier, or 'end of string'")
        }
    }
}
