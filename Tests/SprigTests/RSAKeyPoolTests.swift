import XCTest
import Foundation
import _CryptoExtras
@testable import Sprig

final class RSAKeyPoolTests: XCTestCase {
    /// Keys made ahead are still handed out once each: a run of requests gets distinct keys of
    /// the size asked for, whether made inline or taken from the spare.
    func testEveryRequestGetsAKeyOfItsOwn() throws {
        let pool = RSAKeyPool()
        var seen: Set<String> = []
        for i in 0..<5 {
            let key = try pool.take(bits: 2048)
            XCTAssertEqual(key.keySizeInBits, 2048)
            XCTAssertTrue(seen.insert(key.pemRepresentation).inserted, "request \(i) got a key handed out before")
            if i == 2 { Thread.sleep(forTimeInterval: 0.5) }  // the spare is ready by then
        }
        let other = try pool.take(bits: 3072)
        XCTAssertEqual(other.keySizeInBits, 3072)
    }
}
