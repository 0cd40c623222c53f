import Values
import YAML
import FileIO
import Chart
import Semver

/// `helm dependency list|update|build` for a chart folder: Chart.yaml's dependencies resolved
/// against their repositories (HTTP, OCI, `file://`, or already in charts/), Chart.lock written as
/// Helm writes it (same fields, same digest rule), and the archives placed in charts/.
public struct DependencyManager: Sendable {
    /// A dependency as Chart.yaml writes it: every field the lock digest covers.
    public struct Requested: Sendable {
        public var name = "", version = "", repository = "", condition = "", alias = ""
        public var tags: [String] = []
        public var enabled = false
        public var importValues: [Value] = []
        public init() {}
    }

    public struct Locked: Sendable, Equatable {
        public var name = "", version = "", repository = ""
        public init(name: String, version: String, repository: String) { self.name = name; self.version = version; self.repository = repository }
    }

    public let paths: HelmPaths
    public let cache: ChartCache
    public let options: ChartFetcher.Options
    let say: @Sendable (String) -> Void
    let warn: @Sendable (String) -> Void

    public init(paths: HelmPaths, cache: ChartCache, options: ChartFetcher.Options,
                say: @escaping @Sendable (String) -> Void, warn: @escaping @Sendable (String) -> Void = { _ in }) {
        self.paths = paths; self.cache = cache; self.options = options; self.say = say; self.warn = warn
    }

    // MARK: Files

    /// The dependencies file and lock of a chart folder: Chart.yaml / Chart.lock, or for an
    /// apiVersion v1 chart with requirements.yaml, requirements.yaml / requirements.lock.
    static func files(_ dir: String) throws -> (deps: String, lock: String) {
        let chartYAML = dir + "/Chart.yaml"
        guard FileSystem.kind(chartYAML) == .file else { throw ChartError("\(dir): Chart.yaml file is missing") }
        if FileSystem.kind(dir + "/requirements.yaml") == .file,
           let md = try? ChartLoader.parseMetadata(try FileSystem.readText(chartYAML)), md.apiVersion == "v1" {
            return (dir + "/requirements.yaml", dir + "/requirements.lock")
        }
        return (chartYAML, dir + "/Chart.lock")
    }

    public static func requested(_ dir: String) throws -> [Requested] {
        let path = try files(dir).deps
        let parsed: Value?
        do { parsed = try YAML.load(try FileSystem.readText(path)) } catch let e as YAMLError {
            throw ChartError("cannot load \(Self.base(path)): error converting YAML to JSON: \(e.message)")
        }
        guard case .map(let m)? = parsed, case .list(let l)? = m.entries["dependencies"] else { return [] }
        return l.items.enumerated().compactMap { i, item in
            guard case .map(let d) = item else { return nil }
            func s(_ k: String) -> String {
                switch d.entries[k] {
                case .string(let v)?: return v.string
                case .float(let f, _)?: return ShortestDecimal(f).gFormat()
                case .int(let n, _)?: return String(n)
                default: return ""
                }
            }
            var r = Requested()
            r.name = s("name"); r.version = s("version"); r.repository = s("repository")
            r.condition = s("condition"); r.alias = s("alias")
            if case .list(let t)? = d.entries["tags"] { r.tags = t.items.compactMap(\.stringValue) }
            if case .bool(let b)? = d.entries["enabled"] { r.enabled = b }
            if case .list(let iv)? = d.entries["import-values"] { r.importValues = iv.items }
            return r
        }
    }

