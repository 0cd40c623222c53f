import Values

/// Base64 of stored records, decoded four characters at a time over the raw bytes: a list
/// decodes each record twice (the Secret's data, then the record's own text), and the general
/// decoder (one character at a time into a growing array) was a quarter of a list's time.
/// Anything but plain padded base64 (line breaks, a bad character) goes to `Base64.decode`,
/// which says where it fails.
enum RecordBase64 {
    static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8).enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()

    static func decode(_ text: String) -> Result<[UInt8], Base64.DecodeError> {
        var text = text
        let fast: [UInt8]? = text.withUTF8 { fastDecode($0) }
        if let fast { return .success(fast) }
        return Base64.decode(text)
    }

    /// The same over the text's bytes.
    static func decode(_ text: ArraySlice<UInt8>) -> Result<[UInt8], Base64.DecodeError> {
        if let fast = text.withUnsafeBufferPointer({ fastDecode($0) }) { return .success(fast) }
        return Base64.decode(String(decoding: text, as: UTF8.self))
    }

    static func fastDecode(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let n = input.count
        guard n % 4 == 0 else { return nil }
        if n == 0 { return [] }
        var padding = 0
        if input[n - 1] == UInt8(ascii: "=") { padding += 1 }
        if input[n - 2] == UInt8(ascii: "=") { padding += 1 }
        let outCount = n / 4 * 3 - padding
        var ok = true
        let out = [UInt8](unsafeUninitializedCapacity: n / 4 * 3) { buffer, initialized in
            let t = table
            t.withUnsafeBufferPointer { t in
                var o = 0, i = 0
                while i < n {
                    let last = i + 4 == n
                    let a = t[Int(input[i])], b = t[Int(input[i + 1])]
                    let c = last && padding >= 2 ? 0 : t[Int(input[i + 2])]
                    let d = last && padding >= 1 ? 0 : t[Int(input[i + 3])]
                    if (a | b | c | d) & 0xC0 != 0 { ok = false; break }
                    let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    buffer[o] = UInt8(truncatingIfNeeded: v >> 16)
                    buffer[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
                    buffer[o + 2] = UInt8(truncatingIfNeeded: v)
                    o += 3; i += 4
                }
            }
            initialized = ok ? outCount : 0
        }
        return ok ? out : nil
    }
}
