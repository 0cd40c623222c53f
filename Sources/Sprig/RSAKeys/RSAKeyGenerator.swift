import SwiftASN1

/// RSA private keys (e = 65537) as PKCS#1 DER, the form Go's x509.MarshalPKCS1PrivateKey
/// writes. Made here rather than by BoringSSL's generator, which took about twice as long on
/// the charts that make certificates (bitnami-harbor makes dozens of keys per render, as its
/// checksum annotations render the secret templates again): nearly all of it is the prime
/// search, where BoringSSL divides every candidate by small primes in constant time and
/// exponentiates in constant time; a key for a rendered manifest needs neither.
enum RSAKeyGenerator {
    static let e: UInt = 65537

    /// Sizes made here (others go to BoringSSL).
    static func supports(bits: Int) -> Bool { bits >= 1024 && bits % 2 == 0 }

    static func privateKeyDER(bits: Int) throws -> [UInt8] {
        precondition(supports(bits: bits))
        let e = BigInteger(Self.e)
        while true {
            var p = PrimeSearch.prime(bits: bits / 2, e: Self.e)
            var q = PrimeSearch.prime(bits: bits / 2, e: Self.e)
            // p > q (the CRT coefficient is q^-1 mod p), and far apart: |p - q| > 2^(bits/2 - 100).
            if p < q { swap(&p, &q) }
            guard (p - q).bitWidth > bits / 2 - 100 else { continue }
            let p1 = p - 1, q1 = q - 1
            guard let d = e.inverse(modulo: p1 * q1), let dP = e.inverse(modulo: p1), let dQ = e.inverse(modulo: q1),
                  let qInv = q.inverse(modulo: p) else { continue }
            let n = p * q
            guard n.bitWidth == bits else { continue }
            var der = DER.Serializer()
            try der.appendConstructedNode(identifier: .sequence) { c in
                try c.serialize(0)  // version
                for x in [n, e, d, p, q, dP, dQ, qInv] { try c.serialize(ArraySlice(x.bigEndian)) }
            }
            return der.serializedBytes
        }
    }
}
