import XCTest
@testable import Sprig

final class BcryptTests: XCTestCase {
    func testPiDigitsGiveBlowfishConstants() {
        XCTAssertEqual(PiDigits.words[0], 0x243F6A88)
        XCTAssertEqual(PiDigits.words[1], 0x85A308D3)
        XCTAssertEqual(PiDigits.words[17], 0x8979FB1B)
        XCTAssertEqual(PiDigits.words[18], 0xD1310BA6)       // S-box 0, word 0
        XCTAssertEqual(PiDigits.words[18 + 1023], 0x3AC372E6) // S-box 3, word 255
    }

    func testHashMatchesAKnownBcryptVector() throws {
        // OpenBSD test vector: "U*U" with salt "CCCCCCCCCCCCCCCCCCCCC." at cost 5.
        let salt = Array(Bcrypt.decode("CCCCCCCCCCCCCCCCCCCCC.").prefix(16))
        XCTAssertEqual(salt.count, 16)
        XCTAssertEqual(try Bcrypt.hash(Array("U*U".utf8), cost: 5, salt: salt),
                       "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW")
    }
}
