import NIOCore
import NIOConcurrencyHelpers
import NIOPosix
import NIOHTTP1
import FileIO
import Values
import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// A plain HTTP file server on 127.0.0.1 for chart repositories in tests and the demo: GET of
/// files under a folder, ETags with If-None-Match (304) or, with `sendsETags` off, only
/// Last-Modified with If-Modified-Since (304), optional basic auth, and a request log.
public final class StaticServer: @unchecked Sendable {
    public let root: String
    public var basicAuth: (user: String, password: String)?
    /// Paths that answer with other bytes than the file's (a tampered download, a broken index).
    public var overrides: [String: [UInt8]] = [:]
    /// Off: answers as servers without ETags do (Last-Modified only).
    public var sendsETags = true
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    var channel: Channel?
    let logLock = NIOLockedValueBox<[String]>([])

    public init(root: String) { self.root = root }

    /// Requests served so far ("GET /index.yaml 200").
    public var log: [String] { logLock.withLockedValue { $0 } }

    @discardableResult
    public func start(port: Int = 0) throws -> Int {
        let server = self
        let ch = try ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(StaticHandler(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: port).wait()
        channel = ch
        return ch.localAddress?.port ?? port
    }

    public func stop() {
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
    }

    func answer(_ head: HTTPRequestHead) -> (HTTPResponseStatus, HTTPHeaders, [UInt8]) {
        var headers = HTTPHeaders()
        if let auth = basicAuth {
            let want = "Basic " + Base64.encode(Array("\(auth.user):\(auth.password)".utf8))
            if head.headers.first(name: "Authorization") != want {
                headers.add(name: "WWW-Authenticate", value: "Basic realm=\"charts\"")
                return (.unauthorized, headers, Array("unauthorized\n".utf8))
            }
        }
        let path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "")
        guard head.method == .GET || head.method == .HEAD, !path.contains("..") else { return (.notFound, headers, Array("not found\n".utf8)) }
        let bytes: [UInt8]
        if let o = overrides[path] { bytes = o } else {
            guard FileSystem.kind(root + path) == .file, let b = try? FileSystem.read(root + path) else { return (.notFound, headers, Array("not found\n".utf8)) }
            bytes = b
        }
        if sendsETags {
            let etag = "\"" + SHA256.hash(data: bytes).prefix(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() + "\""
            headers.add(name: "ETag", value: etag)
            if head.headers.first(name: "If-None-Match") == etag { return (.notModified, headers, []) }
        } else {
            let modified = StaticServer.httpDate(overrides[path] != nil ? 0 : FileSystem.info(root + path)?.modified ?? 0)
            headers.add(name: "Last-Modified", value: modified)
            if head.headers.first(name: "If-Modified-Since") == modified { return (.notModified, headers, []) }
        }
        headers.add(name: "Content-Type", value: path.hasSuffix(".yaml") ? "application/x-yaml" : "application/gzip")
        return (.ok, headers, bytes)
    }
}

extension StaticServer {
    /// RFC 7231's IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
    static func httpDate(_ seconds: Int) -> String {
        var t = time_t(seconds)
        var tm = tm()
        gmtime_r(&t, &tm)
        var buf = [CChar](repeating: 0, count: 64)
        let n = strftime(&buf, buf.count, "%a, %d %b %Y %H:%M:%S GMT", &tm)
        return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

final class StaticHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let server: StaticServer
    var head: HTTPRequestHead?

    init(server: StaticServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let head else { return }
            let (status, h, body) = server.answer(head)
            server.logLock.withLockedValue { $0.append("\(head.method.rawValue) \(head.uri) \(status.code)") }
            var headers = h
            headers.add(name: "Content-Length", value: String(body.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            if !body.isEmpty { context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil) }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            self.head = nil
        }
    }
}
