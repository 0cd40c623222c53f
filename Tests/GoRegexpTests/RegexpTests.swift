import XCTest
import GoRegexp

/// Go's regexp package on RE2: linear time, Go's syntax and error words, runes not grapheme
/// clusters, Go's FindAll / ReplaceAll / Split / Expand rules. Expected values are what Go's
/// regexp (Go 1.24, as in helm v4.3.1) answers.
final class RegexpTests: XCTestCase {
    func b(_ s: String) -> [UInt8] { Array(s.utf8) }
    func s(_ b: [UInt8]?) -> String { String(decoding: b ?? Array("<too large>".utf8), as: UTF8.self) }

    func testNestedRepetitionRunsInLinearTime() throws {
        let r = try Regexp("(a+)+$")
        let text = b(String(repeating: "a", count: 5000) + "b")
        let start = ContinuousClock.now
        XCTAssertFalse(r.matches(text))
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(1))
    }

    func testBackreferencesAndLookaroundsAreRefusedInGosWords() {
        func message(_ p: String) -> String {
            do { _ = try Regexp(p); return "accepted" } catch { return error.description }
        }
        XCTAssertEqual(message(#"(a)\1"#), #"error parsing regexp: invalid escape sequence: `\1`"#)
        XCTAssertEqual(message("a(?=b)"), "error parsing regexp: invalid or unsupported Perl syntax: `(?=`")
        XCTAssertEqual(message("a(?!b)"), "error parsing regexp: invalid or unsupported Perl syntax: `(?!`")
        XCTAssertEqual(message("(?<=a)b"), "error parsing regexp: invalid named capture: `(?<=a)b`")
        XCTAssertEqual(message(#"a\C"#), #"error parsing regexp: invalid escape sequence: `\C`"#)
        XCTAssertEqual(message(#"a\Z"#), #"error parsing regexp: invalid escape sequence: `\Z`"#)
        XCTAssertEqual(message("("), "error parsing regexp: missing closing ): `(`")
        XCTAssertEqual(message(")"), "error parsing regexp: unexpected ): `)`")
        XCTAssertEqual(message("a**"), "error parsing regexp: invalid nested repetition operator: `**`")
        XCTAssertEqual(message("[z-a]"), "error parsing regexp: invalid character class range: `z-a`")
        XCTAssertEqual(message("x{1001}"), "error parsing regexp: invalid repeat count: `{1001}`")
    }

    func testGoNamedGroupSyntaxBothForms() throws {
        let r = try Regexp("(?<year>[0-9]{4})-(?P<month>[0-9]{2})")
        XCTAssertEqual(r.subexpNames, ["", "year", "month"])
        XCTAssertEqual(s(r.replaceAll(b("on 2024-05"), template: b("$month/${year}"))), "on 05/2024")
    }

    func testMatchingIsOnRunesNotGraphemeClusters() throws {
        // "e" + combining acute: two runes, one grapheme cluster.
        let r = try Regexp("^.$")
        XCTAssertFalse(r.matches(b("e\u{301}")))
        XCTAssertTrue(try Regexp("^..$").matches(b("e\u{301}")))
        XCTAssertEqual(try Regexp("e").allMatches(b("e\u{301}e"), -1).count, 2)
    }

    func testExpandFollowsGo() throws {
        let r = try Regexp("a(x*)")
        XCTAssertEqual(s(r.replaceAll(b("-ab-axxb-"), template: b("${1}W $1W $$ $0 ${10} $x $"))), "-W  $ a   $b-xxW  $ axx   $b-")
        XCTAssertEqual(s(r.replaceAllLiteral(b("-axb-"), with: b("$1"))), "-$1b-")
    }

    func testEmptyMatchesFollowGo() throws {
        XCTAssertEqual(s(try Regexp("x*").replaceAll(b("abc"), template: b("-"))), "-a-b-c-")
        XCTAssertEqual(s(try Regexp("a*").replaceAll(b("baaac"), template: b("-"))), "-b-c-")
        XCTAssertEqual(try Regexp("").split(b("abc"), -1).map { s($0) }, ["a", "b", "c"])
        XCTAssertEqual(try Regexp("x*").split(b("axbc"), -1).map { s($0) }, ["a", "b", "c"])
        XCTAssertEqual(try Regexp("a").split(b(""), -1).map { s($0) }, [""])
        XCTAssertEqual(try Regexp(",").split(b("a,b,c"), 2).map { s($0) }, ["a", "b,c"])
        XCTAssertEqual(try Regexp("a*").allMatches(b("baaac"), -1).map { [$0[0], $0[1]] }, [[0, 0], [1, 4], [5, 5]])
    }

    func testPositionsAfterTheStartStillSeeTheTextBefore() throws {
        // ^ and \b at a later search position look at the bytes before it.
        XCTAssertEqual(try Regexp("^a").allMatches(b("aaa"), -1).count, 1)
        XCTAssertEqual(try Regexp(#"\bx"#).allMatches(b("x ax x"), -1).count, 2)
    }
}
