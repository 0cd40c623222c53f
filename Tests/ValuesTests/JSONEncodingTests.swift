import XCTest
@testable import Values

/// Strings as Go's encoding/json writes them (escapeHTML on), byte runs copied whole.
final class JSONEncodingTests: XCTestCase {
    func testStringsEscapeAsEncodingJSONDoes() throws {
        let cases: [(String, String)] = [
            ("plain text", #""plain text""#),
            ("q\"b\\s\n\r\t\u{8}\u{c}", #""q\"b\\s\n\r\t\b\f""#),
            ("\u{1}\u{1f}\u{7f}", #""\u0001\u001f\u007f""#.replacingOccurrences(of: "\\u007f", with: "\u{7f}")),
            ("<a href=\"x\">&</a>", #""\u003ca href=\"x\"\u003e\u0026\u003c/a\u003e""#),
            ("line\u{2028}para\u{2029}end", #""line\u2028para\u2029end""#),
            // E2 begins U+2028/2029 and also other characters, which stay as they are.
            ("€ ‰ – \u{2027}\u{202a}", "\"€ ‰ – \u{2027}\u{202a}\""),
            ("ümlaut 日本 🎉", "\"ümlaut 日本 🎉\""),
            ("", #""""#),
            ("ends with <", #""ends with \u003c""#),
        ]
        for (input, want) in cases {
            XCTAssertEqual(try JSONEncoding.encode(.string(input)), want, "for \(input.debugDescription)")
        }
        XCTAssertEqual(try JSONEncoding.encode(.string("<&>"), escapeHTML: false), #""<&>""#)
    }
}
