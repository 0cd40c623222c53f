import Values

/// What `kube-test-server --state DIR` keeps across restarts: every stored object and the
/// resourceVersion counter, as one JSON document. CRDs are served again when their objects load.
extension APIServerCore {
    public func snapshot() throws -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        var buckets: [String: Value] = [:]
        for (k, b) in objects { buckets[k] = .map(Map(b)) }
        let doc: Value = .map(["resourceVersion": .string(String(resourceVersion)), "objects": .map(Map(buckets))])
        return Array(try JSONEncoding.encode(doc, escapeHTML: false).utf8)
    }

    /// The resourceVersion a snapshot was taken at (to save only when something changed).
    public var currentResourceVersion: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return resourceVersion
    }

    public func restore(_ bytes: [UInt8]) throws {
        guard case .map(let doc) = try JSON.decode(String(decoding: bytes, as: UTF8.self)),
              case .map(let buckets)? = doc.entries["objects"] else { throw APIError.badRequest("the state file is not a snapshot") }
        lock.lock()
        defer { lock.unlock() }
        objects = [:]
        for (k, v) in buckets.entries { if case .map(let b) = v { objects[k] = b.entries } }
        resourceVersion = Int64(doc.entries["resourceVersion"]?.stringValue ?? "") ?? resourceVersion
        for (_, crd) in objects["apiextensions.k8s.io/customresourcedefinitions"] ?? [:] {
            if case .map(let m) = crd { registerCRD(m) }
        }
        // Watches cannot resume across a restart: the log starts anew.
        events = []
        compactedRV = resourceVersion
        seen = [:]
        scannedRV = 0
        recordChanges()
        events = []
    }
}
