import XCTest
import Foundation
import _CryptoExtras
@testable import Sprig

final class RSAKeysTests: XCTestCase {
    /// Every request gets a key of its own, of the size asked for.
    func testEveryRequestGetsAKeyOfItsOwnSize() throws {
        var seen: Set<String> = []
        for bits in [2048, 2048, 2048, 3072] {
            let key = try RSAKeys.make(bits: bits)
            XCTAssertEqual(key.keySizeInBits, bits)
            XCTAssertTrue(seen.insert(key.pemRepresentation).inserted, "a \(bits)-bit key was handed out twice")
        }
    }

    /// The two primes searched side by side are distinct primes of the size asked for.
    func testPrimePairIsTwoDistinctPrimes() {
        let (p, q) = PrimeSearch.pair(bits: 1024, e: RSAKeyGenerator.e)
        XCTAssertEqual(p.bitWidth, 1024)
        XCTAssertEqual(q.bitWidth, 1024)
        XCTAssertFalse(p == q)
        XCTAssertTrue(PrimeSearch.isStrongProbablePrime(p, base: BigInteger(3)))
        XCTAssertTrue(PrimeSearch.isStrongProbablePrime(q, base: BigInteger(3)))
    }
}
