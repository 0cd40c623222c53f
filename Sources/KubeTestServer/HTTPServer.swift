import NIOCore
import NIOPosix
import NIOHTTP1
import NIOSSL
import Values
import KubeAPIServer

/// The loopback Kubernetes API server: HTTPS on 127.0.0.1 with client-certificate and bearer
/// token authentication, serving `APIServerCore`.
public final class KubeTestServer: @unchecked Sendable {
    public let core: APIServerCore
    public let credentials: TestCredentials
    /// Bearer tokens accepted besides client certificates.
    public var tokens: Set<String>
    /// Called with one line per request answered ("METHOD URI CONTENT-TYPE -> STATUS"), for debugging.
    public var requestLog: (@Sendable (String) -> Void)?
    let group: MultiThreadedEventLoopGroup
    var channel: Channel?
    var ticker: RepeatedTask?

    public init(credentials: TestCredentials? = nil, tokens: Set<String> = []) throws {
        self.credentials = try credentials ?? TestCredentials.generate()
        self.tokens = tokens
        self.core = APIServerCore(rootCA: self.credentials.caPEM)
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// Starts listening; returns the bound port.
    @discardableResult
    public func start(port: Int = 0) throws -> Int {
        let ca = try NIOSSLCertificate(bytes: Array(credentials.caPEM.utf8), format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(credentials.serverCertPEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(credentials.serverKeyPEM.utf8), format: .pem)))
        tls.trustRoots = .certificates([ca])
        tls.certificateVerification = .optionalVerification
        let context = try NIOSSLContext(configuration: tls)
        let server = self
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(server: server))
                }
            }
        let ch = try bootstrap.bind(host: "127.0.0.1", port: port).wait()
        channel = ch
        // Time passes for watchers: simulated controllers act and bookmarks go out.
        let core = self.core
        ticker = group.next().scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { _ in core.tick() }
        return ch.localAddress?.port ?? port
    }

    public func url(port: Int) -> String { "https://127.0.0.1:\(port)" }

    public func stop() {
        ticker?.cancel()
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// Who is calling: a verified client certificate's common name, a known bearer token, or nobody.
    enum Caller { case user(String), badToken, anonymous }

    static let publicPaths: Set<String> = ["/version", "/api", "/apis", "/healthz", "/readyz", "/livez", "/openapi/v2", "/openapi/v3"]

    func respond(to req: APIRequest, caller: Caller) -> APIResponse {
        switch caller {
        case .user:
            return core.handle(req)
        case .badToken:
            return APIResponse(status: 401, body: APIError(code: 401, reason: "Unauthorized", message: "Unauthorized").body)
        case .anonymous:
            if KubeTestServer.publicPaths.contains(req.path) || req.path.hasPrefix("/apis/") && req.path.split(separator: "/").count <= 3
                || req.path.hasPrefix("/api/") && req.path.split(separator: "/").count <= 2 {
                return core.handle(req)
            }
            return APIResponse(status: 403, body: forbidden(req).body)
        }
    }

    func forbidden(_ req: APIRequest) -> APIError {
        let parts = req.path.split(separator: "/").map(String.init)
        var group = "", rest = parts
        if parts.first == "apis", parts.count >= 3 { group = parts[1]; rest = Array(parts.dropFirst(3)) } else { rest = Array(parts.dropFirst(2)) }
        var namespace: String? = nil
        if rest.count >= 3, rest[0] == "namespaces" { namespace = rest[1]; rest = Array(rest.dropFirst(2)) }
        let resource = rest.first ?? ""
        let verb: String
        switch req.method {
        case "GET": verb = rest.count > 1 ? "get" : (req.query["watch"] == "true" ? "watch" : "list")
        case "POST": verb = "create"
        case "PUT": verb = "update"
        case "PATCH": verb = "patch"
        case "DELETE": verb = rest.count > 1 ? "delete" : "deletecollection"
        default: verb = req.method.lowercased()
        }
        let scope = namespace.map { "in the namespace \"\($0)\"" } ?? "at the cluster scope"
        let name = rest.count > 1 ? "\(resource) \"\(rest[1])\"" : resource
        return APIError(code: 403, reason: "Forbidden",
                        message: "\(name) is forbidden: User \"system:anonymous\" cannot \(verb) resource \"\(resource)\" in API group \"\(group)\" \(scope)",
                        details: rest.count > 1 ? ["name": .string(rest[1]), "kind": .string(resource)] : ["kind": .string(resource)])
    }
}

