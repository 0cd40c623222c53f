import FileIO
import Crypto
import Values

/// The download cache: charts stored by their sha256 digest, repository indexes with their
/// ETags. Every write is atomic (temporary file + rename), so an interrupted download never
/// leaves a bad entry. Bounded: least recently used entries go when the size cap is passed.
public struct ChartCache: Sendable {
    public let root: String
    public let maxBytes: Int

    public init(root: String, maxBytes: Int = 1 << 30) {
        self.root = root; self.maxBytes = maxBytes
    }

    /// `$HRCTL_CACHE`, else `$XDG_CACHE_HOME/hrctl`, else `~/.cache/hrctl`.
    public static func defaultRoot(environment: [String: String]) -> String {
        if let c = environment["HRCTL_CACHE"], !c.isEmpty { return c }
        if let x = environment["XDG_CACHE_HOME"], !x.isEmpty { return x + "/hrctl" }
        return (environment["HOME"] ?? "/tmp") + "/.cache/hrctl"
    }

    public static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    func path(_ kind: String, _ name: String) -> String { "\(root)/\(kind)/\(name)" }

    public func chart(digest: String) -> [UInt8]? {
        let p = path("charts", digest + ".tgz")
        guard let bytes = try? FileSystem.read(p) else { return nil }
        // A damaged entry (disk trouble, a hand edit) is treated as absent.
        guard ChartCache.sha256(bytes) == digest else { FileSystem.remove(p); return nil }
        FileSystem.touch(p)
        return bytes
    }

    @discardableResult
    public func storeChart(_ bytes: [UInt8]) throws -> String {
        let digest = ChartCache.sha256(bytes)
        try FileSystem.makeDirectories(root + "/charts")
        try FileSystem.writeAtomically(path("charts", digest + ".tgz"), bytes)
        prune()
        return digest
    }

    /// A cached index with the validators its server sent: the ETag, else the Last-Modified date.
    public func index(url: String) -> (bytes: [UInt8], etag: String?, lastModified: String?)? {
        let key = ChartCache.sha256(Array(url.utf8))
        guard let bytes = try? FileSystem.read(path("indexes", key + ".yaml")) else { return nil }
        FileSystem.touch(path("indexes", key + ".yaml"))
        // The .etag file: the ETag on its first line, Last-Modified on the second (older caches have one line).
        let lines = ((try? FileSystem.readText(path("indexes", key + ".etag"))) ?? "").split(separator: "\n", omittingEmptySubsequences: false)
        func line(_ i: Int) -> String? { i < lines.count && !lines[i].isEmpty ? String(lines[i]) : nil }
        return (bytes, line(0), line(1))
    }

    public func storeIndex(url: String, bytes: [UInt8], etag: String?, lastModified: String? = nil) throws {
        let key = ChartCache.sha256(Array(url.utf8))
        try FileSystem.makeDirectories(root + "/indexes")
        let validators = (etag ?? "") + (lastModified.map { "\n" + $0 } ?? "")
        try FileSystem.writeAtomically(path("indexes", key + ".etag"), Array(validators.utf8))
        try FileSystem.writeAtomically(path("indexes", key + ".yaml"), bytes)
        prune()
    }

    /// Where git clones of a URL live.
    public func gitDirectory(url: String) -> String { path("git", ChartCache.sha256(Array(url.utf8))) }

    public struct PruneResult: Sendable { public var removed: Int; public var freedBytes: Int; public var keptBytes: Int }

    /// A temporary file younger than this may be another writer's, being written right now
    /// (another worker, another process sharing the cache): prune leaves it alone.
    public static let temporaryGrace = 3600

    /// Removes least recently used files until the cache fits `limit` (default: the cap);
    /// leftovers of interrupted writes (temporary files older than `temporaryGrace`) go too.
    @discardableResult
    public func prune(limit: Int? = nil, now: Int = Timestamp.unixNow()) -> PruneResult {
        let cap = limit ?? maxBytes
        var files: [(path: String, size: Int, used: Int)] = []
        var removed = 0, freed = 0
        for kind in ["charts", "indexes"] {
            for name in (try? FileSystem.list(root + "/" + kind)) ?? [] {
                let p = root + "/" + kind + "/" + name
                guard let info = FileSystem.info(p) else { continue }
                if name.contains(".tmp.") {
                    if now - info.modified > ChartCache.temporaryGrace { FileSystem.remove(p); removed += 1; freed += info.size }
                    continue
                }
                files.append((p, info.size, info.modified))
            }
        }
        var total = files.reduce(0) { $0 + $1.size }
        for f in files.sorted(by: { $0.used < $1.used }) where total > cap {
            FileSystem.remove(f.path)
            total -= f.size; freed += f.size; removed += 1
        }
        return PruneResult(removed: removed, freedBytes: freed, keptBytes: total)
    }
}
