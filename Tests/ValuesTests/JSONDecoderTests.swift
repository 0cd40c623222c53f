import XCTest
import Values

final class JSONDecoderTests: XCTestCase {
    func testDecodesLikeGoIntoInterface() throws {
        let v = try JSON.decode(#"{"a": 1, "b": [true, null, "x\u00e9\ud83d\ude00"], "c": {"d": -2.5e3}}"#)
        guard case .map(let m) = v else { return XCTFail() }
        guard case .float(let a, .float64)? = m.entries["a"] else { return XCTFail("a") }
        XCTAssertEqual(a, 1)
        guard case .list(let l)? = m.entries["b"] else { return XCTFail("b") }
        XCTAssertEqual(l.items.count, 3)
        XCTAssertEqual(l.items[2].stringValue, "xé😀")
        XCTAssertEqual(m.type.description, "map[string]interface {}")
        XCTAssertEqual(l.type.description, "[]interface {}")
    }

    func testSyntaxErrorsUseGoWording() {
        XCTAssertThrowsError(try JSON.decode("{\"a\" 1}")) { e in
            XCTAssertEqual((e as? JSON.SyntaxError)?.message, "invalid character '1' after object key")
        }
        XCTAssertThrowsError(try JSON.decode("[1, 2")) { e in
            XCTAssertEqual((e as? JSON.SyntaxError)?.message, "unexpected end of JSON input")
        }
        XCTAssertThrowsError(try JSON.decode("{}\nx")) { e in
            XCTAssertEqual((e as? JSON.SyntaxError)?.line, 2)
        }
    }

    func testMapKeysSortByteWise() {
        let m = Map(["b": .null, "B": .null, "_": .null, "10": .null, "9": .null, "a": .null])
        XCTAssertEqual(m.sortedKeys, ["10", "9", "B", "_", "a", "b"])
    }
}
