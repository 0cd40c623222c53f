import Values
#if canImport(Glibc)
import Glibc
#endif

/// A Secret or ConfigMap of the record drivers read from the API server's answer as it came:
/// its metadata and type decoded, `data.release` left as the bytes between its quotes. The
/// stored record is most of the answer (~130 KB of base64 for a real chart), and building it
/// as a JSON string first was as costly as the rest of a list together.
struct RecordObject {
    var name = ""
    var labels: [String: String] = [:]
    var type: String?
    /// `data.release` as written in the answer; nil when absent or when it holds a JSON escape
    /// (no base64 text does), in which case the caller decodes the answer in full.
    var release: ArraySlice<UInt8>?

    /// nil when the answer is not an object of that shape (the caller then decodes it in full,
    /// and says what is wrong with it).
    static func scan(_ body: [UInt8]) -> RecordObject? {
        var o = RecordObject()
        var p = HeaderScan.space(body, 0)
        do {
            try HeaderScan.members(body, &p) { key, start, end in
                switch key {
                case "metadata":
                    guard case .map(let md) = try JSON.decode(String(decoding: body[start..<end], as: UTF8.self)) else { return }
                    o.name = md.entries["name"]?.stringValue ?? ""
                    if case .map(let l)? = md.entries["labels"] { for (k, v) in l.entries { if let v = v.stringValue { o.labels[k] = v } } }
                case "type":
                    o.type = (try JSON.decode(String(decoding: body[start..<end], as: UTF8.self))).stringValue
                case "data" where body[start] == UInt8(ascii: "{"):
                    var q = start
                    try HeaderScan.members(body, &q) { k, s, e in
                        guard k == "release", body[s] == UInt8(ascii: "\""), e - s >= 2 else { return }
                        let text = body[(s + 1)..<(e - 1)]
                        let escaped = text.withUnsafeBufferPointer { b in b.baseAddress.map { memchr($0, Int32(UInt8(ascii: "\\")), b.count) != nil } ?? false }
                        if !escaped { o.release = text }
                    }
                default: break
                }
            }
        } catch { return nil }
        return o.release == nil ? nil : o
    }
}

extension KubeRecordDriver {
    /// A record object from the API server's answer: nil when it is a Secret of another type
    /// (not a record); throws when it cannot be read as one.
    static func release(fromBody body: [UInt8], kind: Kind, headerOnly: Bool) throws -> Release? {
        guard let o = RecordObject.scan(body) else {
            let v: Value
            do { v = try JSON.decode(String(decoding: body, as: UTF8.self)) } catch { throw ReleaseDecodeError("the \(kind.kind) is not JSON: \(error)") }
            if kind == .secret, case .map(let m) = v, m.entries["type"]?.stringValue != "helm.sh/release.v1" { return nil }
            return try release(from: v, kind: kind, headerOnly: headerOnly)
        }
        if kind == .secret, o.type != "helm.sh/release.v1" { return nil }
        var text = o.release ?? []
        if kind == .secret {
            guard case .success(let inner) = RecordBase64.decode(text) else { throw ReleaseDecodeError("Secret \(o.name): data.release is not base64") }
            text = inner[...]
        }
        do {
            var r = try headerOnly ? ReleaseCodec.decodeHeader(base64: text) : ReleaseCodec.decode(String(decoding: text, as: UTF8.self))
            r.labels = o.labels
            return r
        } catch let e as ReleaseDecodeError {
            throw ReleaseDecodeError("\(kind.kind) \(o.name): \(e.description)")
        }
    }
}
