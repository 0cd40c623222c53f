import Values
import Archive
#if canImport(Glibc)
import Glibc
#endif

extension ReleaseCodec {
    /// A record without what a listing never prints: the chart's templates, files, default
    /// values and schema, the user's values, the manifest and the hooks are most of a record's
    /// bytes, and are skipped in the JSON text rather than built. The result says so
    /// (`isPartial`) and cannot be written back.
    public static func decodeHeader(_ text: String) throws -> Release {
        guard case .success(let raw) = RecordBase64.decode(text) else { throw ReleaseDecodeError("the release data is not base64") }
        return try decodeHeader(decoded: raw)
    }

    /// The same from the stored text's bytes (base64 of the gzipped JSON), as a record object's
    /// answer holds them: no String of the whole record is built.
    static func decodeHeader(base64 text: ArraySlice<UInt8>) throws -> Release {
        guard case .success(let raw) = RecordBase64.decode(text) else { throw ReleaseDecodeError("the release data is not base64") }
        return try decodeHeader(decoded: raw)
    }

    static func decodeHeader(decoded raw: [UInt8]) throws -> Release {
        var bytes = raw
        if raw.count >= 3, raw[0] == 0x1f, raw[1] == 0x8b, raw[2] == 0x08 {
            bytes = try Gzip.decompress(raw, limit: maxRecordBytes)
        }
        let kept: [UInt8]
        do { kept = try HeaderScan.reduce(bytes) } catch { throw ReleaseDecodeError("the release JSON is not valid: \(error)") }
        let v: Value
        do { v = try JSON.decode(String(decoding: kept, as: UTF8.self)) } catch { throw ReleaseDecodeError("the release JSON is not valid: \(error)") }
        var r = try Release(json: v)
        r.isPartial = true
        return r
    }
}

/// Copies a release's JSON object leaving out the large members, by scanning the text: only
/// strings (for their escapes) and brackets are looked at in what is skipped.
enum HeaderScan {
    struct Malformed: Error, CustomStringConvertible { let description: String }

    static let skippedTop: Set<String> = ["manifest", "hooks", "config"]
    static let keptInChart: Set<String> = ["metadata"]

    static func reduce(_ b: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        var p = space(b, 0)
        try members(b, &p) { key, start, end in
            if skippedTop.contains(key) { return }
            if key == "chart", b[start] == UInt8(ascii: "{") {
                var chart: [UInt8] = [UInt8(ascii: "{")]
                var q = start
                try members(b, &q) { k, s, e in
                    guard keptInChart.contains(k) else { return }
                    if chart.count > 1 { chart.append(UInt8(ascii: ",")) }
                    chart += Array("\"\(k)\":".utf8) + b[s..<e]
                }
                chart.append(UInt8(ascii: "}"))
                append(&out, key, chart[...])
                return
            }
            append(&out, key, b[start..<end])
        }
        return [UInt8(ascii: "{")] + out + [UInt8(ascii: "}")]
    }

    static func append(_ out: inout [UInt8], _ key: String, _ value: ArraySlice<UInt8>) {
        if !out.isEmpty { out.append(UInt8(ascii: ",")) }
        out += Array("\"\(key)\":".utf8)
        out += value
    }

    static func space(_ b: [UInt8], _ p: Int) -> Int {
        var p = p
        while p < b.count, b[p] == 32 || b[p] == 9 || b[p] == 10 || b[p] == 13 { p += 1 }
        return p
    }

    /// Calls `each(key, valueStart, valueEnd)` for the members of the object at `p`; leaves
    /// `p` after it. Keys with escapes are passed raw (none of the keys looked for have any).
    static func members(_ b: [UInt8], _ p: inout Int, _ each: (String, Int, Int) throws -> Void) throws {
        guard p < b.count, b[p] == UInt8(ascii: "{") else { throw Malformed(description: "expected an object at byte \(p)") }
        p = space(b, p + 1)
        if p < b.count, b[p] == UInt8(ascii: "}") { p += 1; return }
        while true {
            guard p < b.count, b[p] == UInt8(ascii: "\"") else { throw Malformed(description: "expected a key at byte \(p)") }
            let keyEnd = try stringEnd(b, p)
            let key = String(decoding: b[(p + 1)..<(keyEnd - 1)], as: UTF8.self)
            p = space(b, keyEnd)
            guard p < b.count, b[p] == UInt8(ascii: ":") else { throw Malformed(description: "expected ':' at byte \(p)") }
            p = space(b, p + 1)
            let start = p
            p = try valueEnd(b, p)
            try each(key, start, p)
            p = space(b, p)
            guard p < b.count else { throw Malformed(description: "unexpected end of JSON input") }
            if b[p] == UInt8(ascii: ",") { p = space(b, p + 1); continue }
            if b[p] == UInt8(ascii: "}") { p += 1; return }
            throw Malformed(description: "expected ',' or '}' at byte \(p)")
        }
    }

    /// The index after the string starting at `p` (its opening quote). Quotes are found with
    /// memchr and a quote preceded by an odd run of backslashes is escaped: the skipped
    /// members are long strings (base64 chart files, the manifest), and walking them a byte at
    /// a time was a third of a list's time.
    static func stringEnd(_ b: [UInt8], _ p: Int) throws -> Int {
        let end: Int? = b.withUnsafeBufferPointer { buf in
            guard let base = buf.baseAddress else { return nil }
            var i = p + 1
            while i < buf.count {
                guard let hit = memchr(base + i, Int32(UInt8(ascii: "\"")), buf.count - i) else { return nil }
                let q = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                var k = q - 1, slashes = 0
                while k > p, base[k] == UInt8(ascii: "\\") { slashes += 1; k -= 1 }
                if slashes % 2 == 0 { return q + 1 }
                i = q + 1
            }
            return nil
        }
        guard let end else { throw Malformed(description: "unterminated string") }
        return end
    }

    /// The index after the value starting at `p`.
    static func valueEnd(_ b: [UInt8], _ p: Int) throws -> Int {
        guard p < b.count else { throw Malformed(description: "unexpected end of JSON input") }
        switch b[p] {
        case UInt8(ascii: "\""): return try stringEnd(b, p)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0, i = p
            while i < b.count {
                switch b[i] {
                case UInt8(ascii: "\""): i = try stringEnd(b, i); continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return i + 1 }
                default: break
                }
                i += 1
            }
            throw Malformed(description: "unexpected end of JSON input")
        default:
            var i = p
            while i < b.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 32, 9, 10, 13].contains(b[i]) { i += 1 }
            return i
        }
    }
}
