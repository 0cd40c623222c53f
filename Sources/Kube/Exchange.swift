import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// One request exactly as given and the server's answer as it came (status, content type,
/// bytes), without retries or decoding: for comparing servers answer by answer.
public struct RawAnswer: Sendable {
    public let status: Int
    public let contentType: String?
    public let body: [UInt8]
}

extension KubeClient {
    public func exchange(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
                         contentType: String = "application/json", accept: String? = nil) async throws -> RawAnswer {
        var req = try await request(url(path, query), method)
        if let accept { req.headers.replaceOrAdd(name: "Accept", value: accept) }
        if let body {
            req.headers.add(name: "Content-Type", value: contentType)
            req.body = .bytes(ByteBuffer(bytes: body))
        }
        let started = RequestStats.now()
        let response = try await http.execute(req, timeout: .seconds(60))
        let bytes = Array(buffer: try await response.body.collect(upTo: 64 << 20))
        stats.record(method.rawValue, KubeClient.shown(path, query), status: Int(response.status.code), since: started)
        return RawAnswer(status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"), body: bytes)
    }
}
