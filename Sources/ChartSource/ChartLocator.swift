import FileIO
import Chart

/// A chart named as helm's chart commands name it (`show`, `pull`, `template`): a local folder or
/// archive, `REPO/NAME` of a repository in repositories.yaml, `NAME` with `--repo URL`, an
/// `oci://` reference, or the URL of an archive.
public struct ChartLocator: Sendable {
    public struct Located: Sendable {
        /// The archive's bytes (nil for a local folder).
        public var archive: [UInt8]?
        /// A local folder or archive as given.
        public var localPath: String?
        /// The file name helm gives the download (`NAME-VERSION.tgz`, or the URL's last part).
        public var fileName: String
        /// `Pulled:`/`Digest:` of an OCI pull (reference and manifest digest).
        public var ociReference: String?
        public var ociDigest: String?
        /// The download's provenance file (ARCHIVE_URL.prov), when asked for.
        public var provenance: [UInt8]?
        /// Its check, when one was made.
        public var verification: Provenance.Verification?

        public func load() throws -> Chart {
            if let archive { return try ChartLoader.load(archive: archive, name: fileName) }
            return try ChartLoader.load(path: localPath!)
        }
    }

    public let paths: HelmPaths
    public let cache: ChartCache
    public let options: ChartFetcher.Options
    let warn: @Sendable (String) -> Void

    public init(paths: HelmPaths, cache: ChartCache, options: ChartFetcher.Options, warn: @escaping @Sendable (String) -> Void = { _ in }) {
        self.paths = paths; self.cache = cache; self.options = options; self.warn = warn
    }

    /// `provenance`: also fetch a download's .prov (an OCI chart's is not supported).
    public func locate(_ name: String, version: String = "", repo: String? = nil, allowLocal: Bool = true, provenance: Bool = false) async throws -> Located {
        if name.hasPrefix("oci://") {
            if provenance { throw SourceError.unsupported("not supported by hrctl: provenance (--verify, --prov) of charts in OCI registries") }
            let f = try await withFetcher(options) { try await $0.fetchOCI(repository: name, name: "", version: version) }
            let ref = try OCIRegistry.Reference.parse(name)
            let base = String(ref.repository.split(separator: "/").last ?? "")
            return Located(archive: f.bytes, localPath: nil, fileName: "\(base)-\(f.version.version).tgz",
                           ociReference: "\(ref.host)/\(ref.repository):\(OCIRegistry.tag(f.version.version))", ociDigest: f.manifestDigest)
        }
        if let repo {
            return try await fromRepository(url: repo, chart: name, version: version, entry: RepositoryFile.load(paths.repositoryConfig).entry(url: repo),
                                            provenance: provenance)
        }
        if allowLocal, FileSystem.kind(name) != .missing {
            return Located(archive: nil, localPath: name, fileName: Self.lastComponent(name))
        }
        if !allowLocal, FileSystem.kind(name) != .missing {
            throw SourceError.unsupported("\(name) is a local chart; pull downloads charts named REPO/NAME, NAME with --repo URL, or oci://…")
        }
        if name.hasPrefix("/") || name.hasPrefix(".") { throw ChartError("path \"\(name)\" not found") }
        if name.hasPrefix("http://") || name.hasPrefix("https://") {
            let (bytes, prov) = try await withFetcher(options) { f in (try await f.download(name), provenance ? try await Self.provenance(f, of: name) : nil) }
            var located = Located(archive: bytes, localPath: nil, fileName: Self.lastComponent(String(name.split(separator: "?")[0])))
            located.provenance = prov
            return located
        }
        guard let slash = name.firstIndex(of: "/") else {
            throw SourceError.unsupported("non-absolute URLs should be in form of repo_name/path_to_chart, got: \(name)")
        }
        let repoName = String(name[..<slash]), chart = String(name[name.index(after: slash)...])
        let file = try RepositoryFile.load(paths.repositoryConfig)
        guard let entry = file.entry(named: repoName) else { throw SourceError.unknownRepository(repoName) }
        return try await fromRepository(url: entry.url, chart: chart, version: version, entry: entry, provenance: provenance)
    }

    /// A chart of an HTTP repository, with the credentials repositories.yaml keeps for it.
    func fromRepository(url: String, chart: String, version: String, entry: RepositoryFile.Entry?, provenance: Bool = false) async throws -> Located {
        var o = options
        if let e = entry {
            if o.http.username == nil, !e.username.isEmpty { o.http.username = e.username; o.http.password = e.password }
            if o.http.caFile == nil, !e.caFile.isEmpty { o.http.caFile = e.caFile }
            if e.insecureSkipTLSVerify { o.http.insecureSkipTLSVerify = true }
        }
        let (f, prov) = try await withFetcher(o) { fetcher in
            let f = try await fetcher.fetch(repository: url, name: chart, version: version)
            return (f, provenance ? try await Self.provenance(fetcher, of: f.url) : nil)
        }
        var located = Located(archive: f.bytes, localPath: nil, fileName: Self.lastComponent(String(f.url.split(separator: "?")[0])))
        located.provenance = prov
        return located
    }

    /// An archive's provenance file, helm's way: the archive's URL with .prov appended.
    static func provenance(_ fetcher: ChartFetcher, of url: String) async throws -> [UInt8] {
        do { return try await fetcher.download(url + ".prov") } catch { throw SourceError.unsupported("failed to fetch provenance \"\(url).prov\"") }
    }

    /// A fetcher for one job, shut down after it whether it succeeded or not.
    func withFetcher<T: Sendable>(_ o: ChartFetcher.Options, _ body: (ChartFetcher) async throws -> T) async throws -> T {
        let fetcher = try ChartFetcher(cache: cache, options: o, warn: warn)
        do {
            let out = try await body(fetcher)
            await fetcher.shutdown()
            return out
        } catch {
            await fetcher.shutdown()
            throw error
        }
    }

    static func lastComponent(_ path: String) -> String {
        var p = Substring(path)
        while p.hasSuffix("/") { p = p.dropLast() }
        return String(p.split(separator: "/").last ?? p)
    }
}
