import Crypto
import Values
import YAML
import Chart
import FileIO
import Semver

/// `helm repo index`: an index.yaml for a folder of packaged charts, each entry with its
/// metadata, sha256 digest and URL; versions newest first, as Helm sorts them.
public enum IndexWriter {
    public static func index(directory: String, url: String?, created: String = IndexWriter.now()) throws -> String {
        var entries: [String: [(Semver.Version?, Map)]] = [:]
        for file in try FileSystem.list(directory).sorted() where file.hasSuffix(".tgz") {
            let path = directory + "/" + file
            let bytes = try FileSystem.read(path)
            let md = try ChartLoader.load(archive: bytes, name: path).metadata
            let base = url.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
            var e = metadataMap(md)
            e["created"] = .string(created)
            e["digest"] = .string(ChartCache.sha256(bytes))
            e["urls"] = .list(List([.string(base.map { "\($0)/\(file)" } ?? file)]))
            entries[md.name, default: []].append((try? Semver.Version(md.version), Map(e)))
        }
        var out: [String: Value] = [:]
        for (name, list) in entries {
            let sorted = list.sorted { a, b in
                switch (a.0, b.0) {
                case let (x?, y?): return x > y
                case (.some, nil): return true
                default: return false
                }
            }
            out[name] = .list(List(sorted.map { .map($0.1) }))
        }
        let doc: [String: Value] = ["apiVersion": .string("v1"), "entries": .map(Map(out)), "generated": .string(created)]
        return try YAMLWriter.marshal(.map(Map(doc)))
    }

    /// The fields of Chart.yaml an index entry carries (Helm embeds the whole metadata).
    static func metadataMap(_ md: Metadata) -> [String: Value] {
        var e: [String: Value] = ["apiVersion": .string(md.apiVersion), "name": .string(md.name), "version": .string(md.version)]
        func put(_ k: String, _ v: String) { if !v.isEmpty { e[k] = .string(v) } }
        put("appVersion", md.appVersion); put("description", md.description); put("home", md.home)
        put("icon", md.icon); put("kubeVersion", md.kubeVersion); put("type", md.type)
        if md.deprecated { e["deprecated"] = .bool(true) }
        if !md.keywords.isEmpty { e["keywords"] = .list(List(md.keywords.map { .string($0) })) }
        if !md.sources.isEmpty { e["sources"] = .list(List(md.sources.map { .string($0) })) }
        if !md.annotations.isEmpty { e["annotations"] = .map(Map(md.annotations.mapValues { .string($0) })) }
        return e
    }

    /// Chart.yaml's fields as JSON: the config blob of a chart in an OCI registry.
    public static func metadataJSON(_ md: Metadata) throws -> [UInt8] {
        Array(try JSONEncoding.encode(.map(Map(metadataMap(md))), escapeHTML: false).utf8)
    }

    public static func now() -> String { Timestamp.format(seconds: Timestamp.unixNow()) }

}
