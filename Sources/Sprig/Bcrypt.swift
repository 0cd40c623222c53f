import Values
import CGmp

/// The hexadecimal digits of π's fraction, which Blowfish uses as its initial P-array and
/// S-boxes; computed once (Machin's formula in fixed point) instead of carried as a table. GMP
/// does the arithmetic: with 32-bit limb loops the first bcrypt of a process spent ~100 ms
/// here, a third of a bitnami argo-cd render.
enum PiDigits {
    static let words: [UInt32] = compute(count: 18 + 1024)

    static func compute(count: Int) -> [UInt32] {
        // 2^bits · π, every term truncated; four guard words absorb the truncations.
        let bits = 32 * (count + 4)
        let a = BigInteger(), b = BigInteger(), word = BigInteger()
        arctanInverse(5, bits: bits, into: a)
        __gmpz_mul_ui(a.z, a.z, 16)
        arctanInverse(239, bits: bits, into: b)
        __gmpz_mul_ui(b.z, b.z, 4)
        __gmpz_sub(a.z, a.z, b.z)
        __gmpz_fdiv_r_2exp(a.z, a.z, UInt(bits))  // the fraction
        return (0..<count).map { i in
            __gmpz_tdiv_q_2exp(word.z, a.z, UInt(bits - 32 * (i + 1)))
            return UInt32(truncatingIfNeeded: __gmpz_get_ui(word.z))
        }
    }

    /// sum += 2^bits · arctan(1/x) = Σ (-1)^k 2^bits / ((2k+1) x^(2k+1)).
    static func arctanInverse(_ x: UInt, bits: Int, into sum: BigInteger) {
        let power = BigInteger(), term = BigInteger()
        __gmpz_setbit(power.z, UInt(bits))
        __gmpz_tdiv_q_ui(power.z, power.z, x)
        var k: UInt = 0
        while __gmpz_cmp_ui(power.z, 0) != 0 {
            __gmpz_tdiv_q_ui(term.z, power.z, 2 * k + 1)
            if k % 2 == 0 { __gmpz_add(sum.z, sum.z, term.z) } else { __gmpz_sub(sum.z, sum.z, term.z) }
            __gmpz_tdiv_q_ui(power.z, power.z, x * x)
            k += 1
        }
    }
}

/// Blowfish with the Eksblowfish key schedule, and bcrypt ($2a$) on top, as
/// golang.org/x/crypto/bcrypt computes it (the key includes its trailing NUL).
struct Blowfish {
    var p: [UInt32]
    var s: [UInt32] // four boxes of 256

    init() {
        let w = PiDigits.words
        p = Array(w[0..<18])
        s = Array(w[18..<(18 + 1024)])
    }

    /// One Blowfish block over the P-array and S-boxes as raw buffers: bcrypt runs it about
    /// 1.1 million times at cost 10, and array accessors (bounds and uniqueness checks on every
    /// S-box write) made it slower than Go's.
    @inline(__always)
    static func encrypt(_ l: UInt32, _ r: UInt32, _ p: UnsafeMutablePointer<UInt32>, _ s: UnsafeMutablePointer<UInt32>) -> (UInt32, UInt32) {
        @inline(__always) func f(_ x: UInt32) -> UInt32 {
            ((s[Int(x >> 24)] &+ s[256 + Int((x >> 16) & 0xFF)]) ^ s[512 + Int((x >> 8) & 0xFF)]) &+ s[768 + Int(x & 0xFF)]
        }
        var xl = l ^ p[0], xr = r
        var i = 1
        while i < 17 {
            xr ^= f(xl) ^ p[i]
            xl ^= f(xr) ^ p[i + 1]
            i += 2
        }
        return (xr ^ p[17], xl)
    }

    mutating func encrypt(_ l: UInt32, _ r: UInt32) -> (UInt32, UInt32) {
        p.withUnsafeMutableBufferPointer { pb in s.withUnsafeMutableBufferPointer { sb in Blowfish.encrypt(l, r, pb.baseAddress!, sb.baseAddress!) } }
    }

