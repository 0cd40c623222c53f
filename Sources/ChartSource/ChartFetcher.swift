import Values
import FileIO
import Chart
import Archive
#if canImport(Glibc)
import Glibc
#endif

/// Finds the chart a release names — a Helm HTTP repository, a git repository, or a local
/// folder or archive — through the cache.
public final class ChartFetcher: Sendable {
    public struct Options: Sendable {
        public var offline = false
        public var http = HTTPFetcher.Options()
        /// OCI registries over plain HTTP (`--plain-http`, as Helm's flag).
        public var plainHTTP = false
        /// An index looked at less than this many seconds ago is used without asking its server
        /// again (an operator reconciling many releases of one repository); 0 always asks.
        public var indexTTL: Double = 0
        public init() {}
    }

    public let cache: ChartCache
    let options: Options
    /// Parsed indexes by URL, with the validators they were fetched with: a 304 answer reuses
    /// the parsed index instead of parsing the cached file again.
    let memo = IndexMemo()
    let fetcher: HTTPFetcher
    let warn: @Sendable (String) -> Void

    public init(cache: ChartCache, options: Options = Options(), warn: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.cache = cache
        self.options = options
        self.fetcher = try HTTPFetcher(options: options.http)
        self.warn = warn
    }

    public func shutdown() async { await fetcher.shutdown() }

    /// The seed-era stable repository moved; its old address answers no more.
    public static func canonicalRepository(_ url: String) -> (url: String, moved: Bool) {
        var u = url
        while u.hasSuffix("/") { u.removeLast() }
        let moved = ["https://kubernetes-charts.storage.googleapis.com": "https://charts.helm.sh/stable",
                     "https://kubernetes-charts-incubator.storage.googleapis.com": "https://charts.helm.sh/incubator"]
        if let to = moved[u] { return (to, true) }
        return (u, false)
    }

    /// The repository's index, fetched (conditionally when cached) or from the cache offline.
    public func index(repository: String) async throws -> RepositoryIndex {
        let url = repository + "/index.yaml"
        let now = IndexMemo.clock()
        if options.indexTTL > 0, let m = await memo.get(url), now - m.checked < options.indexTTL { return m.index }
        let cached = cache.index(url: url)
        if options.offline {
            guard let cached else { throw SourceError.offline("the index of \(repository)") }
            return try RepositoryIndex.parse(cached.bytes, source: url)
        }
        switch try await fetcher.get(url, etag: cached?.etag, modifiedSince: cached?.etag == nil ? cached?.lastModified : nil) {
        case .notModified:
            guard let cached else { throw SourceError.download(url: url, reason: "unexpected 304 without a cached index") }
            let validator = (cached.etag ?? "") + "|" + (cached.lastModified ?? "")
            if let m = await memo.get(url), m.validator == validator {
                await memo.set(url, IndexMemo.Entry(index: m.index, validator: validator, checked: now))
                return m.index
            }
            let index = try RepositoryIndex.parse(cached.bytes, source: url)
            await memo.set(url, IndexMemo.Entry(index: index, validator: validator, checked: now))
            return index
        case .body(let bytes, let etag, let lastModified):
            // Parsed before it is cached: a bad index never replaces a good one.
            let index = try RepositoryIndex.parse(bytes, source: url)
            try cache.storeIndex(url: url, bytes: bytes, etag: etag, lastModified: lastModified)
            await memo.set(url, IndexMemo.Entry(index: index, validator: (etag ?? "") + "|" + (lastModified ?? ""), checked: now))
            return index
        }
    }

    public struct Fetched: Sendable {
        public var bytes: [UInt8]
        public var version: ChartVersion
        public var url: String
        public var fromCache: Bool
        /// The OCI manifest's digest (what `helm pull` prints as `Digest:`).
        public var manifestDigest: String? = nil
    }