final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let server: KubeTestServer
    var head: HTTPRequestHead?
    var body: [UInt8] = []

    init(server: KubeTestServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h; body = []
        case .body(var buf):
            body += buf.readBytes(length: buf.readableBytes) ?? []
        case .end:
            guard let head else { return }
            respond(context: context, head: head)
            self.head = nil
        }
    }

    func caller(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) -> KubeTestServer.Caller {
        if let auth = head.headers.first(name: "Authorization"), auth.hasPrefix("Bearer ") {
            return server.tokens.contains(String(auth.dropFirst(7))) ? .user("token") : .badToken
        }
        if let cert = try? context.pipeline.syncOperations.nioSSL_peerCertificate() {
            return .user(cert.description)
        }
        return .anonymous
    }

    var watchID: Int? = nil

    func channelInactive(context: ChannelHandlerContext) {
        if let id = watchID { server.core.stopWatch(id) }
        watchID = nil
        context.fireChannelInactive()
    }

    /// `GET …?watch=true`: a chunked response of JSON lines, open until `timeoutSeconds`.
    func streamWatch(context: ChannelHandlerContext, head: HTTPRequestHead, req: APIRequest) {
        let channel = context.channel
        let start = server.core.watch(req) { bytes in
            channel.eventLoop.execute {
                var buf = channel.allocator.buffer(capacity: bytes.count)
                buf.writeBytes(bytes)
                channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buf)), promise: nil)
            }
        }
        switch start {
        case .response(let r):
            write(context: context, head: head, status: r.status, body: r.body)
        case .stream(let id, let initial):
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Transfer-Encoding", value: "chunked")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
            for line in initial {
                var buf = context.channel.allocator.buffer(capacity: line.count)
                buf.writeBytes(line)
                context.write(wrapOutboundOut(.body(.byteBuffer(buf))), promise: nil)
            }
            if id < 0 {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                return
            }
            context.flush()
            watchID = id
            let timeout = Int64(req.query["timeoutSeconds"] ?? "") ?? 1800
            let core = server.core
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .seconds(timeout)) {
                let handler = loopBound.value
                guard handler.watchID == id else { return }
                if let b = core.finalBookmark(id) {
                    var buf = channel.allocator.buffer(capacity: b.count)
                    buf.writeBytes(b)
                    channel.write(HTTPServerResponsePart.body(.byteBuffer(buf)), promise: nil)
                }
                core.stopWatch(id)
                handler.watchID = nil
                channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
            }
        }
    }

    func write(context: ChannelHandlerContext, head: HTTPRequestHead, status: Int, body: Value, raw: (String, [UInt8])? = nil) {
        var bytes: [UInt8]
        var headers = HTTPHeaders()
        if let raw {
            bytes = raw.1
            headers.add(name: "Content-Type", value: raw.0)
        } else if case .string(let text) = body {
            bytes = text.bytes
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        } else {
            bytes = Array(((try? JSONEncoding.encode(body, escapeHTML: false)) ?? "{}").utf8)
            headers.add(name: "Content-Type", value: "application/json")
        }
        headers.add(name: "Content-Length", value: String(bytes.count))
        let responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        if head.method == .GET, head.uri.contains("watch=") {
            let req = APIRequest(method: "GET", target: head.uri, contentType: nil, body: nil)
            if req.query["watch"] == "true" || req.query["watch"] == "1" {
                if case .user = caller(context, head) {
                    streamWatch(context: context, head: head, req: req)
                } else {
                    let r = server.respond(to: req, caller: caller(context, head))
                    write(context: context, head: head, status: r.status, body: r.body)
                }
                return
            }
        }
        var value: Value? = nil
        var status = 0
        var responseBody: Value = .null
        var raw: (String, [UInt8])? = nil
        let contentType = head.headers.first(name: "Content-Type").map { String($0.split(separator: ";")[0]) }
        if !body.isEmpty, contentType == "application/vnd.kubernetes.protobuf", let v = try? KubeProtobuf.decode(body) {
            value = v
        } else if !body.isEmpty, let ct = contentType, !ct.hasSuffix("json") && !ct.hasSuffix("yaml") {
            // Only JSON is spoken here; clients fall back to it on 415, as with real servers without protobuf.
            status = 415
            responseBody = APIError(code: 415, reason: "UnsupportedMediaType",
                                    message: "the body of the request was in an unknown format - accepted media types include: application/json, application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml").body
        } else if !body.isEmpty {
            let text = String(decoding: body, as: UTF8.self)
            // Apply patches are YAML (JSON being YAML too); the core decodes them.
            if contentType?.hasSuffix("yaml") == true { value = .string(text) }
            else { do { value = try JSON.decode(text) } catch {
                status = 400
                responseBody = APIError(code: 400, reason: "BadRequest", message: "the request body is not valid JSON: \(error)").body
            } }
        }
        if status == 0 {
            let req = APIRequest(method: head.method.rawValue, target: head.uri,
                                 contentType: head.headers.first(name: "Content-Type").map { String($0.split(separator: ";")[0]) }, body: value)
            let r = server.respond(to: req, caller: caller(context, head))
            status = r.status; responseBody = r.body; raw = r.raw
            switch r.fault {
            case .dropConnection?:
                server.requestLog?("\(head.method.rawValue) \(head.uri) -> connection dropped (injected)")
                context.close(promise: nil)
                return
            case .delay(let seconds)?:
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                let body = responseBody, st = status, answer = raw
                context.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
                    let (handler, ctx) = loopBound.value
                    handler.write(context: ctx, head: head, status: st, body: body, raw: answer)
                }
                return
            default:
                break
            }
            if status == 200, head.method == .GET, head.headers.first(name: "Accept")?.contains("as=Table") == true,
               let table = server.core.table(for: req, answer: r.body) {
                responseBody = table
            }
            if status == 200, head.method == .GET, let partial = server.core.partialMetadata(for: req, accept: head.headers.first(name: "Accept"), answer: r.body) {
                status = partial.status; responseBody = partial.body
            }
        }
        server.requestLog?("\(head.method.rawValue) \(head.uri) \(contentType ?? "-") -> \(status)")
        write(context: context, head: head, status: status, body: responseBody, raw: raw)
    }
}
