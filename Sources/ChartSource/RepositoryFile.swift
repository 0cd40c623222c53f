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
        public var certFile = ""
        public var keyFile = ""
        public var insecureSkipTLSVerify = false
        public var passCredentialsAll = false
        public init() {}

        /// The entry as helm writes it (sigs.k8s.io/yaml: every field, keys sorted).
        var value: Value {
            .map(["caFile": .string(caFile), "certFile": .string(certFile), "insecure_skip_tls_verify": .bool(insecureSkipTLSVerify),
                  "keyFile": .string(keyFile), "name": .string(name), "pass_credentials_all": .bool(passCredentialsAll),
                  "password": .string(password), "url": .string(url), "username": .string(username)])
        }

        /// Whether `helm repo add` would find nothing to change (helm compares the whole entry).
        public func sameConfiguration(as o: Entry) -> Bool {
            (name, url, username, password, caFile) == (o.name, o.url, o.username, o.password, o.caFile)
                && (certFile, keyFile) == (o.certFile, o.keyFile) && insecureSkipTLSVerify == o.insecureSkipTLSVerify && passCredentialsAll == o.passCredentialsAll
        }
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
            e.certFile = r.entries["certFile"]?.stringValue ?? ""
            e.keyFile = r.entries["keyFile"]?.stringValue ?? ""
            if case .bool(let b)? = r.entries["insecure_skip_tls_verify"] { e.insecureSkipTLSVerify = b }
            if case .bool(let b)? = r.entries["pass_credentials_all"] { e.passCredentialsAll = b }
            if !e.name.isEmpty { out.repositories.append(e) }
        }
        return out
    }

    public func entry(named name: String) -> Entry? { repositories.first { $0.name == name } }

    /// Adds or replaces the entry of that name, keeping the others' order.
    public mutating func set(_ e: Entry) {
        if let i = repositories.firstIndex(where: { $0.name == e.name }) { repositories[i] = e } else { repositories.append(e) }
    }

    /// Writes the file as helm does (its layout, mode 0600), atomically.
    public func write(_ path: String) throws {
        let doc: Value = .map(["apiVersion": .string(""), "generated": .string("0001-01-01T00:00:00Z"),
                               "repositories": .list(repositories.map(\.value))])
        let text = try YAMLWriter.marshal(doc)
        if let slash = path.lastIndex(of: "/") { try FileSystem.makeDirectories(String(path[..<slash])) }
        try FileSystem.writeAtomically(path, Array(text.utf8), mode: 0o600)
    }

    /// The configured repository whose URL is `url` (trailing slashes aside).
    public func entry(url: String) -> Entry? {
        func norm(_ s: String) -> String { var s = s; while s.hasSuffix("/") { s.removeLast() }; return s }
        return repositories.first { norm($0.url) == norm(url) }
    }
}