    /// Helm's digest of a lock: sha256 of the JSON array [requested, locked], fields in the order
    /// and with the omissions of Helm's Dependency type (name and repository always present).
    public static func digest(_ req: [Requested], _ lock: [Locked]) throws -> String {
        func q(_ s: String) throws -> String { try JSONEncoding.encode(.string(s)) }
        var reqJSON: [String] = []
        for r in req {
            var f = ["\"name\":" + (try q(r.name))]
            if !r.version.isEmpty { f.append("\"version\":" + (try q(r.version))) }
            f.append("\"repository\":" + (try q(r.repository)))
            if !r.condition.isEmpty { f.append("\"condition\":" + (try q(r.condition))) }
            if !r.tags.isEmpty { f.append("\"tags\":" + (try JSONEncoding.encode(.list(r.tags.map { .string($0) })))) }
            if r.enabled { f.append("\"enabled\":true") }
            if !r.importValues.isEmpty { f.append("\"import-values\":" + (try JSONEncoding.encode(.list(r.importValues)))) }
            if !r.alias.isEmpty { f.append("\"alias\":" + (try q(r.alias))) }
            reqJSON.append("{" + f.joined(separator: ",") + "}")
        }
        var lockJSON: [String] = []
        for l in lock {
            var f = ["\"name\":" + (try q(l.name))]
            if !l.version.isEmpty { f.append("\"version\":" + (try q(l.version))) }
            f.append("\"repository\":" + (try q(l.repository)))
            lockJSON.append("{" + f.joined(separator: ",") + "}")
        }
        let text = "[[" + reqJSON.joined(separator: ",") + "],[" + lockJSON.joined(separator: ",") + "]]"
        return "sha256:" + ChartCache.sha256(Array(text.utf8))
    }

    /// Chart.lock as Helm writes it (keys sorted, repository always written).
    public static func lockText(_ lock: [Locked], digest: String, generated: String) throws -> String {
        let deps: [Value] = lock.map { l in
            var m: [String: Value] = ["name": .string(l.name), "repository": .string(l.repository)]
            if !l.version.isEmpty { m["version"] = .string(l.version) }
            return .map(m)
        }
        return try YAMLWriter.marshal(.map(["dependencies": .list(deps), "digest": .string(digest), "generated": .string(generated)]))
    }

    public static func readLock(_ path: String) throws -> (deps: [Locked], digest: String)? {
        guard FileSystem.kind(path) == .file else { return nil }
        let parsed: Value?
        do { parsed = try YAML.load(try FileSystem.readText(path)) } catch let e as YAMLError {
            throw ChartError("\(Self.base(path)): \(e.message)")
        }
        guard case .map(let m)? = parsed else { return nil }
        var out: [Locked] = []
        if case .list(let l)? = m.entries["dependencies"] {
            for item in l.items {
                guard case .map(let d) = item else { continue }
                out.append(Locked(name: d.entries["name"]?.stringValue ?? "", version: d.entries["version"]?.stringValue ?? "",
                                  repository: d.entries["repository"]?.stringValue ?? ""))
            }
        }
        return (out, m.entries["digest"]?.stringValue ?? "")
    }

    // MARK: list

    /// `helm dependency list`: the table of dependencies and their state in charts/, then
    /// warnings for charts there that Chart.yaml does not name.
    /// `maxColumnWidth`: helm's --max-col-width (uitable's MaxColWidth).
    public func list(_ dir: String, maxColumnWidth: Int = 80) throws -> String {
        let chart = try ChartLoader.load(path: dir)
        let deps = chart.metadata.dependencies
        let chartsDir = dir + "/charts"
        if deps.isEmpty { return "WARNING: no dependencies at \(chartsDir)\n" }
        var rows = [["NAME", "VERSION", "REPOSITORY", "STATUS"]]
        for d in deps { rows.append([d.name, d.version, d.repository, status(d, chart: chart, dir: dir)]) }
        var out = PaddedTable.render(rows, maxWidth: maxColumnWidth) + "\n\n"
        for f in ((try? FileSystem.list(chartsDir)) ?? []).sorted() {
            let p = chartsDir + "/" + f
            guard FileSystem.kind(p) == .directory || f.hasSuffix(".tgz") else { continue }
            guard let c = try? ChartLoader.load(path: p) else { out += "WARNING: \"\(p)\" is not a chart.\n"; continue }
            if !deps.contains(where: { $0.name == c.name }) { out += "WARNING: \"\(p)\" is not in Chart.yaml.\n" }
        }
        return out
    }

