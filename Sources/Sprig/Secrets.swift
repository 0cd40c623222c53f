import Foundation
import Values
import Crypto
import _CryptoExtras

/// derivePassword (the Master Password algorithm: scrypt, then HMAC-SHA256 picking from
/// templates) and encryptAES/decryptAES (AES-256-CBC, PKCS#7, IV prepended, base64), as Sprig.
enum SecretFunctions {
    static let seed = Array("com.lyndir.masterpassword".utf8)
    static let templates: [String: [String]] = [
        "maximum": ["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long": ["CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv",
                 "CvccCvcvCvcvno", "CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc",
                 "CvcvCvcvnoCvcc", "CvcvCvcvCvccno", "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno",
                 "CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc",
                 "CvccCvcvCvccno"],
        "medium": ["CvcnoCvc", "CvcCvcno"],
        "short": ["Cvcn"],
        "basic": ["aaanaaan", "aannaaan", "aaannaaa"],
        "pin": ["nnnn"],
    ]
    static let characters: [Character: [UInt8]] = [
        "V": Array("AEIOU".utf8),
        "C": Array("BCDFGHJKLMNPQRSTVWXYZ".utf8),
        "v": Array("aeiou".utf8),
        "c": Array("bcdfghjklmnpqrstvwxyz".utf8),
        "A": Array("AEIOUBCDFGHJKLMNPQRSTVWXYZ".utf8),
        "a": Array("AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz".utf8),
        "n": Array("0123456789".utf8),
        "o": Array("@&%?,=[]_:-+*$#!'^~;()/.".utf8),
        "x": Array("AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()".utf8),
    ]

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    static func derive(counter: UInt32, type: String, password: String, user: String, site: String) throws -> String {
        guard let temps = templates[type] else { return "cannot find password template \(type)" }
        let salt = seed + be32(UInt32(user.utf8.count)) + Array(user.utf8)
        let key = try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: 64,
                                           rounds: 32768, blockSize: 8, parallelism: 2, maxMemory: 64 << 20)
        let message = seed + be32(UInt32(site.utf8.count)) + Array(site.utf8) + be32(counter)
        let mac = Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        let temp = Array(temps[Int(mac[0]) % temps.count])
        var out: [UInt8] = []
        for (i, c) in temp.enumerated() {
            let set = characters[c]!
            out.append(set[Int(mac[i + 1]) % set.count])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func aesKey(_ password: String) -> SymmetricKey {
        var key = [UInt8](repeating: 0, count: 32)
        for (i, b) in password.utf8.prefix(32).enumerated() { key[i] = b }
        return SymmetricKey(data: key)
    }

    static func register(_ t: inout FunctionTable) {
        t.add("derivePassword", [.typed(.uint32), .s, .s, .s, .s]) { a in
            var counter: UInt32 = 0
            if case .uint(let u, _)? = a[0] { counter = UInt32(truncatingIfNeeded: u) }
            do { return .string(try derive(counter: counter, type: a.str(1), password: a.str(2), user: a.str(3), site: a.str(4))) }
            catch { return .string("failed to derive password: \(error)") }
        }
        t.add("encryptAES", [.s, .s]) { a in
            var g = SystemRandomNumberGenerator()
            let iv = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
            do {
                let sealed = try AES._CBC.encrypt(a.gostr(1).bytes, using: aesKey(a.str(0)), iv: try AES._CBC.IV(ivBytes: iv))
                return .string(Base64.encode(iv + Array(sealed)))
            } catch { throw FunctionError("\(error)") }
        }
        t.add("decryptAES", [.s, .s]) { a in
            guard case .success(let data) = Base64.decode(a.str(1)) else { throw FunctionError("illegal base64 data") }
            guard data.count >= 16, data.count % 16 == 0 else { throw FunctionError("ciphertext too short") }
            do {
                let plain = try AES._CBC.decrypt(Array(data[16...]), using: aesKey(a.str(0)), iv: try AES._CBC.IV(ivBytes: Array(data[0..<16])))
                return .string(String(decoding: plain, as: UTF8.self))
            } catch { throw FunctionError("\(error)") }
        }
    }
}
