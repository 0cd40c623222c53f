import XCTest
import Sprig
import GoTemplate
import Values

/// Go strings are bytes: functions see exactly the bytes a value holds, even when they are
/// not UTF-8 (decoded base64, a string cut inside a character).
final class ByteStringTests: XCTestCase {
    func bytes(_ text: String) throws -> [UInt8] {
        let set = TemplateSet(funcs: Sprig.functions)
        try set.parse(name: "t", text: text)
        var out: [UInt8] = []
        try set.execute("t", data: nil, output: &out)
        return out
    }

    func text(_ t: String) throws -> String { String(decoding: try bytes(t), as: UTF8.self) }

    func testDecodedBytesSurviveAnotherEncoding() throws {
        // 0xFF is no UTF-8; a text string would have turned it into EF BF BD.
        XCTAssertEqual(try text(#"{{ b64dec "/w==" | b64enc }}"#), "/w==")
        XCTAssertEqual(try text(#"{{ b64dec "/w==" | len }}"#), "1")
        XCTAssertEqual(try text(#"{{ b64dec "/w==" | sha256sum }}"#), "a8100ae6aa1940d0b663bb31cd466142ebbdbd5187131b92d93818987832eb89")
    }

    func testCuttingInsideACharacterKeepsTheByte() throws {
        XCTAssertEqual(try bytes(#"{{ substr 0 1 "é" }}"#), [0xC3])
        XCTAssertEqual(try text(#"{{ printf "%x" (substr 0 1 "é") }}|{{ trunc 1 "é" | len }}"#), "c3|1")
        XCTAssertEqual(try text(#"{{ index "é" 0 }}"#), "195")
    }

    func testQuotingAndJSONShowBytesAsGoDoes() throws {
        XCTAssertEqual(try text(#"{{ printf "%q" (b64dec "/w==") }}"#), #""\xff""#)
    }

    func testBytesJoinAndSplitWithoutLoss() throws {
        let joined = try bytes(#"{{ list (b64dec "/w==") "a" | join (b64dec "/g==") }}"#)
        XCTAssertEqual(joined, [0xFF, 0xFE, 0x61])
        XCTAssertEqual(try text(#"{{ splitList (b64dec "/g==") (printf "a%sb" (b64dec "/g==")) | len }}"#), "2")
    }
}
