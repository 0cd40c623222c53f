import XCTest
@testable import GoTemplate

final class LexerTests: XCTestCase {
    func kinds(_ s: String) -> [String] {
        let (items, text) = Lexer.lex(name: "t", input: Array(s.utf8))
        return items.map { "\($0.type):\(text.val($0))" }
    }

    func testTrimMarkersRemoveAdjacentWhiteSpace() {
        XCTAssertEqual(kinds("a \n{{- 1 -}}\n b"), ["text:a", "leftDelim:{{", "number:1", "rightDelim:}}", "text:b", "eof:"])
    }

    func testMinusWithoutSpaceIsANumber() {
        XCTAssertEqual(kinds("{{-3}}"), ["leftDelim:{{", "number:-3", "rightDelim:}}", "eof:"])
    }

    func testNumberForms() {
        let (items, text) = Lexer.lex(name: "t", input: Array("{{ 0x1F 0o17 0b101 1_000 1.5e3 0x1p4 1i 'a' 1+2i }}".utf8))
        let nums = items.filter { [.number, .charConstant, .complex].contains($0.type) }.map(text.val)
        XCTAssertEqual(nums, ["0x1F", "0o17", "0b101", "1_000", "1.5e3", "0x1p4", "1i", "'a'", "1+2i"])
    }

    func testFieldsVariablesAndDeclarations() {
        XCTAssertEqual(kinds("{{$x := .a.b | f $}}"),
                       ["leftDelim:{{", "variable:$x", "space: ", "declare::=", "space: ", "field:.a", "field:.b",
                        "space: ", "pipe:|", "space: ", "identifier:f", "space: ", "variable:$", "rightDelim:}}", "eof:"])
    }

    func testLinesAreCountedAcrossTextAndActions() {
        let (items, text) = Lexer.lex(name: "t", input: Array("a\nb{{ .x\n }}c\n{{ y }}".utf8))
        XCTAssertEqual(items.first { text.val($0) == "y" }?.line, 4)
        XCTAssertEqual(items.first { text.val($0) == ".x" }?.line, 2)
    }

    func testErrorsStopLexing() {
        XCTAssertEqual(kinds("{{ \"abc }}").last, "error:unterminated quoted string")
        XCTAssertEqual(kinds("{{/* x }}").last, "error:unclosed comment")
        XCTAssertEqual(kinds("{{ 3k }}").last, "error:bad number syntax: \"3k\"")
        XCTAssertEqual(kinds("{{ .x ").last, "error:unclosed action")
    }
}