    func status(_ d: Dependency, chart: Chart, dir: String) -> String {
        func versionStatus(_ have: String) -> String? {
            if have == d.version { return nil }
            guard let c = try? Constraints(d.version), let v = try? Version(have) else { return "invalid version" }
            return c.check(v) ? nil : "wrong version"
        }
        let archives = ((try? FileSystem.list(dir + "/charts")) ?? []).filter { $0.hasPrefix(d.name + "-") && $0.hasSuffix(".tgz") }.sorted()
        var candidates = archives
        if archives.count > 1 {
            candidates = archives.filter { (try? Version(String($0.dropFirst(d.name.count + 1).dropLast(4)))) != nil }
            if candidates.count > 1 { return "too many matches" }
        }
        if candidates.count == 1 {
            guard let c = try? ChartLoader.load(path: dir + "/charts/" + candidates[0]) else { return "corrupt" }
            if c.name != d.name { return "misnamed" }
            return versionStatus(c.metadata.version) ?? "ok"
        }
        guard let sub = chart.dependencies.last(where: { $0.name == d.name }) else { return "missing" }
        return versionStatus(sub.metadata.version) ?? "unpacked"
    }

    // MARK: update / build

    /// `helm dependency update`: resolves every dependency to a version, writes the lock, and
    /// downloads them into charts/.
    public func update(_ dir: String) async throws {
        let req = try Self.requested(dir)
        if req.isEmpty { say("No dependencies found, skipping."); return }
        let locked = try await resolve(req, dir: dir)
        try await download(locked, dir: dir)
        let text = try Self.lockText(locked, digest: try Self.digest(req, locked), generated: Timestamp.now())
        try FileSystem.writeAtomically(try Self.files(dir).lock, Array(text.utf8))
    }

    /// `helm dependency build`: the versions of the lock, downloaded into charts/; without a
    /// lock, an update. A lock that no longer matches Chart.yaml is refused, as Helm refuses it.
    public func build(_ dir: String) async throws {
        let (_, lockPath) = try Self.files(dir)
        guard let lock = try Self.readLock(lockPath) else { try await update(dir); return }
        let req = try Self.requested(dir)
        if try Self.digest(req, lock.deps) != lock.digest {
            throw SourceError.dependency("the lock file (\(Self.base(lockPath))) is out of sync with the dependencies file (\(Self.base(try Self.files(dir).deps))). Please update the dependencies")
        }
        try await download(lock.deps, dir: dir)
    }

    /// `@name` and `alias:name` name a repository of repositories.yaml.
    func repositoryURL(_ repo: String) throws -> String {
        var name: String? = nil
        if repo.hasPrefix("@") { name = String(repo.dropFirst()) }
        if repo.hasPrefix("alias:") { name = String(repo.dropFirst("alias:".count)) }
        guard let name else { return repo }
        guard let e = try RepositoryFile.load(paths.repositoryConfig).entry(named: name) else {
            throw SourceError.dependency("no repository definition for \(repo). Please add them via 'helm repo add'")
        }
        return e.url
    }

    func resolve(_ req: [Requested], dir: String) async throws -> [Locked] {
        var out: [Locked] = []
        var missing: [String] = []
        try await withFetcher { fetcher in
            for d in req {
                var l = Locked(name: d.name, version: d.version, repository: d.repository)
                if d.repository.isEmpty {
                    let local = dir + "/charts/" + d.name
                    if FileSystem.kind(local) == .missing { throw SourceError.dependency("directory \(local) not found") }
                } else if d.repository.hasPrefix("file://") {
                    l.version = try ChartLoader.load(directory: try Self.localPath(d.repository, dir)).metadata.version
                } else {
                    let url = try repositoryURL(d.repository)
                    if (try? Constraints(d.version)) == nil {
                        throw SourceError.dependency("dependency \"\(d.name)\" has an invalid version/constraint format: \(d.version)")
                    }
                    do {
                        if url.hasPrefix("oci://") {
                            let full = url.hasSuffix("/") ? url + d.name : url + "/" + d.name
                            let registry = OCIRegistry(http: fetcher.fetcher, plainHTTP: options.plainHTTP)
                            l.version = try await registry.resolve(try OCIRegistry.Reference.parse(full), version: d.version)
                        } else {
                            let index = try await fetcher.index(repository: ChartFetcher.canonicalRepository(url).url)
                            l.version = try index.resolve(name: d.name, version: d.version, repository: url).version
                        }
                    } catch SourceError.versionNotFound {
                        missing.append(d.name)
                    }
                }
                out.append(l)
            }
        }
        if !missing.isEmpty {
            throw SourceError.dependency("can't get a valid version for repositories \(missing.joined(separator: ", ")). Try changing the version constraint in Chart.yaml")
        }
        return out
    }

