/// Kubernetes refuses a Secret or ConfigMap whose data exceeds 1 MiB (the apiserver's "Too
/// long: must have at most 1048576 bytes"; etcd answers "request is too large" before that on
/// some setups). ReleaseStorage.checkSize checks before writing anything, so a too-large chart
/// never leaves a half-made revision behind; the SQL driver has no such limit.
extension ReleaseStorage {
    /// The most a Secret's or ConfigMap's data may hold.
    public static let maxRecordBytes = 1 << 20
}
