import CGmp

/// An arbitrary-size unsigned integer held by GMP (an mpz_t), with the operations RSA key
/// generation needs. GMP's exponentiation is what makes the prime search fast: about twice as
/// fast as the limb loops Swift compiles, and without BoringSSL's constant-time trial division.
final class BigInteger: @unchecked Sendable {
    let z: UnsafeMutablePointer<__mpz_struct>

    init() {
        z = .allocate(capacity: 1)
        __gmpz_init(z)
    }

    convenience init(_ value: UInt) {
        self.init()
        __gmpz_set_ui(z, value)
    }

    /// From big-endian bytes.
    convenience init(bigEndian bytes: [UInt8]) {
        self.init()
        bytes.withUnsafeBufferPointer { __gmpz_import(z, $0.count, 1, 1, 1, 0, $0.baseAddress) }
    }

    /// `bits` uniform random bits from the system's secure source.
    static func random(bits: Int) -> BigInteger {
        var g = SystemRandomNumberGenerator()
        var bytes = (0..<((bits + 7) / 8)).map { _ in UInt8.random(in: 0...255, using: &g) }
        if bits % 8 != 0 { bytes[0] &= UInt8((1 << (bits % 8)) - 1) }
        return BigInteger(bigEndian: bytes)
    }

    deinit {
        __gmpz_clear(z)
        z.deallocate()
    }

    var bitWidth: Int { Int(__gmpz_sizeinbase(z, 2)) }
    func bit(_ i: Int) -> Bool { __gmpz_tstbit(z, UInt(i)) != 0 }
    func setBit(_ i: Int) { __gmpz_setbit(z, UInt(i)) }
    func remainder(_ d: UInt) -> UInt { __gmpz_fdiv_ui(z, d) }
    static func == (a: BigInteger, b: BigInteger) -> Bool { __gmpz_cmp(a.z, b.z) == 0 }
    static func < (a: BigInteger, b: BigInteger) -> Bool { __gmpz_cmp(a.z, b.z) < 0 }

    static func + (a: BigInteger, b: UInt) -> BigInteger { let r = BigInteger(); __gmpz_add_ui(r.z, a.z, b); return r }
    static func - (a: BigInteger, b: UInt) -> BigInteger { let r = BigInteger(); __gmpz_sub_ui(r.z, a.z, b); return r }
    static func - (a: BigInteger, b: BigInteger) -> BigInteger { let r = BigInteger(); __gmpz_sub(r.z, a.z, b.z); return r }
    static func * (a: BigInteger, b: BigInteger) -> BigInteger { let r = BigInteger(); __gmpz_mul(r.z, a.z, b.z); return r }

    /// self^e mod m.
    func power(_ e: BigInteger, modulo m: BigInteger) -> BigInteger {
        let r = BigInteger()
        __gmpz_powm(r.z, z, e.z, m.z)
        return r
    }

    /// self^-1 mod m, nil when there is none.
    func inverse(modulo m: BigInteger) -> BigInteger? {
        let r = BigInteger()
        return __gmpz_invert(r.z, z, m.z) != 0 ? r : nil
    }

    /// self >> n.
    func shiftedRight(_ n: Int) -> BigInteger {
        let r = BigInteger()
        __gmpz_fdiv_q_2exp(r.z, z, UInt(n))
        return r
    }

    /// Big-endian bytes without leading zeros (one zero byte for zero).
    var bigEndian: [UInt8] {
        let count = (bitWidth + 7) / 8
        var out = [UInt8](repeating: 0, count: max(count, 1))
        var written = 0
        out.withUnsafeMutableBufferPointer { _ = __gmpz_export($0.baseAddress, &written, 1, 1, 1, 0, z) }
        return written == 0 ? [0] : out
    }
}
