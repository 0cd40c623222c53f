import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOSSL
import Values
import FileIO
#if canImport(Glibc)
import Glibc
#endif

/// An error the API server answered with, decoded from its `Status` body.
public struct KubeAPIError: Error, CustomStringConvertible, Sendable {
    public enum Reason: String, Sendable {
        case notFound = "NotFound", alreadyExists = "AlreadyExists", conflict = "Conflict", invalid = "Invalid"
        case forbidden = "Forbidden", unauthorized = "Unauthorized", tooManyRequests = "TooManyRequests"
        case badRequest = "BadRequest", gone = "Gone", expired = "Expired", methodNotAllowed = "MethodNotAllowed"
        case unsupportedMediaType = "UnsupportedMediaType", internalError = "InternalError", serviceUnavailable = "ServiceUnavailable"
        case timeout = "Timeout", unknown = ""
    }
    public struct Cause: Sendable, Equatable {
        public let reason: String, message: String, field: String
        public init(reason: String, message: String, field: String) { self.reason = reason; self.message = message; self.field = field }
    }

    public let code: Int
    public let reason: Reason
    public let message: String
    public let causes: [Cause]

    public var description: String {
        switch reason {
        case .unauthorized: return "the server rejected the credentials (401 Unauthorized): \(message)"
        case .forbidden: return "forbidden (403): \(message)"
        default: return message.isEmpty ? "the server answered \(code)" : message
        }
    }

    /// Decodes a response body: a `Status` when the server sent one, else the status code alone.
    public static func decode(code: Int, body: [UInt8]) -> KubeAPIError {
        let text = String(decoding: body, as: UTF8.self)
        guard case .map(let m)? = try? JSON.decode(text), m.entries["kind"]?.stringValue == "Status" else {
            let fallback: Reason = code == 404 ? .notFound : code == 401 ? .unauthorized : code == 403 ? .forbidden : code == 429 ? .tooManyRequests : .unknown
            return KubeAPIError(code: code, reason: fallback, message: text.isEmpty ? "the server answered \(code)" : text.trimmingSpace(), causes: [])
        }
        var causes: [Cause] = []
        if case .map(let d)? = m.entries["details"], case .list(let l)? = d.entries["causes"] {
            for c in l.items {
                guard case .map(let cm) = c else { continue }
                causes.append(Cause(reason: cm.entries["reason"]?.stringValue ?? "", message: cm.entries["message"]?.stringValue ?? "",
                                    field: cm.entries["field"]?.stringValue ?? ""))
            }
        }
        var statusCode = code
        if case .float(let f, _)? = m.entries["code"] { statusCode = Int(f) }
        return KubeAPIError(code: statusCode, reason: Reason(rawValue: m.entries["reason"]?.stringValue ?? "") ?? .unknown,
                            message: m.entries["message"]?.stringValue ?? "", causes: causes)
    }
}

/// The connection could not be made or secured; says which server and which CA were involved.
public struct KubeConnectionError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// A Kubernetes API client over async-http-client: TLS with the kubeconfig's CA, client
/// certificates, bearer tokens (inline or from a file, read per request), basic auth;
/// retries with backoff for 429 and 5xx on idempotent requests, honouring Retry-After.
public final class KubeClient: Sendable {
    public let access: ClusterAccess
    let http: HTTPClient
    let userAgent: String
    let maxAttempts: Int
    let exec: ExecCredentials?
    /// Requests sent, by method; traced one a line when it was made with a trace.
    public let stats: RequestStats

    /// How requests travel. HTTP/2 multiplexes a command's burst over one TLS connection; over
    /// HTTP/1.1 each concurrent request needs a connection (and a handshake) of its own, but a
    /// request on a kept connection costs far less CPU than opening an HTTP/2 stream, which
    /// async-http-client builds as a channel with its own pipeline per request. A long-running
    /// process that sends thousands of requests over a few kept connections (the operator) is
    /// cheaper on HTTP/1.1.
    public enum Transport: String, Sendable {
        case negotiated, http1
    }

