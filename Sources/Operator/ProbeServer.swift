import NIOCore
import NIOPosix
import NIOHTTP1

/// `/healthz`, `/readyz` and `/metrics` over plain HTTP, for the kubelet's probes and Prometheus.
public final class ProbeServer: @unchecked Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    var channel: Channel?
    let answer: @Sendable (String) async -> (Int, String)

    /// `answer` maps a path to a status code and a body.
    public init(answer: @escaping @Sendable (String) async -> (Int, String)) { self.answer = answer }

    /// Listens on host:port (port 0: any free port); returns the bound port.
    public func start(host: String, port: Int) throws -> Int {
        let answer = self.answer
        let ch = try ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(ProbeHandler(answer: answer))
                }
            }
            .bind(host: host, port: port).wait()
        channel = ch
        return ch.localAddress?.port ?? port
    }

    public func stop() {
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
    }
}

final class ProbeHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let answer: @Sendable (String) async -> (Int, String)
    var uri = ""

    init(answer: @escaping @Sendable (String) async -> (Int, String)) { self.answer = answer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): uri = h.uri
        case .body: break
        case .end:
            let path = String(uri.split(separator: "?").first ?? "")
            let channel = context.channel
            let answer = self.answer
            Task {
                let (code, body) = await answer(path)
                channel.eventLoop.execute {
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: path == "/metrics" ? "text/plain; version=0.0.4" : "text/plain; charset=utf-8")
                    headers.add(name: "Content-Length", value: String(body.utf8.count))
                    channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: code), headers: headers)), promise: nil)
                    var buf = channel.allocator.buffer(capacity: body.utf8.count)
                    buf.writeString(body)
                    channel.write(HTTPServerResponsePart.body(.byteBuffer(buf)), promise: nil)
                    channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
                }
            }
        }
    }
}
