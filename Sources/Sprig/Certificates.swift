import Foundation
import Values
import Crypto
import _CryptoExtras
import X509
import SwiftASN1

/// Sprig's `certificate` result: PEM text of a certificate and its key.
final class CertificateObject: GoObject, @unchecked Sendable {
    let cert: String
    let key: String
    init(cert: String, key: String) { self.cert = cert; self.key = key }
    var goType: GoType { .named("sprig.certificate", .struct) }
    var formatted: String { "{\(cert) \(key)}" }
    func field(_ name: String) -> Value? {
        switch name {
        case "Cert": return .string(cert)
        case "Key": return .string(key)
        default: return nil
        }
    }
}

/// genCA, genSelfSignedCert, genSignedCert (and WithKey forms), buildCustomCert and
/// genPrivateKey, producing the same kinds of PEM as Sprig: RSA keys as PKCS#1
/// "RSA PRIVATE KEY", ECDSA as SEC1 "EC PRIVATE KEY", ed25519 as PKCS#8 "PRIVATE KEY".
enum CertificateFunctions {
    struct Key {
        let certKey: Certificate.PrivateKey
        let pem: String
        var algorithm: Certificate.SignatureAlgorithm = .sha256WithRSAEncryption
    }

    static func rsaKey(bits: Int) throws -> Key {
        let k = try RSAKeyPool.shared.take(bits: bits)
        return Key(certKey: Certificate.PrivateKey(k), pem: k.pemRepresentation)
    }

