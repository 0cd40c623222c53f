import XCTest
import Values

/// Go strings as bytes: valid UTF-8 stays text, anything else is kept exactly.
final class GoStringTests: XCTestCase {
    func testBytesThatAreNotUTF8AreKept() {
        let s = GoString(bytes: [0x61, 0xFF])
        XCTAssertFalse(s.isValidUTF8)
        XCTAssertEqual(s.bytes, [0x61, 0xFF])
        XCTAssertEqual(s.count, 2)
        XCTAssertTrue(GoString(bytes: Array("é".utf8)).isValidUTF8)
    }

    func testTextReadsEachBadByteAsOneReplacement() {
        // E2 82 is a cut three-byte sequence: Go reads two bad bytes, not one.
        XCTAssertEqual(GoString(bytes: [0xE2, 0x82, 0x41]).string, "\u{FFFD}\u{FFFD}A")
    }

    func testSlicesJoinBackIntoText() {
        let e = GoString("é")
        XCTAssertFalse(e.slice(0, 1).isValidUTF8)
        XCTAssertEqual(e.slice(0, 1) + e.slice(1, 2), e)
        XCTAssertTrue(GoString("a") < GoString(bytes: [0xFF]))
    }

    func testJSONWritesBadBytesAsEscapedReplacements() throws {
        XCTAssertEqual(try JSONEncoding.encode(.string(bytes: [0x61, 0xFF])), #""a\ufffd""#)
    }
}

/// encoding/json escapes <, > and & only when asked (toRawJson does not ask).
final class JSONHTMLEscapeTests: XCTestCase {
    func testHTMLCharactersStayWhenEscapingIsOff() throws {
        XCTAssertEqual(try JSONEncoding.encode(.string("<a&b>"), escapeHTML: false), #""<a&b>""#)
        XCTAssertEqual(try JSONEncoding.encode(.string("<a&b>")), #""\u003ca\u0026b\u003e""#)
    }
}
