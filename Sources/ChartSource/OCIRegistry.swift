import Values
import FileIO
import Semver
import NIOHTTP1

/// Charts in OCI registries (`oci://host/path/chart`), as Helm stores them: a manifest whose
/// config is `application/vnd.cncf.helm.config.v1+json` and whose one layer is the packaged chart
/// (`application/vnd.cncf.helm.chart.content.v1.tar+gzip`). Registry v2 API with anonymous or
/// bearer-token auth (the `WWW-Authenticate` challenge) and basic credentials from Docker's or
/// Helm's registry config.json.
public struct OCIRegistry: Sendable {
    public static let manifestType = "application/vnd.oci.image.manifest.v1+json"
    public static let configType = "application/vnd.cncf.helm.config.v1+json"
    public static let chartType = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"

    /// `oci://host[:port]/path/name` split into the registry and the repository.
    public struct Reference: Sendable, Equatable {
        public var host: String
        public var repository: String
        public init(host: String, repository: String) { self.host = host; self.repository = repository }

        public static func parse(_ url: String) throws -> Reference {
            guard url.hasPrefix("oci://") else { throw SourceError.unsupported("\(url) is not an oci:// reference") }
            let rest = url.dropFirst("oci://".count).split(separator: "/", omittingEmptySubsequences: true)
            guard rest.count >= 2 else { throw SourceError.unsupported("\(url): expected oci://HOST/PATH/CHART") }
            return Reference(host: String(rest[0]), repository: rest.dropFirst().joined(separator: "/"))
        }
    }

    let http: HTTPFetcher
    let plainHTTP: Bool
    let credentials: [String: (String, String)]

    public init(http: HTTPFetcher, plainHTTP: Bool = false, environment: [String: String] = Subprocess.environment) {
        self.http = http
        self.plainHTTP = plainHTTP
        self.credentials = OCIRegistry.loadCredentials(environment)
    }

    /// `auths` of Docker's config.json ($DOCKER_CONFIG or ~/.docker) and Helm's registry config.
    static func loadCredentials(_ env: [String: String]) -> [String: (String, String)] {
        var out: [String: (String, String)] = [:]
        let home = env["HOME"] ?? ""
        var files = [(env["DOCKER_CONFIG"] ?? home + "/.docker") + "/config.json"]
        // Helm's own file first: `helm registry login` and `hrctl registry login` write it.
        files.insert(HelmPaths(environment: env).registryConfig, at: 0)
        for f in files {
            guard let text = try? FileSystem.readText(f), case .map(let m)? = try? JSON.decode(text),
                  case .map(let auths)? = m.entries["auths"] else { continue }
            for (host, v) in auths.entries {
                guard case .map(let a) = v, let enc = a.entries["auth"]?.stringValue,
                      case .success(let bytes) = Base64.decode(enc) else { continue }
                let pair = String(decoding: bytes, as: UTF8.self)
                guard let colon = pair.firstIndex(of: ":") else { continue }
                let key = host.replacingPrefix("https://", "").replacingPrefix("http://", "").split(separator: "/").first.map(String.init) ?? host
                if out[key] == nil { out[key] = (String(pair[..<colon]), String(pair[pair.index(after: colon)...])) }
            }
        }
        return out
    }

    func base(_ ref: Reference) -> String { "\(plainHTTP ? "http" : "https")://\(ref.host)/v2/\(ref.repository)" }

