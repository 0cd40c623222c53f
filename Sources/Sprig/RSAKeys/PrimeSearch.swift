/// Random primes for RSA keys: a random odd start with its two top bits set (so the product of
/// two has exactly twice the bits), a sieve over the odd numbers after it by every prime below
/// 2^20 (about 92 in 100 candidates never reach an exponentiation), then Miller–Rabin: base 2
/// first (it rejects nearly every survivor), then random bases.
enum PrimeSearch {
    /// Miller–Rabin rounds after base 2 for a prime that will be kept: with the base-2 round
    /// that is 5, what FIPS 186-5 asks for 1024-bit RSA primes and more than it asks for larger.
    static let randomRounds = 4
    /// Odd candidates sieved at once: a 1024-bit prime is found after about 30 survivors, some
    /// 350 odd numbers on.
    static let window = 4096

    /// Small odd primes in packs whose product fits a word: one GMP division per pack gives the
    /// start's residue modulo the whole pack, and word arithmetic the residue modulo each prime.
    /// Sieving to 2^20 rather than 2^16 leaves a fifth fewer exponentiations for about 1 ms of
    /// residues.
    struct Pack {
        let product: UInt
        let primes: [UInt]
    }

    static let packs: [Pack] = {
        let limit = 1 << 20
        var composite = [Bool](repeating: false, count: limit)
        var packs: [Pack] = []
        var product: UInt = 1
        var primes: [UInt] = []
        for i in stride(from: 3, to: limit, by: 2) where !composite[i] {
            var j = i * i
            while j < limit { composite[j] = true; j += i }
            let (next, overflow) = product.multipliedReportingOverflow(by: UInt(i))
            if overflow {
                packs.append(Pack(product: product, primes: primes))
                product = UInt(i)
                primes = [UInt(i)]
            } else {
                product = next
                primes.append(UInt(i))
            }
        }
        packs.append(Pack(product: product, primes: primes))
        return packs
    }()

    /// A prime of `bits` bits with its top two bits set, for which gcd(p - 1, e) = 1 (e a
    /// prime, the public exponent).
    static func prime(bits: Int, e: UInt) -> BigInteger {
        while true {
            let start = BigInteger.random(bits: bits)
            start.setBit(bits - 1)
            start.setBit(bits - 2)
            start.setBit(0)
            if let p = search(from: start, bits: bits, e: e) { return p }
        }
    }

    /// The first number start + 2i (i < window) that survives the sieve and the tests.
    static func search(from start: BigInteger, bits: Int, e: UInt) -> BigInteger? {
        var sieved = [Bool](repeating: false, count: window)  // true: has a small factor
        func strike(_ q: UInt, where residue: UInt) {
            let r = start.remainder(q)
            let steps: UInt = (q + residue - r) % q
            var i = Int(steps * ((q + 1) / 2) % q)
            while i < window { sieved[i] = true; i += Int(q) }
        }
        // start + 2i ≡ 0 (mod q) ⇔ i ≡ -r · 2^-1 (mod q), 2^-1 = (q + 1) / 2.
        for pack in packs {
            let residue = start.remainder(pack.product)
            for q in pack.primes {
                var i = Int((q - residue % q) * ((q + 1) / 2) % q)
                while i < window { sieved[i] = true; i += Int(q) }
            }
        }
        // p ≡ 1 (mod e) would make e divide p - 1.
        strike(e, where: 1)
        let two = BigInteger(2)
        for i in 0..<window where !sieved[i] {
            let candidate = start + UInt(2 * i)
            // Carried past the top: the window left the range of `bits`-bit numbers.
            guard candidate.bitWidth == bits else { return nil }
            guard isStrongProbablePrime(candidate, base: two) else { continue }
            let passes = (0..<randomRounds).allSatisfy { _ in
                let a = BigInteger.random(bits: bits - 1)
                return isStrongProbablePrime(candidate, base: a < two ? two : a)
            }
            if passes { return candidate }
        }
        return nil
    }

    /// The strong probable-prime test (Miller–Rabin) of odd n to a base 2 ≤ a < n - 1.
    static func isStrongProbablePrime(_ n: BigInteger, base a: BigInteger) -> Bool {
        let one = BigInteger(1), two = BigInteger(2), nMinus1 = n - 1
        var s = 0
        while !nMinus1.bit(s) { s += 1 }
        var x = a.power(nMinus1.shiftedRight(s), modulo: n)
        if x == one || x == nMinus1 { return true }
        for _ in 1..<max(s, 1) {
            x = x.power(two, modulo: n)
            if x == nMinus1 { return true }
            if x == one { return false }
        }
        return false
    }
}
