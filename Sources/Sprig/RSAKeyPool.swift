import Foundation
import _CryptoExtras

/// RSA keys one step ahead. A key takes tens of milliseconds of prime search on one core, and
/// charts generate them in a row (a CA, then the certificate it signs); while one is made
/// inline, one more of the same size is made on another thread for the next request. Each key
/// is handed out once, made from the system's random source like any other; a process that
/// never asks again leaves at most one spare per size unused (an operator uses it for the next
/// release).
final class RSAKeyPool: @unchecked Sendable {
    static let shared = RSAKeyPool()

    private let lock = NSLock()
    private var spare: [Int: _RSA.Signing.PrivateKey] = [:]
    private var making: Set<Int> = []

    func take(bits: Int) throws -> _RSA.Signing.PrivateKey {
        lock.lock()
        let ready = spare.removeValue(forKey: bits)
        let start = !making.contains(bits)
        if start { making.insert(bits) }
        lock.unlock()
        if start { makeSpare(bits) }
        if let ready { return ready }
        return try Self.make(bits: bits)
    }

    static func make(bits: Int) throws -> _RSA.Signing.PrivateKey {
        guard RSAKeyGenerator.supports(bits: bits) else { return try _RSA.Signing.PrivateKey(keySize: .init(bitCount: bits)) }
        return try _RSA.Signing.PrivateKey(derRepresentation: try RSAKeyGenerator.privateKeyDER(bits: bits))
    }

    private func makeSpare(_ bits: Int) {
        DispatchQueue.global().async {
            let key = try? Self.make(bits: bits)
            self.lock.lock()
            if let key { self.spare[bits] = key }
            self.making.remove(bits)
            self.lock.unlock()
        }
    }
}
