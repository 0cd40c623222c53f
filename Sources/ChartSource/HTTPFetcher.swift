import Values
import FileIO
import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOSSL

/// Downloads over HTTP(S) for repositories: custom CA or insecure TLS, basic auth, conditional
/// requests with ETags (or Last-Modified dates when a server sends no ETag), a size cap.
public final class HTTPFetcher: Sendable {
    public struct Options: Sendable {
        public var caFile: String?
        public var insecureSkipTLSVerify = false
        public var username: String?
        public var password: String?
        /// A client certificate and its key (PEM), helm's --cert-file and --key-file.
        public var certFile: String?
        public var keyFile: String?
        public var maxBytes = 256 << 20
        public var timeoutSeconds: Int64 = 60
        /// How long a connection may take (async-http-client keeps retrying a refused one until then).
        public var connectTimeoutSeconds: Int64 = 10
        public init() {}
    }

    public enum Response: Sendable {
        case body([UInt8], etag: String?, lastModified: String?)
        case notModified
    }

    let http: HTTPClient
    let options: Options
    let userAgent: String

    public init(options: Options = Options(), userAgent: String = "hrctl") throws {
        self.options = options
        self.userAgent = userAgent
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = options.caFile {
            do { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(try FileSystem.read(ca))) }
            catch { throw SourceError.download(url: ca, reason: "the CA file is not valid PEM: \(error)") }
        }
        if options.insecureSkipTLSVerify { tls.certificateVerification = .none }
        if let certFile = options.certFile, let keyFile = options.keyFile {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(try FileSystem.read(certFile)).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: try FileSystem.read(keyFile), format: .pem))
            } catch { throw SourceError.download(url: certFile, reason: "the client certificate or key is not valid PEM: \(error)") }
        }
        var config = HTTPClient.Configuration(tlsConfiguration: tls)
        config.timeout = .init(connect: .seconds(options.connectTimeoutSeconds), read: .seconds(options.timeoutSeconds))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    public func shutdown() async { try? await http.shutdown() }

    // A fetcher dropped without shutdown() (an error path, a git-only run) still releases its client.
    deinit { try? http.syncShutdown() }

    public func get(_ url: String, etag: String? = nil, modifiedSince: String? = nil, headers extra: [(String, String)] = []) async throws -> Response {
        var req = HTTPClientRequest(url: url)
        req.headers.add(name: "User-Agent", value: userAgent)
        if let u = options.username, let p = options.password {
            req.headers.add(name: "Authorization", value: "Basic " + Base64.encode(Array("\(u):\(p)".utf8)))
        }
        if let etag { req.headers.add(name: "If-None-Match", value: etag) }
        // A server without ETags (a plain static file server, object storage) still answers 304
        // to the date it sent; without it every look at the index downloads it whole.
        if let modifiedSince { req.headers.add(name: "If-Modified-Since", value: modifiedSince) }
        for (k, v) in extra { req.headers.add(name: k, value: v) }
        var attempt = 0
        while true {
            attempt += 1
            do {
                let resp = try await http.execute(req, timeout: .seconds(options.timeoutSeconds))
                let code = Int(resp.status.code)
                if code == 304 { return .notModified }
                if (code == 429 || code >= 500) && attempt < 3 {
                    _ = try? await resp.body.collect(upTo: 1 << 20)
                    try await Task.sleep(nanoseconds: UInt64(300_000_000 * attempt))
                    continue
                }
                let body: ByteBuffer
                do { body = try await resp.body.collect(upTo: options.maxBytes) } catch {
                    throw SourceError.download(url: url, reason: "larger than \(options.maxBytes >> 20) MiB")
                }
                guard (200..<300).contains(code) else {
                    throw SourceError.download(url: url, reason: "the server answered \(code) \(resp.status.reasonPhrase)")
                }
                return .body(Array(buffer: body), etag: resp.headers.first(name: "ETag"), lastModified: resp.headers.first(name: "Last-Modified"))
            } catch let e as SourceError {
                throw e
            } catch {
                if attempt < 2 { try await Task.sleep(nanoseconds: 300_000_000); continue }
                throw SourceError.download(url: url, reason: "\(error)")
            }
        }
    }

    /// One request as given (no retries, no default credentials): status, headers and body.
    /// Redirects are followed by the client (registries send blobs from storage URLs).
    public func send(_ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil) async throws
        -> (status: Int, headers: [(String, String)], body: [UInt8]) {
        var req = HTTPClientRequest(url: url)
        req.method = method
        req.headers.add(name: "User-Agent", value: userAgent)
        for (k, v) in headers { req.headers.add(name: k, value: v) }
        if let body { req.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let resp = try await http.execute(req, timeout: .seconds(options.timeoutSeconds))
            let bytes: ByteBuffer
            do { bytes = try await resp.body.collect(upTo: options.maxBytes) } catch {
                throw SourceError.download(url: url, reason: "larger than \(options.maxBytes >> 20) MiB")
            }
            return (Int(resp.status.code), resp.headers.map { ($0.name, $0.value) }, Array(buffer: bytes))
        } catch let e as SourceError {
            throw e
        } catch {
            throw SourceError.download(url: url, reason: "\(error)")
        }
    }
}
