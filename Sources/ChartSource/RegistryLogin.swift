import Values
import FileIO
import NIOHTTP1

/// `helm registry login|logout`: credentials checked against the registry, then kept in Helm's
/// registry config.json (`auths.HOST.auth` = base64 of user:password), in the layout Helm (oras)
/// writes: tab-indented JSON, keys sorted, other entries of the file kept.
public struct RegistryLogin: Sendable {
    public let configPath: String

    public init(configPath: String) { self.configPath = configPath }

    /// Asks `/v2/` of the registry with the credentials (answering a Bearer challenge with them),
    /// then saves them.
    public func login(host: String, username: String, password: String, http: HTTPFetcher, plainHTTP: Bool) async throws {
        let registry = OCIRegistry(http: http, plainHTTP: plainHTTP, credentials: [host: (username, password)])
        let ref = OCIRegistry.Reference(host: host, repository: "")
        let url = "\(plainHTTP ? "http" : "https")://\(host)/v2/"
        var token: String? = nil
        let r: (status: Int, headers: [(String, String)], body: [UInt8])
        do { r = try await registry.send(.GET, url, ref, token: &token) } catch SourceError.download(_, let reason) {
            throw SourceError.unsupported("authenticating to \"\(host)\": Get \"\(url)\": \(reason)")
        }
        guard (200..<300).contains(r.status) else {
            throw SourceError.unsupported("authenticating to \"\(host)\": GET \"\(url)\": response status code \(r.status): \(Self.errorText(r.body))")
        }
        var auths = try load()
        auths[host] = .map(["auth": .string(Base64.encode(Array("\(username):\(password)".utf8)))])
        try save(auths)
    }

    /// Removes the host's entry (nothing to remove is not an error, as with Helm).
    public func logout(host: String) throws {
        var auths = try load()
        auths[host] = nil
        try save(auths)
    }

    var document: [String: Value] {
        get throws {
            guard FileSystem.kind(configPath) == .file else { return [:] }
            let text = try FileSystem.readText(configPath)
            if text.allSatisfy(\.isWhitespace) { return [:] }
            guard case .map(let m) = try JSON.decode(text) else { throw SourceError.badConfig(configPath, "not a JSON object") }
            return m.entries
        }
    }

    func load() throws -> [String: Value] {
        do {
            if case .map(let a)? = try document["auths"] { return a.entries }
            return [:]
        } catch let e as JSON.SyntaxError { throw SourceError.badConfig(configPath, "line \(e.line): \(e.message)") }
    }

    func save(_ auths: [String: Value]) throws {
        var doc = (try? document) ?? [:]
        doc["auths"] = .map(auths)
        if let slash = configPath.lastIndex(of: "/") { try FileSystem.makeDirectories(String(configPath[..<slash])) }
        try FileSystem.writeAtomically(configPath, Array(try JSONEncoding.encodeIndented(.map(doc), indent: "\t").utf8))
    }

    /// The registry's error body, as `CODE_MESSAGE` pairs Helm prints ("unauthorized: authentication required").
    static func errorText(_ body: [UInt8]) -> String {
        guard case .map(let m)? = try? JSON.decode(String(decoding: body, as: UTF8.self)), case .list(let errs)? = m.entries["errors"] else {
            return String(decoding: body.prefix(200), as: UTF8.self)
        }
        return errs.items.compactMap { e -> String? in
            guard case .map(let em) = e else { return nil }
            return "\((em.entries["code"]?.stringValue ?? "").lowercased()): \(em.entries["message"]?.stringValue ?? "")"
        }.joined(separator: "; ")
    }
}

extension OCIRegistry {
    /// A registry client with the given credentials instead of those of the config files.
    init(http: HTTPFetcher, plainHTTP: Bool, credentials: [String: (String, String)]) {
        self.http = http
        self.plainHTTP = plainHTTP
        self.credentials = credentials
    }
}