    /// Places the locked versions in charts/ and removes the archives that were there before
    /// and are not among them ("Deleting outdated charts").
    func download(_ locked: [Locked], dir: String) async throws {
        let chartsDir = dir + "/charts"
        try FileSystem.makeDirectories(chartsDir)
        let before = ((try? FileSystem.list(chartsDir)) ?? []).filter { $0.hasSuffix(".tgz") }
        say("Saving \(locked.count) charts")
        var written: Set<String> = []
        try await withFetcher { fetcher in
            for l in locked {
                if l.repository.isEmpty {
                    say("Dependency \(l.name) did not declare a repository. Assuming it exists in the charts directory")
                    continue
                }
                if l.repository.hasPrefix("file://") {
                    let p = try ChartPackager.package(directory: try Self.localPath(l.repository, dir))
                    try FileSystem.writeAtomically(chartsDir + "/" + p.fileName, p.bytes)
                    written.insert(p.fileName)
                    continue
                }
                let url = try repositoryURL(l.repository)
                say("Downloading \(l.name) from repo \(l.repository)")
                let fetched: ChartFetcher.Fetched
                let fileName: String
                if url.hasPrefix("oci://") {
                    fetched = try await fetcher.fetchOCI(repository: url, name: l.name, version: l.version)
                    fileName = "\(l.name)-\(l.version).tgz"
                } else {
                    fetched = try await fetcher.fetch(repository: url, name: l.name, version: l.version)
                    fileName = ChartLocator.lastComponent(String(fetched.url.split(separator: "?")[0]))
                }
                try FileSystem.writeAtomically(chartsDir + "/" + fileName, fetched.bytes)
                written.insert(fileName)
            }
        }
        say("Deleting outdated charts")
        for f in before where !written.contains(f) && !locked.contains(where: { $0.repository.isEmpty && f.hasPrefix($0.name + "-") }) {
            FileSystem.remove(chartsDir + "/" + f)
        }
    }

    /// A `file://` repository: absolute, or relative to the chart folder.
    static func localPath(_ repo: String, _ dir: String) throws -> String {
        let p = String(repo.dropFirst("file://".count))
        let path = p.hasPrefix("/") ? p : dir + "/" + p
        guard FileSystem.kind(path) == .directory else { throw SourceError.dependency("directory \(path) not found") }
        return path
    }

    func withFetcher(_ body: (ChartFetcher) async throws -> Void) async throws {
        let fetcher = try ChartFetcher(cache: cache, options: options, warn: warn)
        do { try await body(fetcher); await fetcher.shutdown() } catch { await fetcher.shutdown(); throw error }
    }

    static func base(_ path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }
}

/// uitable's layout as Helm's chart commands print it: every cell padded to its column's width
/// (the last one too), cells cut to `maxWidth` with "...", columns joined by a tab.
public enum PaddedTable {
    public static func render(_ rows: [[String]], maxWidth: Int) -> String {
        func cut(_ s: String) -> String { s.count > maxWidth ? String(s.prefix(max(0, maxWidth - 3))) + "..." : s }
        let cells = rows.map { $0.map(cut) }
        let n = cells.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: n)
        for r in cells { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        return cells.map { r in
            r.enumerated().map { i, c in c + String(repeating: " ", count: widths[i] - c.count) }.joined(separator: "\t")
        }.joined(separator: "\n")
    }
}