    static func parseKey(_ pem: String) throws -> Key {
        if pem.contains("RSA PRIVATE KEY") || pem.contains("BEGIN PRIVATE KEY"), let k = try? _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem) {
            return Key(certKey: Certificate.PrivateKey(k), pem: pem)
        }
        if let k = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            return Key(certKey: Certificate.PrivateKey(k), pem: pem, algorithm: .ecdsaWithSHA256)
        }
        throw FunctionError("error parsing private key: unsupported key")
    }

    static func serial() -> Certificate.SerialNumber {
        var g = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
        bytes[0] &= 0x7F
        return Certificate.SerialNumber(bytes: bytes)
    }

    static func make(cn: String, ips: [String], dns: [String], days: Int, isCA: Bool,
                     key: Key, issuer: (name: DistinguishedName, key: Key)?) throws -> Certificate {
        let now = Date()
        let subject = try DistinguishedName { CommonName(cn) }
        var names: [GeneralName] = dns.map { .dnsName($0) }
        for ip in ips {
            guard let bytes = parseIP(ip) else { throw FunctionError("error parsing ip: \(ip)") }
            names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))))
        }
        let extensions = try Certificate.Extensions {
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: true, keyCertSign: isCA))
            try ExtendedKeyUsage([.serverAuth, .clientAuth])
            if isCA { Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil)) }
            else { Critical(BasicConstraints.notCertificateAuthority) }
            if !names.isEmpty { SubjectAlternativeNames(names) }
        }
        let signer = issuer?.key ?? key
        return try Certificate(
            version: .v3, serialNumber: serial(), publicKey: key.certKey.publicKey,
            notValidBefore: now, notValidAfter: now.addingTimeInterval(Double(days) * 86400),
            issuer: issuer?.name ?? subject, subject: subject,
            signatureAlgorithm: signer.algorithm, extensions: extensions, issuerPrivateKey: signer.certKey)
    }

    static func pem(_ c: Certificate) throws -> String {
        var ser = DER.Serializer()
        try ser.serialize(c)
        return PEMDocument(type: "CERTIFICATE", derBytes: ser.serializedBytes).pemString + "\n"
    }

    static func parseIP(_ s: String) -> [UInt8]? {
        let parts = s.split(separator: ".")
        if parts.count == 4 {
            let bytes = parts.compactMap { UInt8($0) }
            return bytes.count == 4 ? bytes : nil
        }
        if s.contains(":") {
            var groups: [UInt16] = []
            let halves = s.components(separatedBy: "::")
            let head = halves[0].split(separator: ":").compactMap { UInt16($0, radix: 16) }
            let tail = halves.count > 1 ? halves[1].split(separator: ":").compactMap { UInt16($0, radix: 16) } : []
            groups = head + [UInt16](repeating: 0, count: max(0, 8 - head.count - tail.count)) + tail
            guard groups.count == 8 else { return nil }
            return groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        }
        return nil
    }

    static func strings(_ v: Value?) -> [String] {
        guard case .list(let l)? = v else { return [] }
        return l.items.map { Cast.string($0) }
    }

    static func caArgument(_ v: Value?) throws -> (DistinguishedName, Key) {
        guard case .object(let o as CertificateObject)? = v else { throw FunctionError("invalid CA certificate") }
        let cert = try Certificate(pemEncoded: o.cert)
        return (cert.subject, try parseKey(o.key))
    }

    static func register(_ t: inout FunctionTable) {
        let cert = GoFunction.Param.typed(.named("sprig.certificate", .struct))
        t.add("genCA", [.s, .i]) { a in
            let k = try rsaKey(bits: 2048)
            return .object(CertificateObject(cert: try pem(try make(cn: a.str(0), ips: [], dns: [], days: a.int(1), isCA: true, key: k, issuer: nil)), key: k.pem))
        }
        t.add("genCAWithKey", [.s, .i, .s]) { a in
            let k = try parseKey(a.str(2))
            return .object(CertificateObject(cert: try pem(try make(cn: a.str(0), ips: [], dns: [], days: a.int(1), isCA: true, key: k, issuer: nil)), key: k.pem))
        }
        t.add("genSelfSignedCert", [.s, .typed(.slice(.interface)), .typed(.slice(.interface)), .i]) { a in
            let k = try rsaKey(bits: 2048)
            return .object(CertificateObject(cert: try pem(try make(cn: a.str(0), ips: strings(a[1]), dns: strings(a[2]), days: a.int(3), isCA: false, key: k, issuer: nil)), key: k.pem))
        }
        t.add("genSelfSignedCertWithKey", [.s, .typed(.slice(.interface)), .typed(.slice(.interface)), .i, .s]) { a in
            let k = try parseKey(a.str(4))
            return .object(CertificateObject(cert: try pem(try make(cn: a.str(0), ips: strings(a[1]), dns: strings(a[2]), days: a.int(3), isCA: false, key: k, issuer: nil)), key: k.pem))
        }
        t.add("genSignedCert", [.s, .typed(.slice(.interface)), .typed(.slice(.interface)), .i, cert]) { a in
            let k = try rsaKey(bits: 2048)
            let ca = try caArgument(a[4])
            return .object(CertificateObject(cert: try pem(try make(cn: a.str(0), ips: strings(a[1]), dns: strings(a[2]), days: a.int(3), isCA: false, key: k, issuer: ca)), key: k.pem))
        }
        t.add("genSignedCertWithKey", [.s, .typed(.slice(.interface)), .typed(.slice(.interface)), .i, cert, .s]) { a in
            let k = try parseKey(a.str(5))
            let ca = try caArgument(a[4])
            return .object(CertificateObject(cert: try pem(try make(cn: a.str(0), ips: strings(a[1]), dns: strings(a[2]), days: a.int(3), isCA: false, key: k, issuer: ca)), key: k.pem))
        }
        t.add("buildCustomCert", [.s, .s]) { a in
            guard case .success(let c) = Base64.decode(a.str(0)), case .success(let k) = Base64.decode(a.str(1)) else {
                throw FunctionError("unable to decode base64 certificate or key")
            }
            let certPEM = String(decoding: c, as: UTF8.self), keyPEM = String(decoding: k, as: UTF8.self)
            do { _ = try Certificate(pemEncoded: certPEM) } catch { throw FunctionError("error parsing certificate: \(error)") }
            _ = try parseKey(keyPEM)
            return .object(CertificateObject(cert: certPEM, key: keyPEM))
        }
        t.add("genPrivateKey", [.s]) { a in
            switch a.str(0) {
            case "", "rsa": return .string(try rsaKey(bits: 4096).pem)
            case "ecdsa":
                let k = P256.Signing.PrivateKey()
                return .string(try ecPEM(k))
            case "ed25519":
                // PKCS#8 wrapping of the 32-byte seed, as Go's x509.MarshalPKCS8PrivateKey writes it.
                let seed = Array(Curve25519.Signing.PrivateKey().rawRepresentation)
                let der: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20] + seed
                return .string(PEMDocument(type: "PRIVATE KEY", derBytes: der).pemString + "\n")
            default:
                return .string("Unknown type \(a.str(0))")
            }
        }
    }

    /// SEC1 "EC PRIVATE KEY", as Go's x509.MarshalECPrivateKey writes it.
    static func ecPEM(_ k: P256.Signing.PrivateKey) throws -> String {
        let der = Array(k.derRepresentation)
        // swift-crypto gives PKCS#8; the SEC1 structure is the OCTET STRING inside it.
        let root = try DER.parse(der)
        guard case .constructed(let nodes) = root.content else { throw FunctionError("unexpected key encoding") }
        for node in nodes {
            if node.identifier == .octetString, case .primitive(let bytes) = node.content {
                return PEMDocument(type: "EC PRIVATE KEY", derBytes: Array(bytes)).pemString + "\n"
            }
        }
        throw FunctionError("unexpected key encoding")
    }
}