    /// Resolves `name` at `version` (exact or range) in a repository and downloads it, checking
    /// the digest the index gives.
    public func fetch(repository: String, name: String, version: String) async throws -> Fetched {
        let (repo, moved) = ChartFetcher.canonicalRepository(repository)
        if moved { warn("the repository \(repository) has moved to \(repo); using it") }
        let index = try await self.index(repository: repo)
        let cv = try index.resolve(name: name, version: version, repository: repo)
        guard let first = cv.urls.first else { throw SourceError.download(url: repo, reason: "chart \(name) \(cv.version) lists no URL") }
        let url = ChartFetcher.absolute(first, base: repo)
        if !cv.digest.isEmpty, let bytes = cache.chart(digest: cv.digest.lowercased()) {
            return Fetched(bytes: bytes, version: cv, url: url, fromCache: true)
        }
        if options.offline { throw SourceError.offline("chart \(name) \(cv.version)") }
        guard case .body(let bytes, _, _) = try await fetcher.get(url) else { throw SourceError.download(url: url, reason: "unexpected 304") }
        let digest = ChartCache.sha256(bytes)
        if !cv.digest.isEmpty && cv.digest.lowercased() != digest {
            throw SourceError.digestMismatch(url: url, want: cv.digest.lowercased(), got: digest)
        }
        try cache.storeChart(bytes)
        return Fetched(bytes: bytes, version: cv, url: url, fromCache: false)
    }

    /// A chart from an OCI registry: `oci://host/path` and the chart's name, an exact version or a
    /// range resolved against the tags. Cached by the chart layer's digest; the tag's digest is
    /// remembered too, so `--offline` finds it again.
    public func fetchOCI(repository: String, name: String, version: String) async throws -> Fetched {
        let full = repository.hasSuffix("/" + name) || name.isEmpty ? repository : (repository.hasSuffix("/") ? repository + name : repository + "/" + name)
        let ref = try OCIRegistry.Reference.parse(full)
        let registry = OCIRegistry(http: fetcher, plainHTTP: options.plainHTTP)
        let tagKey = "\(full):\(version)"
        var cv = ChartVersion()
        cv.name = name
        if options.offline {
            guard let (bytes, _, _) = cache.index(url: tagKey), let layer = String(validating: bytes, as: UTF8.self),
                  let chart = cache.chart(digest: String(layer.dropFirst("sha256:".count))) else { throw SourceError.offline("chart \(full) \(version)") }
            cv.version = version
            cv.digest = layer
            return Fetched(bytes: chart, version: cv, url: full, fromCache: true)
        }
        cv.version = try await registry.resolve(ref, version: version)
        let (layer, manifestDigest) = try await registry.manifest(ref, version: cv.version)
        cv.digest = layer
        try? cache.storeIndex(url: tagKey, bytes: Array(layer.utf8), etag: nil)
        if let bytes = cache.chart(digest: String(layer.dropFirst("sha256:".count))) {
            return Fetched(bytes: bytes, version: cv, url: full, fromCache: true, manifestDigest: manifestDigest)
        }
        let bytes = try await registry.blob(ref, digest: layer)
        try cache.storeChart(bytes)
        return Fetched(bytes: bytes, version: cv, url: full, fromCache: false, manifestDigest: manifestDigest)
    }

    /// `hrctl push`: a packaged chart to `oci://host/path` (the chart's name is appended, as Helm does).
    public func push(_ archive: [UInt8], metadataJSON: [UInt8], name: String, version: String, to repository: String) async throws -> (ref: String, digest: String) {
        let full = repository.hasSuffix("/") ? repository + name : repository + "/" + name
        let ref = try OCIRegistry.Reference.parse(full)
        let digest = try await OCIRegistry(http: fetcher, plainHTTP: options.plainHTTP).push(archive, metadataJSON: metadataJSON, version: version, to: ref)
        return ("\(ref.host)/\(ref.repository):\(OCIRegistry.tag(version))", digest)
    }

    /// Any file over HTTP (valuesFrom externalSourceRef), not cached.
    public func download(_ url: String) async throws -> [UInt8] {
        if options.offline { throw SourceError.offline(url) }
        guard case .body(let bytes, _, _) = try await fetcher.get(url) else { throw SourceError.download(url: url, reason: "unexpected 304") }
        return bytes
    }

