import Values

/// The Secrets driver keeps each revision in one Secret, and Kubernetes refuses a Secret whose
/// data exceeds 1 MiB (the apiserver's "Too long: must have at most 1048576 bytes"; etcd answers
/// "request is too large" before that on some setups). hrctl checks before writing anything, so
/// a too-large chart never leaves a half-made revision behind.
public struct RecordTooLargeError: Error, CustomStringConvertible, Sendable {
    public let secret: String
    public let bytes: Int
    public let chartBytes: Int

    public var description: String {
        "release record \(secret) would be \(bytes) bytes, more than the \(ReleaseStorage.maxRecordBytes) bytes (1 MiB) a Kubernetes Secret may hold: "
            + "each revision is stored as one Secret holding the whole chart (templates, files, values; \(chartBytes) bytes before compression) gzipped and base64-encoded, as Helm's Secrets driver does. "
            + "Nothing was written. Make the chart smaller: leave large or generated files out of it (list them in .helmignore), "
            + "or ship big data separately (an image, a ConfigMap created outside the chart, or a URL the workload fetches). "
            + "hrctl keeps Helm's Secrets storage only, so helm can read every release; it offers no SQL storage"
    }
}

extension ReleaseStorage {
    /// The most a Secret's data may hold.
    public static let maxRecordBytes = 1 << 20

    /// Fails when the record of `r` cannot be stored in a Secret; returns the encoded record,
    /// which `create(_:encoded:)` then writes without encoding the whole chart again.
    @discardableResult
    public static func checkSize(_ r: Release) throws -> String {
        let encoded = try ReleaseCodec.encode(r)
        let bytes = encoded.utf8.count
        guard bytes > maxRecordBytes else { return encoded }
        var chartBytes = 0
        if let json = try? JSONEncoding.encode(.map(r.chart)) { chartBytes = json.utf8.count }
        throw RecordTooLargeError(secret: secretName(r.name, r.version), bytes: bytes, chartBytes: chartBytes)
    }
}
