import Foundation
import XCTest
import Sprig
import GoTemplate
import Values

/// Function families rendered through the template engine, including bad arguments
/// (clear errors, never a crash).
final class SprigFunctionTests: XCTestCase {
    func r(_ text: String, _ data: Value? = nil) throws -> String {
        let set = TemplateSet(funcs: Sprig.functions)
        try set.parse(name: "t", text: text)
        return try set.execute("t", data: data)
    }

    func err(_ text: String, _ data: Value? = nil) -> String {
        do { _ = try r(text, data); return "no error" } catch { return "\(error)" }
    }

    func testStrings() throws {
        XCTAssertEqual(try r(#"{{ "Hello World" | upper }}|{{ title "a-b c_d" }}|{{ trunc 3 "abcdef" }}|{{ trunc -2 "abcdef" }}"#), "HELLO WORLD|A-B C_d|abc|ef")
        XCTAssertEqual(try r(#"{{ indent 2 "a\nb" }}|{{ nindent 1 "x" }}|{{ replace "a" "b" "banana" }}"#), "  a\n  b|\n x|bbnbnb")
        XCTAssertEqual(try r(#"{{ quote "a\"b" }} {{ squote 1 }} {{ cat "a" 1 nil "b" }}"#), #""a\"b" '1' a 1 b"#)
        XCTAssertEqual(try r(#"{{ splitList "," "a,,b" }} {{ join "-" (list 1 "x" nil) }} {{ snakecase "FooBar" }} {{ kebabcase "FooBar" }}"#), "[a  b] 1-x foo_bar foo-bar")
        XCTAssertEqual(err(#"{{ substr 3 1 "abcdef" }}"#), "template: t:1:3: executing \"t\" at <substr 3 1 \"abcdef\">: error calling substr: runtime error: slice bounds out of range [3:1]")
        XCTAssertEqual(err(#"{{ upper 1 }}"#), "template: t:1:9: executing \"t\" at <1>: expected string; found 1")
    }

    func testListsAndTheirErrors() throws {
        XCTAssertEqual(try r("{{ list 3 1 2 | sortAlpha }} {{ first (list) }} {{ last (list 1 2) }} {{ reverse (list 1 2 3) }}"), "[1 2 3] <no value> 2 [3 2 1]")
        XCTAssertEqual(try r("{{ uniq (list 1 1 2) }} {{ without (list 1 2 3) 2 }} {{ has 2 (list 1 2) }} {{ chunk 2 (list 1 2 3) }}"), "[1 2] [1 3] true [[1 2] [3]]")
        XCTAssertEqual(try r("{{ seq 3 }}|{{ until 3 }}|{{ untilStep 10 0 -4 }}"), "1 2 3|[0 1 2]|[10 6 2]")
        XCTAssertEqual(err("{{ first 3 }}"), "template: t:1:3: executing \"t\" at <first 3>: error calling first: Cannot find first on type int")
        XCTAssertEqual(err("{{ concat (list 1) 2 }}"), "template: t:1:3: executing \"t\" at <concat (list 1) 2>: error calling concat: Cannot concat type int as list")
    }

    func testDictsAreSharedReferences() throws {
        XCTAssertEqual(try r(#"{{ $d := dict "a" 1 }}{{ $_ := set $d "b" 2 }}{{ $d }} {{ hasKey $d "b" }} {{ get $d "zz" | quote }}"#), #"map[a:1 b:2] true """#)
        XCTAssertEqual(try r(#"{{ $a := dict "x" (dict "y" 1) }}{{ $_ := merge $a (dict "x" (dict "z" 2) "w" 3) }}{{ $a }}"#), "map[w:3 x:map[y:1 z:2]]")
        XCTAssertEqual(try r(#"{{ dig "a" "b" "def" (dict "a" (dict "b" "found")) }} {{ pick (dict "a" 1 "b" 2) "b" }} {{ omit (dict "a" 1 "b" 2) "b" }}"#), "found map[b:2] map[a:1]")
        XCTAssertEqual(err(#"{{ get "notamap" "k" }}"#), #"template: t:1:7: executing "t" at <"notamap">: can't handle "notamap" for arg of type map[string]interface {}"#)
    }

    func testMathKeepsGoTypes() throws {
        XCTAssertEqual(try r("{{ add 1 2 | typeOf }} {{ add1 .n }} {{ div 7 2 }} {{ mod 7 2 }} {{ max 1 9 3 }} {{ addf 0.1 0.2 }} {{ round 2.345 2 }}", .map(["n": .float(2.9)])),
                       "int64 3 3 1 9 0.3 2.35")
        XCTAssertEqual(try r(#"{{ int "0x1F" }} {{ int64 "12" }} {{ float64 "1.5" }} {{ atoi "x" }} {{ toDecimal "777" }}"#), "31 12 1.5 0 511")
        XCTAssertEqual(err("{{ div 1 0 }}"), "template: t:1:3: executing \"t\" at <div 1 0>: error calling div: runtime error: integer divide by zero")
    }

    func testDefaultsAndReflection() throws {
        XCTAssertEqual(try r(#"{{ default "d" "" }} {{ default "d" "x" }} {{ empty (list) }} {{ coalesce "" 0 "z" }} {{ ternary "y" "n" true }}"#), "d x true z y")
        XCTAssertEqual(try r(#"{{ kindOf (list) }} {{ typeOf (dict) }} {{ kindIs "string" "x" }} {{ deepEqual (list 1) (list 1) }}"#), "slice map[string]interface {} true true")
    }

    func testEncodingHashesAndPaths() throws {
        XCTAssertEqual(try r(#"{{ b64enc "hi" }} {{ b64dec "aGk=" }} {{ b32enc "hi" }} {{ b32dec "NBUQ====" }} {{ b64dec "%%" }}"#), "aGk= hi NBUQ==== hi illegal base64 data at input byte 0")
        XCTAssertEqual(try r(#"{{ sha256sum "" }}"#), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(try r(#"{{ base "/a/b.txt" }} {{ dir "/a/b.txt" }} {{ ext "x.tar.gz" }} {{ clean "a//b/../c" }} {{ isAbs "a" }}"#), "b.txt /a .gz a/c false")
    }

    func testRegexWithGoReplacementSyntax() throws {
        XCTAssertEqual(try r(#"{{ regexReplaceAll "(a+)(b)" "xaab" "${2}$1" }} {{ regexSplit "," "a,b,c" 2 }} {{ regexFindAll "[0-9]" "a1b2" -1 }}"#), "xbaa [a b,c] [1 2]")
        XCTAssertTrue(err(#"{{ mustRegexMatch "(" "x" }}"#).contains("error parsing regexp: missing closing ): `(`"))
    }

    func testSemverConstraints() throws {
        XCTAssertEqual(try r(#"{{ semverCompare "^1.2.0" "1.9.0" }} {{ semverCompare "~1.2.3" "1.3.0" }} {{ semverCompare ">=1.0, <2.0 || 3.x" "3.1.0" }} {{ semverCompare "1.2 - 1.4" "1.4.0" }} {{ semverCompare ">=1.0" "1.1.0-beta" }}"#),
                       "true false true true false")
        XCTAssertEqual(try r(#"{{ (semver "v1.2.3-rc.1+build").Minor }} {{ (semver "1.2").Patch }}"#), "2 0")
        XCTAssertEqual(err(#"{{ semverCompare "!!" "1.0.0" }}"#), "template: t:1:3: executing \"t\" at <semverCompare \"!!\" \"1.0.0\">: error calling semverCompare: improper constraint: \"!!\"")
    }

    func testDatesWithGoLayouts() throws {
        XCTAssertEqual(try r(#"{{ toDate "2006-01-02 15:04" "2021-03-04 05:06" | date "Mon Jan _2 03:04:05 PM 2006" }}"#), "Thu Mar  4 05:06:00 AM 2021")
        XCTAssertEqual(try r(#"{{ dateModify "-1h30m" (toDate "2006-01-02" "2021-03-04") | date "2006-01-02 15:04" }} {{ duration "90" }}"#), "2021-03-03 22:30 1m30s")
        XCTAssertEqual(err(#"{{ mustToDate "2006" "x" }}"#), "template: t:1:3: executing \"t\" at <mustToDate \"2006\" \"x\">: error calling mustToDate: parsing time \"x\" as \"2006\": cannot parse \"x\" as \"2006\"")
    }

    func testAESRoundTripsAndRejectsGarbage() throws {
        XCTAssertEqual(try r(#"{{ encryptAES "secret" "hello world" | decryptAES "secret" }}"#), "hello world")
        XCTAssertTrue(err(#"{{ decryptAES "k" "not base64!" }}"#).contains("error calling decryptAES"))
    }

    func testCertificatesAreRealPEM() throws {
        let out = try r(#"{{ $ca := genCA "ca" 3 }}{{ $c := genSignedCert "svc" (list "10.0.0.1") (list "svc.ns") 3 $ca }}{{ $c.Cert }}{{ $c.Key }}"#)
        XCTAssertTrue(out.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        XCTAssertTrue(out.contains("-----BEGIN RSA PRIVATE KEY-----"))
        XCTAssertEqual(try r(#"{{ genPrivateKey "bogus" }}"#), "Unknown type bogus")
    }
}

/// Behaviours found by differential testing against real Helm.
final class SprigDifferentialTests: XCTestCase {
    func r(_ text: String) throws -> String {
        let set = TemplateSet(funcs: Sprig.functions)
        try set.parse(name: "t", text: text)
        return try set.execute("t", data: nil)
    }

    func testCaseConversionsSplitWordsAsXstringsDoes() throws {
        XCTAssertEqual(try r(#"{{ camelcase "hello world" }}|{{ camelcase "  pad  " }}|{{ camelcase "_complex__case_" }}"#), "HelloWorld|  Pad  |_Complex_Case_")
        XCTAssertEqual(try r(#"{{ snakecase "  pad  " }}|{{ snakecase "1.5" }}|{{ snakecase "HTTPServer" }}|{{ snakecase "Bld4Floor3rd" }}"#), "__pad__|1.5|http_server|bld4_floor_3rd")
        XCTAssertEqual(try r(#"{{ kebabcase "a.b?q=1" }}|{{ kebabcase "HTTP20xOK" }}"#), "a.b?q-=1|http-20x-ok")
    }

    func testDecodingErrorsNameTheEncodingAndWhereItFailed() throws {
        XCTAssertEqual(try r(#"{{ b32dec "YWJj" }}|{{ b64dec "42" }}"#), "illegal base32 data at input byte 3|illegal base64 data at input byte 0")
    }

    func testNumbersAsSprigComputesThem() throws {
        XCTAssertEqual(try r("{{ divf 1.5 7 }}|{{ max 1e300 1000 }}"), "0.2142857142857143|1000")
        XCTAssertEqual(try r(#"{{ initials "Äb Cd" }}"#), "\u{C3}C")
    }

    func testChunkOfAZeroSizeFailsAsGoDoes() {
        let set = TemplateSet(funcs: Sprig.functions)
        XCTAssertThrowsError(try { try set.parse(name: "t", text: "{{ chunk 0 (list 1) }}"); _ = try set.execute("t", data: nil) }()) {
            XCTAssertTrue("\($0)".hasSuffix("runtime error: makeslice: len out of range"))
        }
    }
}

extension SprigDifferentialTests {
    func testQuirksKeptFromGo() throws {
        XCTAssertEqual(try r(#"{{ camelcase "\n" }}"#), "\n\n")
        let set = TemplateSet(funcs: Sprig.functions)
        XCTAssertThrowsError(try { try set.parse(name: "d", text: #"{{ dig "a" "b" "d" (dict "a" nil) }}"#); _ = try set.execute("d", data: nil) }()) {
            XCTAssertTrue("\($0)".hasSuffix("interface conversion: interface {} is nil, not map[string]interface {}"))
        }
        XCTAssertThrowsError(try { try set.parse(name: "t", text: #"{{ indent -1 "x" }}"#); _ = try set.execute("t", data: nil) }()) {
            XCTAssertTrue("\($0)".hasSuffix("strings: negative Repeat count"))
        }
    }

    /// goutils' WrapCustom counts bytes and sees one line: a newline is an ordinary character,
    /// wrap keeps a long word whole, wrapWith cuts it ("ÄbC" is four bytes: three fit, "Äb").
    /// Answers as helm v4.3.1 renders them.
    func testWrapCountsBytesOverOneLine() throws {
        XCTAssertEqual(try r(#"{{ wrapWith 3 "  pad  " "ÄbC" }}"#), "Äb  pad  C")
        XCTAssertEqual(try r(#"{{ wrap 3 "abcdefgh ij" }}|{{ wrapWith 3 "|" "abcdefgh ij" }}"#), "abcdefgh\nij|abc|def|gh|ij")
        XCTAssertEqual(try r(#"{{ wrap 5 "ab cd\nefghijk lm\n\nx" | quote }}"#), #""ab\ncd\nefghijk\nlm\n\nx""#)
        XCTAssertEqual(try r(#"{{ wrap 4 "  leading  spaces   here " | quote }}|{{ wrap 0 "a b" | quote }}|{{ wrapWith 2 "" "abc de" | quote }}"#),
                       #""leading\nspaces\nhere\n"|"a\nb"|"ab\nc\nde""#)
    }

    /// abbrevboth gives the text back for a right width under 4 (under 7 with a left offset)
    /// before goutils could refuse it (helm v4.3.1's answers).
    func testAbbrevbothKeepsTheTextForSmallWidths() throws {
        XCTAssertEqual(try r(#"{{ abbrevboth -1 1 "ÄbC" }}|{{ abbrevboth 1 5 "abcdefghijkl" }}|{{ abbrevboth 2 6 "abcdefgh" }}"#), "ÄbC|abcdefghijkl|abcdefgh")
        XCTAssertEqual(try r(#"{{ abbrevboth 0 5 "abcdefghijkl" }}|{{ abbrevboth 5 10 "abcdefghijklmnopqrstuvwxyz" }}"#), "ab...|...fghi...")
    }
}
