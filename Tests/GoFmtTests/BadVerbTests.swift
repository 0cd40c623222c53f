import XCTest
import GoFmt
import Values

/// A verb that does not fit its operand prints `%!verb(type=value)`, the value formatted
/// as %v under the bad verb's own flags, width and precision; strings pad with zeros too.
final class BadVerbTests: XCTestCase {
    func f(_ format: String, _ args: Value...) -> String { GoFmt.sprintf(GoString(format), args).string }

    func testTheOperandKeepsTheVerbsFlags() {
        XCTAssertEqual(f("%07d", .bool(false)), "%!d(bool=00false)")
        XCTAssertEqual(f("%8E", .int(1000)), "%!E(int=    1000)")
        XCTAssertEqual(f("%+o", .float(1e6)), "%!o(float64=+1e+06)")
        XCTAssertEqual(f("%.2c", .string("hello")), "%!c(string=he)")
        XCTAssertEqual(f("%-5t|", .string("ab")), "%!t(string=ab   )|")
    }

    func testZeroFlagPadsStringsAndTypes() {
        XCTAssertEqual(f("%05s", .string("ab")), "000ab")
        XCTAssertEqual(f("%-05s|", .string("ab")), "ab   |")
        XCTAssertEqual(f("%5.3T", .string("x")), "  str")
    }
}
