import Values
import Archive

/// The Secrets and ConfigMaps drivers' encoding of a release: base64(gzip(JSON)). Records that
/// are not gzipped (old Helm 3 betas) are read too.
public enum ReleaseCodec {
    /// A stored record may not inflate beyond this (a guard against hostile Secrets).
    public static let maxRecordBytes = 512 << 20

    public static func encode(_ r: Release) throws -> String {
        let json = try JSONEncoding.encode(r.json(), escapeHTML: true)
        return Base64.encode(try Gzip.compress(Array(json.utf8), level: 9))
    }

    public static func decode(_ text: String) throws -> Release {
        guard case .success(let raw) = RecordBase64.decode(text) else { throw ReleaseDecodeError("the release data is not base64") }
        var bytes = raw
        if raw.count >= 3, raw[0] == 0x1f, raw[1] == 0x8b, raw[2] == 0x08 {
            bytes = try Gzip.decompress(raw, limit: maxRecordBytes)
        }
        let v: Value
        do { v = try JSON.decode(String(decoding: bytes, as: UTF8.self)) } catch { throw ReleaseDecodeError("the release JSON is not valid: \(error)") }
        return try Release(json: v)
    }
}