    /// `connectTimeout` bounds how long a connection (and its TLS handshake, which
    /// async-http-client retries) may take.
    public init(access: ClusterAccess, userAgent: String = "hrctl", maxAttempts: Int = 4, connectTimeout: Int64 = 10,
                stats: RequestStats = RequestStats(), transport: Transport = .negotiated) throws {
        self.access = access
        self.stats = stats
        self.userAgent = userAgent
        self.maxAttempts = maxAttempts
        self.exec = access.exec.map { ExecCredentials(plugin: $0, server: access.server) }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = access.certificateAuthority {
            do { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca)) } catch {
                throw KubeConnectionError(description: "the certificate authority \(access.certificateAuthoritySource ?? "") is not valid PEM: \(error)")
            }
        }
        if access.insecureSkipTLSVerify { tls.certificateVerification = .none }
        if let cert = access.clientCertificate, let key = access.clientKey {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(cert).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
            } catch {
                throw KubeConnectionError(description: "the client certificate or key of context \"\(access.contextName)\" is not valid PEM: \(error)")
            }
        }
        var config = HTTPClient.Configuration(tlsConfiguration: tls)
        config.timeout = .init(connect: .seconds(connectTimeout), read: .seconds(60))
        // The pool would retry a refused connection until the connect timeout, for each of our
        // attempts: a stopped API server kept a command waiting ~40 s (80 s mid-apply) before
        // it said so. Our own attempts, with backoff, retry instead.
        config.connectionPool.retryConnectionEstablishment = false
        // Actions send up to 16 requests at once (one install-order group), and each watch holds
        // a connection for as long as it runs (over HTTP/1.1, as with the loopback test server):
        // an operator's dozen watches would otherwise leave none for its requests.
        config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        if transport == .http1 { config.httpVersion = .http1Only }
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    public func shutdown() async throws { try await http.shutdown() }

    // A client dropped without shutdown() (a test or command that failed early) still releases its
    // connections instead of tripping async-http-client's leak check.
    deinit { try? http.syncShutdown() }

    func authorization() async throws -> String? {
        if let exec, let t = try await exec.credential().token { return "Bearer " + t }
        if let t = access.token { return "Bearer " + t }
        if let f = access.tokenFile {
            let t = try FileSystem.readText(f).trimmingSpace()
            return "Bearer " + t
        }
        if let u = access.username, let p = access.password { return "Basic " + Base64.encode(Array("\(u):\(p)".utf8)) }
        return nil
    }

    /// Sends one request; returns the decoded JSON body, or throws KubeAPIError for non-2xx answers.
    /// `idempotent` marks a request safe to repeat (server-side apply is); GET, PUT and DELETE always are.
    /// `accept` replaces `application/json` (e.g. a metadata-only list); `decode: false` skips
    /// reading a successful answer (the caller needs only to know it succeeded).
    public func request(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: Value? = nil,
                        contentType: String = "application/json", accept: String? = nil, idempotent: Bool = false,
                        decode: Bool = true) async throws -> Value {
        let bytes = try await send(method, path, query: query, body: body, contentType: contentType, accept: accept, idempotent: idempotent)
        if bytes.isEmpty || !decode { return .null }
        do { return try JSON.decode(String(decoding: bytes, as: UTF8.self)) } catch {
            throw KubeConnectionError(description: "\(method.rawValue) \(path): the server's answer is not JSON: \(error)")
        }
    }

    /// A GET whose answer is wanted as the server sent it, undecoded (with the same retries
    /// and errors as `request`): for callers that read only part of a large answer.
    public func requestBytes(_ path: String, query: [(String, String)] = [], accept: String? = nil) async throws -> [UInt8] {
        try await send(.GET, path, query: query, accept: accept)
    }

    /// A request whose answer is text, not JSON (a Pod's log).
    public func requestText(_ method: HTTPMethod, _ path: String, query: [(String, String)] = []) async throws -> String {
        String(decoding: try await send(method, path, query: query, accept: "*/*"), as: UTF8.self)
    }

    /// One request with retries; the body of a successful answer.
    func send(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: Value? = nil,
              contentType: String = "application/json", accept: String? = nil, idempotent: Bool = false) async throws -> [UInt8] {
        let url = self.url(path, query)
        let payload = try body.map { Array(try JSONEncoding.encode($0, escapeHTML: false).utf8) }
        let idempotent = idempotent || [HTTPMethod.GET, .HEAD, .PUT, .DELETE].contains(method)
        var attempt = 0
        while true {
            attempt += 1
            var req = try await self.request(url, method)
            if let accept { req.headers.replaceOrAdd(name: "Accept", value: accept) }
            if let payload {
                req.headers.add(name: "Content-Type", value: contentType)
                req.body = .bytes(ByteBuffer(bytes: payload))
            }
            let response: HTTPClientResponse
            let started = RequestStats.now()
            do {
                response = try await http.execute(req, timeout: .seconds(60))
            } catch {
                stats.record(method.rawValue, KubeClient.shown(path, query), status: nil, since: started)
                // A connection never made sent nothing: any request may be tried again.
                if (idempotent || KubeClient.neverConnected(error)) && attempt < maxAttempts {
                    try await Task.sleep(nanoseconds: UInt64(200_000_000 << (attempt - 1))); continue
                }
                throw KubeConnectionError(description: connectionMessage(error))
            }
            let bytes = Array(buffer: try await response.body.collect(upTo: 256 << 20))
            let code = Int(response.status.code)
            stats.record(method.rawValue, KubeClient.shown(path, query), status: code, since: started)
            if (code == 429 || code >= 500) && idempotent && attempt < maxAttempts {
                var delay = 0.2 * Double(1 << (attempt - 1))
                if let ra = response.headers.first(name: "Retry-After"), let s = Double(ra) { delay = min(s, 30) }
                try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                continue
            }
            guard (200..<300).contains(code) else { throw KubeAPIError.decode(code: code, body: bytes) }
            return bytes
        }
    }

    /// A request as the trace shows it: the path and the query, unescaped.
    static func shown(_ path: String, _ query: [(String, String)]) -> String {
        query.isEmpty ? path : path + "?" + query.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    func url(_ path: String, _ query: [(String, String)]) -> String {
        var url = access.server.hasSuffix("/") ? String(access.server.dropLast()) : access.server
        url += path
        if !query.isEmpty { url += "?" + query.map { "\(PercentEncoding.escape($0.0))=\(PercentEncoding.escape($0.1))" }.joined(separator: "&") }
        return url
    }

    func request(_ url: String, _ method: HTTPMethod) async throws -> HTTPClientRequest {
        var req = HTTPClientRequest(url: url)
        req.method = method
        req.headers.add(name: "User-Agent", value: userAgent)
        req.headers.add(name: "Accept", value: "application/json")
        if let auth = try await authorization() { req.headers.add(name: "Authorization", value: auth) }
        if let user = access.impersonateUser { req.headers.add(name: "Impersonate-User", value: user) }
        for g in access.impersonateGroups { req.headers.add(name: "Impersonate-Group", value: g) }
        return req
    }

    func connectionMessage(_ error: Error) -> String { KubeClient.connectionMessage(error, access) }

    static func neverConnected(_ error: Error) -> Bool {
        let text = String(describing: error)
        return text.contains("Connection refused") || text.contains("connectTimeout")
    }

    static func connectionMessage(_ error: Error, _ access: ClusterAccess) -> String {
        let text = "\(error)"
        if text.contains("certificate") || text.contains("handshake") || text.contains("SSL") || text.contains("TLS") {
            let ca = access.certificateAuthoritySource.map { "the certificate authority from \($0)" } ?? "the system's certificate authorities"
            return "cannot establish a trusted TLS connection to \(access.server) with \(ca): \(text)"
        }
        return "cannot reach \(access.server): \(text)"
    }

}

extension String {
    func trimmingSpace() -> String {
        var s = self[...]
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
