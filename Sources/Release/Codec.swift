import Values
import Archive

/// The Secrets and ConfigMaps drivers' encoding of a release: base64(gzip(JSON)). Records that
/// are not gzipped (old Helm 3 betas) are read too.
public enum ReleaseCodec {
    /// A stored record may not inflate beyond this (a guard against hostile Secrets).
    public static let maxRecordBytes = 512 << 20

    public static func encode(_ r: Release) throws -> String {
        // Level 9, as Helm writes. The chart is most of a record and the same for every release
        // of it, so its compressed form is kept and put between the rest, compressed each time.
        let record = r.json()
        guard case .map(let fields) = record, let chart = fields.entries["chart"] else {
            return Base64.encode(try Gzip.compress(Array(try JSONEncoding.encode(record, escapeHTML: true).utf8), level: 9))
        }
        let chartJSON = Array(try JSONEncoding.encode(chart, escapeHTML: true).utf8)
        let holder = Map(fields.entries)
        holder.entries["chart"] = .string(chartPlaceholder)
        let outer = Array(try JSONEncoding.encode(.map(holder), escapeHTML: true).utf8)
        guard let at = outer.firstRange(of: chartPlaceholderJSON) else {
            return Base64.encode(try Gzip.compress(Array(try JSONEncoding.encode(record, escapeHTML: true).utf8), level: 9))
        }
        let member = try GzipSegments.member([
            .plain(Array(outer[..<at.lowerBound])),
            .compressed(try chartPieces.piece(for: chartJSON, level: 9)),
            .plain(Array(outer[at.upperBound...])),
        ], level: 9)
        return Base64.encode(member)
    }

    static let chartPieces = GzipPieceCache()
    /// Stands where the chart goes; no value a record holds can be this string (a NUL and a
    /// random number per process).
    static let chartPlaceholder = "\u{0}hrctl-chart-\(UInt64.random(in: 0...UInt64.max))\u{0}"
    static let chartPlaceholderJSON: [UInt8] = Array((try? JSONEncoding.encode(.string(chartPlaceholder), escapeHTML: true))?.utf8 ?? "".utf8)

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
