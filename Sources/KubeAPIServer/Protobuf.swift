import Values

/// Request bodies in Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`), which
/// client-go's typed clients send for built-in kinds — Helm stores its releases through one. The
/// envelope is `k8s\0` and a runtime.Unknown; the kinds decoded here are those such clients
/// write in practice (Secret, ConfigMap, Namespace). Zero values are omitted, as in JSON.
public enum KubeProtobuf {
    public struct Unsupported: Error { public let kind: String }

    public static func decode(_ bytes: [UInt8]) throws -> Value {
        guard bytes.count >= 4, Array(bytes[0..<4]) == [0x6b, 0x38, 0x73, 0x00] else { throw Unsupported(kind: "") }
        var unknown = try parse(bytes[4...])
        let typeMeta = try parse(unknown.bytes(1) ?? [])
        let apiVersion = typeMeta.string(1) ?? "", kind = typeMeta.string(2) ?? ""
        let raw = unknown.bytes(2) ?? []
        unknown = try parse(raw[...])
        var obj: [String: Value] = ["apiVersion": .string(apiVersion), "kind": .string(kind)]
        if let md = unknown.bytes(1) { obj["metadata"] = .map(Map(try objectMeta(md))) }
        switch (apiVersion, kind) {
        case ("v1", "Secret"):
            put(&obj, "data", try stringMap(unknown.all(2), base64: true))
            put(&obj, "type", unknown.string(3).map(Value.string))
            put(&obj, "stringData", try stringMap(unknown.all(4), base64: false))
            if let b = unknown.varint(5) { obj["immutable"] = .bool(b != 0) }
        case ("v1", "ConfigMap"):
            put(&obj, "data", try stringMap(unknown.all(2), base64: false))
            put(&obj, "binaryData", try stringMap(unknown.all(3), base64: true))
            if let b = unknown.varint(4) { obj["immutable"] = .bool(b != 0) }
        case ("v1", "Namespace"):
            if let spec = unknown.bytes(2) {
                let f = try parse(spec[...]).all(1).map { Value.string(String(decoding: $0, as: UTF8.self)) }
                if !f.isEmpty { obj["spec"] = .map(["finalizers": .list(f)]) }
            }
        default:
            throw Unsupported(kind: kind)
        }
        return .map(Map(obj))
    }

    static func put(_ obj: inout [String: Value], _ key: String, _ v: Value?) { if let v { obj[key] = v } }

    static func objectMeta(_ bytes: [UInt8]) throws -> [String: Value] {
        let f = try parse(bytes[...])
        var m: [String: Value] = [:]
        for (n, key) in [(1, "name"), (2, "generateName"), (3, "namespace"), (4, "selfLink"), (5, "uid"), (6, "resourceVersion")] {
            if let s = f.string(n), !s.isEmpty { m[key] = .string(s) }
        }
        if let g = f.varint(7), g != 0 { m["generation"] = .float(Double(g)) }
        for (n, key) in [(8, "creationTimestamp"), (9, "deletionTimestamp")] {
            if let t = f.bytes(n), let s = try time(t) { m[key] = .string(s) }
        }
        put(&m, "labels", try stringMap(f.all(11), base64: false))
        put(&m, "annotations", try stringMap(f.all(12), base64: false))
        let fin = f.all(14).map { Value.string(String(decoding: $0, as: UTF8.self)) }
        if !fin.isEmpty { m["finalizers"] = .list(fin) }
        var owners: [Value] = []
        for o in f.all(13) {
            let r = try parse(o[...])
            var e: [String: Value] = [:]
            for (n, key) in [(5, "apiVersion"), (1, "kind"), (3, "name"), (4, "uid")] { if let s = r.string(n) { e[key] = .string(s) } }
            if let c = r.varint(6) { e["controller"] = .bool(c != 0) }
            if let b = r.varint(7) { e["blockOwnerDeletion"] = .bool(b != 0) }
            owners.append(.map(Map(e)))
        }
        if !owners.isEmpty { m["ownerReferences"] = .list(owners) }
        return m
    }

    /// metav1.Time: seconds and nanos; the zero time is absent.
    static func time(_ bytes: [UInt8]) throws -> String? {
        let f = try parse(bytes[...])
        guard let t = f.varint(1).map({ Int(Int64(bitPattern: $0)) }), t != 0 else { return nil }
        return Timestamp.format(seconds: t)
    }

    /// A protobuf map<string, string|bytes>: repeated entries of key (1) and value (2).
    static func stringMap(_ entries: [[UInt8]], base64: Bool) throws -> Value? {
        guard !entries.isEmpty else { return nil }
        var m: [String: Value] = [:]
        for e in entries {
            let f = try parse(e[...])
            let v = f.bytes(2) ?? []
            m[f.string(1) ?? ""] = .string(base64 ? Base64.encode(v) : String(decoding: v, as: UTF8.self))
        }
        return .map(Map(m))
    }

    struct Fields {
        var byNumber: [Int: [Field]] = [:]
        enum Field { case varint(UInt64), bytes([UInt8]) }
        func bytes(_ n: Int) -> [UInt8]? { if case .bytes(let b)? = byNumber[n]?.last { return b }; return nil }
        func string(_ n: Int) -> String? { bytes(n).map { String(decoding: $0, as: UTF8.self) } }
        func varint(_ n: Int) -> UInt64? { if case .varint(let v)? = byNumber[n]?.last { return v }; return nil }
        func all(_ n: Int) -> [[UInt8]] { (byNumber[n] ?? []).compactMap { if case .bytes(let b) = $0 { return b }; return nil } }
    }

    struct Malformed: Error {}

    static func parse(_ b: ArraySlice<UInt8>) throws -> Fields { var r = Reader(b); return try r.fields() }
    static func parse(_ b: [UInt8]) throws -> Fields { try parse(b[...]) }

    struct Reader {
        var b: ArraySlice<UInt8>
        init(_ b: ArraySlice<UInt8>) { self.b = b }

        mutating func varint() throws -> UInt64 {
            var v: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard let x = b.popFirst(), shift < 64 else { throw Malformed() }
                v |= UInt64(x & 0x7f) << shift
                if x & 0x80 == 0 { return v }
                shift += 7
            }
        }

        mutating func fields() throws -> Fields {
            var out = Fields()
            while !b.isEmpty {
                let tag = try varint()
                let n = Int(tag >> 3)
                switch tag & 7 {
                case 0: out.byNumber[n, default: []].append(.varint(try varint()))
                case 1: guard b.count >= 8 else { throw Malformed() }; b = b.dropFirst(8)
                case 2:
                    let len = Int(try varint())
                    guard len >= 0, b.count >= len else { throw Malformed() }
                    out.byNumber[n, default: []].append(.bytes(Array(b.prefix(len))))
                    b = b.dropFirst(len)
                case 5: guard b.count >= 4 else { throw Malformed() }; b = b.dropFirst(4)
                default: throw Malformed()
                }
            }
            return out
        }
    }
}
