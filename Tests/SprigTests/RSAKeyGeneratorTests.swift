import XCTest
import Foundation
import Crypto
import _CryptoExtras
@testable import Sprig

/// Our RSA keys checked by other implementations: OpenSSL judges the primes and the key's
/// consistency, BoringSSL signs with it and verifies.
final class RSAKeyGeneratorTests: XCTestCase {
    func openssl(_ args: [String], stdin: String = "") throws -> (out: String, code: Int32) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["openssl"] + args
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = output
        try p.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), p.terminationStatus)
    }

    func number(hex: String) -> BigInteger {
        var h = Array(hex.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        if h.count % 2 == 1 { h.insert(UInt8(ascii: "0"), at: 0) }
        return BigInteger(bigEndian: stride(from: 0, to: h.count, by: 2).map { UInt8(String(decoding: h[$0..<($0 + 2)], as: UTF8.self), radix: 16)! })
    }

    func hex(_ a: BigInteger) -> String { a.bigEndian.map { String(format: "%02X", $0) }.joined() }

    /// Miller–Rabin agrees with OpenSSL: its primes pass, a product of two of them does not;
    /// the numbers survive the trip through bytes.
    func testStrongProbablePrimesAgreeWithOpenSSL() throws {
        let a = try openssl(["prime", "-generate", "-bits", "1024", "-hex"]), b = try openssl(["prime", "-generate", "-bits", "1024", "-hex"])
        guard a.code == 0, b.code == 0 else { throw XCTSkip("openssl cannot generate primes here: \(a.out)") }
        let p = number(hex: a.out), q = number(hex: b.out)
        XCTAssertEqual(hex(p), a.out.trimmingCharacters(in: .whitespacesAndNewlines).uppercased())
        for prime in [p, q] {
            XCTAssertEqual(prime.bitWidth, 1024)
            XCTAssertTrue(PrimeSearch.isStrongProbablePrime(prime, base: BigInteger(2)))
            XCTAssertTrue(PrimeSearch.isStrongProbablePrime(prime, base: BigInteger.random(bits: 1000)))
        }
        XCTAssertFalse(PrimeSearch.isStrongProbablePrime(p * q, base: BigInteger(2)))
        XCTAssertFalse(PrimeSearch.isStrongProbablePrime(p * q, base: BigInteger.random(bits: 1000)))
        // 2047 = 23 · 89 is a strong pseudoprime to base 2 (the smallest): a random base catches it.
        XCTAssertTrue(PrimeSearch.isStrongProbablePrime(BigInteger(2047), base: BigInteger(2)))
        XCTAssertFalse(PrimeSearch.isStrongProbablePrime(BigInteger(2047), base: BigInteger(3)))
    }

    /// The primes found are primes to OpenSSL, and the key is whole: `openssl rsa -check`
    /// tests both primes and every CRT value.
    func testKeysAreConsistentAndTheirPrimesArePrime() throws {
        guard try openssl(["version"]).code == 0 else { throw XCTSkip("no openssl") }
        let prime = PrimeSearch.prime(bits: 1024, e: RSAKeyGenerator.e)
        XCTAssertEqual(prime.bitWidth, 1024)
        XCTAssertTrue(prime.bit(1022), "the top two bits are set")
        XCTAssertTrue(try openssl(["prime", "-hex", hex(prime)]).out.contains("is prime"))
        XCTAssertNotEqual((prime - 1).remainder(RSAKeyGenerator.e), 0)

        for bits in [2048, 4096] {
            let key = try _RSA.Signing.PrivateKey(derRepresentation: try RSAKeyGenerator.privateKeyDER(bits: bits))
            XCTAssertEqual(key.keySizeInBits, bits)
            XCTAssertTrue(key.pemRepresentation.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
            let check = try openssl(["rsa", "-check", "-noout"], stdin: key.pemRepresentation)
            XCTAssertEqual(check.code, 0, check.out)
            XCTAssertTrue(check.out.contains("RSA key ok"), check.out)
            let message = Data("hrctl".utf8)
            let signature = try key.signature(for: message, padding: .insecurePKCS1v1_5)
            XCTAssertTrue(key.publicKey.isValidSignature(signature, for: message, padding: .insecurePKCS1v1_5))
        }
    }
}