    /// The data as the cyclic stream of big-endian words Blowfish's key schedule reads, `count` words long.
    static func words(_ data: [UInt8], count: Int) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(count)
        var j = 0
        for _ in 0..<count {
            var w: UInt32 = 0
            for _ in 0..<4 {
                w = w << 8 | UInt32(data[j])
                j += 1
                if j == data.count { j = 0 }
            }
            out.append(w)
        }
        return out
    }

    mutating func expand(key: [UInt8], salt: [UInt8]?) {
        expand(keyWords: Blowfish.words(key, count: 18), saltWords: salt.map { Blowfish.words($0, count: 1042) })
    }

    /// The Eksblowfish expansion with the key (and salt) already as word streams.
    mutating func expand(keyWords: [UInt32], saltWords: [UInt32]?) {
        p.withUnsafeMutableBufferPointer { pb in
            s.withUnsafeMutableBufferPointer { sb in
                let p = pb.baseAddress!, s = sb.baseAddress!
                for i in 0..<18 { p[i] ^= keyWords[i] }
                var l: UInt32 = 0, r: UInt32 = 0
                var js = 0
                @inline(__always) func next() {
                    if let saltWords {
                        l ^= saltWords[js]; r ^= saltWords[js + 1]
                        js += 2
                    }
                    (l, r) = Blowfish.encrypt(l, r, p, s)
                }
                var i = 0
                while i < 18 { next(); p[i] = l; p[i + 1] = r; i += 2 }
                i = 0
                while i < 1024 { next(); s[i] = l; s[i + 1] = r; i += 2 }
            }
        }
    }
}

enum Bcrypt {
    static let alphabet = Array("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 3) << 4 | b1 >> 4)])
            if i + 1 < bytes.count { out.append(alphabet[Int((b1 & 0xF) << 2 | b2 >> 6)]) }
            if i + 2 < bytes.count { out.append(alphabet[Int(b2 & 0x3F)]) }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8] {
        var idx = [Int](repeating: 0, count: 256)
        for (i, c) in alphabet.enumerated() { idx[Int(c)] = i }
        let v = Array(text.utf8).map { idx[Int($0)] }
        var out: [UInt8] = []
        var i = 0
        while i + 1 < v.count {
            out.append(UInt8((v[i] << 2 | v[i + 1] >> 4) & 0xFF))
            if i + 2 < v.count { out.append(UInt8(((v[i + 1] & 0xF) << 4 | v[i + 2] >> 2) & 0xFF)) }
            if i + 3 < v.count { out.append(UInt8(((v[i + 2] & 3) << 6 | v[i + 3]) & 0xFF)) }
            i += 4
        }
        return out
    }

    static func hash(_ password: [UInt8], cost: Int = 10, salt: [UInt8]? = nil) throws -> String {
        if password.count > 72 { throw FunctionError("bcrypt: password length exceeds 72 bytes") }
        var g = SystemRandomNumberGenerator()
        let salt = salt ?? (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
        let key = password + [0]
        // The salt as bcrypt's base64 text and back: 22 characters carry 16 bytes.
        var bf = Blowfish()
        bf.expand(key: key, salt: salt)
        let keyWords = Blowfish.words(key, count: 18), saltWords = Blowfish.words(salt, count: 18)
        for _ in 0..<(1 << cost) {
            bf.expand(keyWords: keyWords, saltWords: nil)
            bf.expand(keyWords: saltWords, saltWords: nil)
        }
        var c = Array("OrpheanBeholderScryDoubt".utf8)
        var words: [UInt32] = []
        for i in 0..<6 {
            var w: UInt32 = 0
            for k in 0..<4 { w = w << 8 | UInt32(c[4 * i + k]) }
            words.append(w)
        }
        for _ in 0..<64 {
            var i = 0
            while i < 6 { (words[i], words[i + 1]) = bf.encrypt(words[i], words[i + 1]); i += 2 }
        }
        c = []
        for w in words {
            for shift in [24, 16, 8, 0] { c.append(UInt8(truncatingIfNeeded: w >> UInt32(shift))) }
        }
        let costText = cost < 10 ? "0\(cost)" : "\(cost)"
        return "$2a$\(costText)$" + encode(salt) + encode(Array(c[0..<23]))
    }

    static func register(_ t: inout FunctionTable) {
        t.add("bcrypt", [.s]) { a in
            do { return .string(try hash(a.gostr(0).bytes)) } catch { return .string("failed to encrypt string with bcrypt: \(error)") }
        }
        t.add("htpasswd", [.s, .s]) { a in
            if a.str(0).contains(":") { return .string("invalid username: \(a.str(0))") }
            let h = (try? hash(a.gostr(1).bytes)) ?? ""
            return .string(a.str(0) + ":" + h)
        }
    }
}
