import XCTest
import GoFmt
import Values

final class PrintfTests: XCTestCase {
    func f(_ format: String, _ args: Value...) -> String { GoFmt.sprintf(GoString(format), args).string }

    func testIntegersHonourWidthFlagsAndBases() {
        XCTAssertEqual(f("%d|%5d|%-5d|%05d|%+d|% d", .int(42), .int(42), .int(42), .int(-42), .int(7), .int(7)), "42|   42|42   |-0042|+7| 7")
        XCTAssertEqual(f("%x %X %o %O %b %#x %#o", .int(255), .int(255), .int(8), .int(8), .int(5), .int(255), .int(8)), "ff FF 10 0o10 101 0xff 010")
        XCTAssertEqual(f("%.3d|%6.3d", .int(7), .int(7)), "007|   007")
        XCTAssertEqual(f("%c%c %q %U %#U", .int(72), .int(105), .int(65), .int(0x1F600), .int(65)), "Hi 'A' U+1F600 U+0041 'A'")
    }

    func testFloatsUseGoShortestAndExponentRules() {
        XCTAssertEqual(GoFmt.print(.float(1e6)), "1e+06")
        XCTAssertEqual(GoFmt.print(.float(100000)), "100000")
        XCTAssertEqual(GoFmt.print(.float(0.0001)), "0.0001")
        XCTAssertEqual(GoFmt.print(.float(0.00001)), "1e-05")
        XCTAssertEqual(GoFmt.print(.float(3)), "3")
        XCTAssertEqual(GoFmt.print(.float(-2.5)), "-2.5")
        XCTAssertEqual(GoFmt.print(.float(1.0 / 3.0)), "0.3333333333333333")
        XCTAssertEqual(f("%f %.2f %e %E %g %G", .float(1.5), .float(1.555), .float(1234.5), .float(1234.5), .float(1e21), .float(1e-7)),
                       "1.500000 1.55 1.234500e+03 1.234500E+03 1e+21 1E-07")
        XCTAssertEqual(f("%8.3f|%-8.2f|%08.3f|%+.1f", .float(3.14159), .float(2.5), .float(-3.14159), .float(2)), "   3.142|2.50    |-003.142|+2.0")
        XCTAssertEqual(f("%v %v %v", .float(.infinity), .float(-.infinity), .float(.nan)), "+Inf -Inf NaN")
        XCTAssertEqual(f("%x %b", .float(1), .float(1)), "0x1p+00 4503599627370496p-52")
    }

    func testStringsQuotesAndHex() {
        XCTAssertEqual(f("%s|%10s|%-10s|%.2s|%q|%x|% x|%#q", .string("héllo"), .string("ab"), .string("ab"), .string("héllo"),
                         .string("a\"b\n"), .string("hi"), .string("hi"), .string("raw")),
                       "héllo|        ab|ab        |hé|\"a\\\"b\\n\"|6869|68 69|`raw`")
        XCTAssertEqual(f("%q", .string("\u{7}\u{1F600}\u{2028}")), "\"\\a😀\\u2028\"")
        XCTAssertEqual(f("%+q", .string("é")), "\"\\u00e9\"")
    }

    func testCompositeValuesPrintLikeGo() {
        let m = Value.map(["b": .float(2), "a": .list([.string("x"), .null, .bool(true)])])
        XCTAssertEqual(GoFmt.print(m), "map[a:[x <nil> true] b:2]")
        XCTAssertEqual(f("%#v", .list([.string("a"), .float(1)])), "[]interface {}{\"a\", 1}")
        XCTAssertEqual(f("%#v", .map(["k": .null])), "map[string]interface {}{\"k\":interface {}(nil)}")
        XCTAssertEqual(f("%d", .list([.float(1), .string("a")])), "[%!d(float64=1) %!d(string=a)]")
        XCTAssertEqual(f("%s", .list([.string("a"), .string("b")], of: .string)), "[a b]")
        XCTAssertEqual(f("%T %T %T", .list([], of: .string), .map([:]), .null), "[]string map[string]interface {} <nil>")
    }

    func testMalformedFormatsReportLikeGo() {
        XCTAssertEqual(f("%d %d", .int(1)), "1 %!d(MISSING)")
        XCTAssertEqual(f("%d", .int(1), .string("x"), .null), "1%!(EXTRA string=x, <nil>)")
        XCTAssertEqual(f("%z", .int(1)), "%!z(int=1)")
        XCTAssertEqual(f("%"), "%!(NOVERB)")
        XCTAssertEqual(f("%[3]d", .int(1)), "%!d(BADINDEX)")
        XCTAssertEqual(f("%[2]d %[1]d", .int(1), .int(2)), "2 1")
        XCTAssertEqual(f("%*d|%-*d", .int(4), .int(1), .int(3), .int(2)), "   1|2  ")
        XCTAssertEqual(f("%*d", .string("x"), .int(1)), "%!(BADWIDTH)1")
    }

    func testSprintSpacesOnlyBetweenNonStrings() {
        XCTAssertEqual(GoFmt.sprint([.int(1), .int(2), .string("a"), .string("b"), .int(3)]), "1 2ab3")
        XCTAssertEqual(GoFmt.sprintln([.string("a"), .int(1)]), "a 1\n")
    }
}