    /// A chart URL of an index: absolute, or relative to the repository.
    public static func absolute(_ u: String, base: String) -> String {
        if u.contains("://") { return u }
        if u.hasPrefix("/") {
            guard let scheme = base.range(of: "://"), let slash = base[scheme.upperBound...].firstIndex(of: "/") else { return base + u }
            return String(base[..<slash]) + u
        }
        return base + "/" + u
    }

    /// A chart in a git repository: cloned once per URL into the cache, fetched on later runs,
    /// `ref` checked out into a worktree per commit.
    public func git(url: String, ref: String, path: String) throws -> String {
        let dir = cache.gitDirectory(url: url)
        func git(_ args: [String]) throws -> String {
            let env = Subprocess.environment.merging(["GIT_TERMINAL_PROMPT": "0"]) { $1 }
            let r: (status: Int32, out: [UInt8], err: [UInt8])
            do { r = try Subprocess.run("git", args, environment: env) } catch { throw SourceError.git("git: \(error)") }
            guard r.status == 0 else {
                throw SourceError.git("git \(args.filter { !$0.hasPrefix("-") }.prefix(2).joined(separator: " ")) for \(url) failed: \(String(decoding: r.err, as: UTF8.self).trimmingCharacters())")
            }
            return String(decoding: r.out, as: UTF8.self).trimmingCharacters()
        }
        if FileSystem.kind(dir + "/HEAD") != .file {
            if options.offline { throw SourceError.offline("the git repository \(url)") }
            try FileSystem.makeDirectories(cache.root + "/git")
            // Cloned beside and renamed into place: an interrupted clone leaves no half repository.
            let tmp = dir + ".tmp.\(UInt32.random(in: 0...UInt32.max))"
            do { _ = try git(["clone", "--quiet", "--bare", url, tmp]) } catch { FileSystem.removeTree(tmp); throw error }
            _ = try git(["-C", tmp, "config", "remote.origin.fetch", "+refs/heads/*:refs/heads/*"])
            if Glibc.rename(tmp, dir) != 0 { FileSystem.removeTree(tmp) }
        } else if !options.offline {
            _ = try git(["-C", dir, "fetch", "--quiet", "--prune", "--tags", "origin"])
        }
        let commit = try git(["-C", dir, "rev-parse", "--verify", "--quiet", ref + "^{commit}"])
        let work = dir + ".work/" + commit
        if FileSystem.kind(work) != .directory {
            try FileSystem.makeDirectories(dir + ".work")
            let tmp = work + ".tmp"
            FileSystem.removeTree(tmp)
            try FileSystem.makeDirectories(tmp)
            // `git archive | tar` without a shell: export the tree through our own tar reader.
            let r = try Subprocess.run("git", ["-C", dir, "archive", "--format=tar", commit])
            guard r.status == 0 else { throw SourceError.git("git archive \(ref) of \(url) failed: \(String(decoding: r.err, as: UTF8.self))") }
            do {
                for e in try Tar.read(r.out, limits: Tar.Limits(maxFileSize: 64 << 20, maxTotalSize: 512 << 20)) {
                    if let slash = e.path.lastIndex(of: "/") { try FileSystem.makeDirectories(tmp + "/" + e.path[..<slash]) }
                    try FileSystem.write(tmp + "/" + e.path, e.data)
                }
            } catch let e as ArchiveError { throw SourceError.git("\(url) at \(ref): \(e.description)") }
            if Glibc.rename(tmp, work) != 0 { FileSystem.removeTree(tmp) }
        }
        let sub = path.isEmpty ? work : work + "/" + path
        guard FileSystem.kind(sub) == .directory else { throw SourceError.git("\(url) at \(ref) has no folder \(path)") }
        return sub
    }

}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

/// The parsed indexes of one fetcher, by URL.
actor IndexMemo {
    struct Entry: Sendable { var index: RepositoryIndex; var validator: String; var checked: Double }
    var entries: [String: Entry] = [:]
    func get(_ url: String) -> Entry? { entries[url] }
    func set(_ url: String, _ e: Entry) { entries[url] = e }

    static func clock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
