import Values
import YAML
import FileIO

/// Helm's repositories.yaml: the repositories a user added with `helm repo add`, by name.
public struct RepositoryFile: Sendable {
    public struct Entry: Sendable {
        public var name = ""
        public var url = ""
        public var username = ""
        public var password = ""
        public var caFile = ""
        public var insecureSkipTLSVerify = false
    }

    public var repositories: [Entry] = []

    public init(repositories: [Entry] = []) { self.repositories = repositories }

    /// A missing file is no repositories; a broken one is an error naming it.
    public static func load(_ path: String) throws -> RepositoryFile {
        guard FileSystem.kind(path) == .file else { return RepositoryFile() }
        let parsed: Value?
        do { parsed = try YAML.load(try FileSystem.readText(path)) } catch let e as YAMLError {
            throw SourceError.badConfig(path, e.message)
        }
        guard case .map(let m)? = parsed else { return RepositoryFile() }
        guard case .list(let l)? = m.entries["repositories"] else { return RepositoryFile() }
        var out = RepositoryFile()
        for item in l.items {
            guard case .map(let r) = item else { continue }
            var e = Entry()
            e.name = r.entries["name"]?.stringValue ?? ""
            e.url = r.entries["url"]?.stringValue ?? ""
            e.username = r.entries["username"]?.stringValue ?? ""
            e.password = r.entries["password"]?.stringValue ?? ""
            e.caFile = r.entries["caFile"]?.stringValue ?? ""
            if case .bool(let b)? = r.entries["insecure_skip_tls_verify"] { e.insecureSkipTLSVerify = b }
            if !e.name.isEmpty { out.repositories.append(e) }
        }
        return out
    }

    public func entry(named name: String) -> Entry? { repositories.first { $0.name == name } }

    /// The configured repository whose URL is `url` (trailing slashes aside).
    public func entry(url: String) -> Entry? {
        func norm(_ s: String) -> String { var s = s; while s.hasSuffix("/") { s.removeLast() }; return s }
        return repositories.first { norm($0.url) == norm(url) }
    }
}