    /// Sends a request, answering a 401 challenge once: Bearer (a token from the realm, with
    /// basic credentials when known) or Basic.
    func send(_ method: HTTPMethod, _ url: String, _ ref: Reference, headers: [(String, String)] = [], body: [UInt8]? = nil,
              token: inout String?) async throws -> (status: Int, headers: [(String, String)], body: [UInt8]) {
        var h = headers
        if let token { h.append(("Authorization", token)) }
        let first = try await http.send(method, url, headers: h, body: body)
        guard first.status == 401, token == nil else { return first }
        let challenge = first.headers.first { $0.0.lowercased() == "www-authenticate" }?.1 ?? ""
        let creds = credentials[ref.host] ?? http.options.username.map { ($0, http.options.password ?? "") }
        if challenge.lowercased().hasPrefix("bearer") {
            let params = OCIRegistry.challengeParameters(challenge)
            guard let realm = params["realm"] else { throw SourceError.download(url: url, reason: "401 with a Bearer challenge without a realm") }
            var tokenURL = realm + (realm.contains("?") ? "&" : "?")
            var q: [String] = []
            if let s = params["service"] { q.append("service=" + PercentEncoding.escape(s)) }
            q.append("scope=" + PercentEncoding.escape(params["scope"] ?? "repository:\(ref.repository):pull"))
            tokenURL += q.joined(separator: "&")
            var th: [(String, String)] = []
            if let (u, p) = creds { th.append(("Authorization", "Basic " + Base64.encode(Array("\(u):\(p)".utf8)))) }
            let t = try await http.send(.GET, tokenURL, headers: th)
            guard t.status == 200, case .map(let m)? = try? JSON.decode(String(decoding: t.body, as: UTF8.self)),
                  let value = m.entries["token"]?.stringValue ?? m.entries["access_token"]?.stringValue else {
                throw SourceError.download(url: tokenURL, reason: "the token service answered \(t.status)\(creds == nil ? " (no credentials for \(ref.host) in config.json)" : "")")
            }
            token = "Bearer " + value
        } else if let (u, p) = creds {
            token = "Basic " + Base64.encode(Array("\(u):\(p)".utf8))
        } else {
            throw SourceError.download(url: url, reason: "401 Unauthorized and no credentials for \(ref.host) (docker login or helm registry login)")
        }
        return try await http.send(method, url, headers: headers + [("Authorization", token!)], body: body)
    }

    public static func challengeParameters(_ header: String) -> [String: String] {
        var out: [String: String] = [:]
        let body = header.drop { $0 != " " }.dropFirst()
        var key = "", value = "", inQuotes = false, readingValue = false
        func flush() { if !key.isEmpty { out[key.lowercased()] = value }; key = ""; value = ""; readingValue = false }
        for c in body {
            if inQuotes { if c == "\"" { inQuotes = false } else { value.append(c) }; continue }
            switch c {
            case "=": readingValue = true
            case "\"": inQuotes = true
            case ",": flush()
            case " ": if readingValue && !value.isEmpty { flush() }
            default: if readingValue { value.append(c) } else { key.append(c) }
            }
        }
        flush()
        return out
    }


    /// Tags are versions with `+` written `_` (OCI tags cannot hold `+`).
    public static func tag(_ version: String) -> String { version.replacingOccurrences("+", "_") }

    public func tags(_ ref: Reference) async throws -> [String] {
        var token: String? = nil
        let r = try await send(.GET, base(ref) + "/tags/list", ref, token: &token)
        if r.status == 404 { throw SourceError.chartNotFound(name: ref.repository, repository: "oci://\(ref.host)", suggestions: []) }
        guard r.status == 200, case .map(let m)? = try? JSON.decode(String(decoding: r.body, as: UTF8.self)) else {
            throw SourceError.download(url: base(ref) + "/tags/list", reason: "the registry answered \(r.status)")
        }
        if case .list(let l)? = m.entries["tags"] { return l.items.compactMap(\.stringValue) }
        return []
    }

    /// The version to pull: an exact version as given, else the newest tag matching the range.
    public func resolve(_ ref: Reference, version: String) async throws -> String {
        if !version.isEmpty, (try? Semver.Version(version)) != nil { return version }
        let versions = try await tags(ref).map { $0.replacingOccurrences("_", "+") }
        var index = RepositoryIndex()
        let name = String(ref.repository.split(separator: "/").last ?? "")
        index.entries[name] = versions.map { var v = ChartVersion(); v.name = name; v.version = $0; return v }
        return try index.resolve(name: name, version: version, repository: "oci://\(ref.host)/\(ref.repository)").version
    }

