import _CryptoExtras

/// RSA keys for the certificate functions. Each is made when asked for, its two primes
/// searched side by side (`PrimeSearch.pair`). Keys are not made ahead: a spare made on
/// speculation was thrown away by every chart that asks for one key (mongodb's CA: a third of
/// the render's CPU), and where a chart asks for many the cores are already busy with them.
enum RSAKeys {
    static func make(bits: Int) throws -> _RSA.Signing.PrivateKey {
        guard RSAKeyGenerator.supports(bits: bits) else { return try _RSA.Signing.PrivateKey(keySize: .init(bitCount: bits)) }
        return try _RSA.Signing.PrivateKey(derRepresentation: try RSAKeyGenerator.privateKeyDER(bits: bits))
    }
}
