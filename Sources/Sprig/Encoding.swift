import Values
import Crypto

enum EncodingFunctions {
    static func register(_ t: inout FunctionTable) {
        t.add("b64enc", [.s]) { .string(Base64.encode($0.gostr(0).bytes)) }
        t.add("b64dec", [.s]) { a in
            switch Base64.decode(a.str(0)) {
            case .success(let b): return .string(bytes: b)
            case .failure(let e): return .string(e.description)
            }
        }
        t.add("b32enc", [.s]) { .string(Base32.encode($0.gostr(0).bytes)) }
        t.add("b32dec", [.s]) { a in
            switch Base32.decode(a.str(0)) {
            case .success(let b): return .string(bytes: b)
            case .failure(let e): return .string(e.description)
            }
        }
        t.add("sha1sum", [.s]) { .string(hex(Insecure.SHA1.hash(data: $0.gostr(0).bytes))) }
        t.add("sha256sum", [.s]) { .string(hex(SHA256.hash(data: $0.gostr(0).bytes))) }
        t.add("sha512sum", [.s]) { .string(hex(SHA512.hash(data: $0.gostr(0).bytes))) }
        t.add("adler32sum", [.s]) { .string(String(adler32($0.gostr(0).bytes))) }
        t.add("uuidv4", []) { _ in .string(uuid4()) }
        t.add("randBytes", [.i]) { a in
            var g = SystemRandomNumberGenerator()
            return .string(Base64.encode((0..<max(a.int(0), 0)).map { _ in UInt8.random(in: 0...255, using: &g) }))
        }
    }

    static func hex<D: Sequence>(_ d: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in d { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for x in data { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
        return b << 16 | a
    }

    static func uuid4() -> String {
        var g = SystemRandomNumberGenerator()
        var b = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
        b[6] = (b[6] & 0x0F) | 0x40
        b[8] = (b[8] & 0x3F) | 0x80
        let h = hex(b)
        let c = Array(h)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-" + String(c[20..<32])
    }
}

/// Standard base32 (RFC 4648) with padding, as Go's base32.StdEncoding.
enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let chunk = Array(bytes[i..<min(i + 5, bytes.count)])
            var buf = chunk + [UInt8](repeating: 0, count: 5 - chunk.count)
            var n: UInt64 = 0
            for x in buf { n = n << 8 | UInt64(x) }
            let chars = [2, 4, 5, 7, 8][chunk.count - 1]
            for k in 0..<8 {
                if k < chars { out.append(alphabet[Int((n >> UInt64(35 - 5 * k)) & 31)]) } else { out.append(UInt8(ascii: "=")) }
            }
            buf.removeAll()
            i += 5
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> Result<[UInt8], Base64.DecodeError> {
        var table = [Int16](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = Int16(i) }
        let input = Array(text.utf8).filter { $0 != 0x0A && $0 != 0x0D }
        var out: [UInt8] = []
        var acc: UInt64 = 0, bits = 0
        for (i, c) in input.enumerated() {
            if c == UInt8(ascii: "=") { continue }
            let v = table[Int(c)]
            if v < 0 { return .failure(Base64.DecodeError(offset: i, encoding: "base32")) }
            acc = acc << 5 | UInt64(v); bits += 5
            if bits >= 8 { bits -= 8; out.append(UInt8(truncatingIfNeeded: acc >> UInt64(bits))) }
        }
        if input.count % 8 != 0 { return .failure(Base64.DecodeError(offset: input.count - input.count % 8, encoding: "base32")) }
        return .success(out)
    }
}