    public struct Pulled: Sendable {
        public var bytes: [UInt8]
        public var digest: String
        public var manifestDigest: String
        public var version: String
    }

    /// The manifest of `version` and its chart layer's digest.
    public func manifest(_ ref: Reference, version: String) async throws -> (layer: String, manifestDigest: String) {
        var token: String? = nil
        let url = base(ref) + "/manifests/" + (version.hasPrefix("sha256:") ? version : OCIRegistry.tag(version))
        let r = try await send(.GET, url, ref, headers: [("Accept", OCIRegistry.manifestType)], token: &token)
        if r.status == 404 {
            let available = (try? await tags(ref)) ?? []
            throw SourceError.versionNotFound(name: ref.repository, version: version, repository: "oci://\(ref.host)", available: available)
        }
        guard r.status == 200 else { throw SourceError.download(url: url, reason: "the registry answered \(r.status)") }
        guard case .map(let m)? = try? JSON.decode(String(decoding: r.body, as: UTF8.self)), case .list(let layers)? = m.entries["layers"] else {
            throw SourceError.download(url: url, reason: "not an OCI image manifest")
        }
        for l in layers.items {
            guard case .map(let lm) = l, let type = lm.entries["mediaType"]?.stringValue,
                  type == OCIRegistry.chartType || type == "application/tar+gzip", let digest = lm.entries["digest"]?.stringValue else { continue }
            let md = r.headers.first { $0.0.lowercased() == "docker-content-digest" }?.1 ?? "sha256:" + ChartCache.sha256(r.body)
            return (digest, md)
        }
        throw SourceError.download(url: url, reason: "the manifest has no Helm chart layer (\(OCIRegistry.chartType)); is this a chart?")
    }

    public func blob(_ ref: Reference, digest: String) async throws -> [UInt8] {
        var token: String? = nil
        let url = base(ref) + "/blobs/" + digest
        let r = try await send(.GET, url, ref, token: &token)
        guard r.status == 200 else { throw SourceError.download(url: url, reason: "the registry answered \(r.status)") }
        let got = "sha256:" + ChartCache.sha256(r.body)
        guard got == digest.lowercased() else { throw SourceError.digestMismatch(url: url, want: digest, got: got) }
        return r.body
    }

    /// `helm push`: the chart archive and its config as blobs, then the manifest under the version's tag.
    public func push(_ archive: [UInt8], metadataJSON: [UInt8], version: String, to ref: Reference) async throws -> String {
        var token: String? = nil
        for blob in [metadataJSON, archive] {
            try await upload(blob, digest: "sha256:" + ChartCache.sha256(blob), to: ref, token: &token)
        }
        let manifest: Value = .map([
            "schemaVersion": .float(2),
            "mediaType": .string(OCIRegistry.manifestType),
            "config": .map(["mediaType": .string(OCIRegistry.configType), "digest": .string("sha256:" + ChartCache.sha256(metadataJSON)),
                            "size": .float(Double(metadataJSON.count))]),
            "layers": .list([.map(["mediaType": .string(OCIRegistry.chartType), "digest": .string("sha256:" + ChartCache.sha256(archive)),
                                   "size": .float(Double(archive.count))])]),
        ])
        let bytes = Array(try JSONEncoding.encode(manifest, escapeHTML: false).utf8)
        let url = base(ref) + "/manifests/" + OCIRegistry.tag(version)
        let r = try await send(.PUT, url, ref, headers: [("Content-Type", OCIRegistry.manifestType)], body: bytes, token: &token)
        guard r.status == 201 else {
            throw SourceError.download(url: url, reason: "the registry answered \(r.status) to the manifest: \(String(decoding: r.body.prefix(300), as: UTF8.self))")
        }
        return "sha256:" + ChartCache.sha256(bytes)
    }
}

extension String {
    func replacingPrefix(_ p: String, _ with: String) -> String { hasPrefix(p) ? with + dropFirst(p.count) : self }
    func replacingOccurrences(_ a: Character, _ b: Character) -> String { String(map { $0 == a ? b : $0 }) }
}
