import Foundation
import Crypto
import X509
import SwiftASN1
import Values

/// The test server's TLS material: a CA, a server certificate for 127.0.0.1 and localhost, and a
/// client certificate for an administrator, as PEM.
public struct TestCredentials: Sendable {
    public let caPEM: String
    public let serverCertPEM: String
    public let serverKeyPEM: String
    public let clientCertPEM: String
    public let clientKeyPEM: String

    static func pem(_ c: Certificate) throws -> String {
        var s = DER.Serializer()
        try s.serialize(c)
        return PEMDocument(type: "CERTIFICATE", derBytes: s.serializedBytes).pemString + "\n"
    }

    public static func generate(commonName: String = "hrctl-test-ca", user: String = "admin") throws -> TestCredentials {
        let now = Date().addingTimeInterval(-3600)
        let later = now.addingTimeInterval(30 * 86400)
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName(commonName) }
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey), notValidBefore: now, notValidAfter: later,
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
            },
            issuerPrivateKey: .init(caKey))
        func leaf(_ cn: String, org: String?, server: Bool) throws -> (String, String) {
            let key = P256.Signing.PrivateKey()
            let subject = try DistinguishedName {
                if let org { OrganizationName(org) }
                CommonName(cn)
            }
            let cert = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: now, notValidAfter: later,
                issuer: caName, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                    try ExtendedKeyUsage([server ? .serverAuth : .clientAuth])
                    if server {
                        SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
                    }
                },
                issuerPrivateKey: .init(caKey))
            return (try pem(cert), key.pemRepresentation + "\n")
        }
        let (serverCert, serverKey) = try leaf("kube-apiserver", org: nil, server: true)
        let (clientCert, clientKey) = try leaf(user, org: "system:masters", server: false)
        return TestCredentials(caPEM: try pem(ca), serverCertPEM: serverCert, serverKeyPEM: serverKey,
                               clientCertPEM: clientCert, clientKeyPEM: clientKey)
    }

    /// A kubeconfig that reaches the server at `url` as the administrator.
    public func kubeconfig(url: String, context: String = "hrctl-test", namespace: String = "default") -> String {
        func b64(_ s: String) -> String { Base64.encode(Array(s.utf8)) }
        return """
        apiVersion: v1
        kind: Config
        current-context: \(context)
        clusters:
        - name: \(context)
          cluster:
            server: \(url)
            certificate-authority-data: \(b64(caPEM))
        users:
        - name: \(context)-admin
          user:
            client-certificate-data: \(b64(clientCertPEM))
            client-key-data: \(b64(clientKeyPEM))
        contexts:
        - name: \(context)
          context:
            cluster: \(context)
            user: \(context)-admin
            namespace: \(namespace)

        """
    }
}
