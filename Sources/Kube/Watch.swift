import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Values

/// One event of a watch stream.
public struct WatchEvent: Sendable {
    public enum Kind: String, Sendable { case added = "ADDED", modified = "MODIFIED", deleted = "DELETED", bookmark = "BOOKMARK" }
    public let kind: Kind
    public let object: Value

    public var resourceVersion: String? {
        if case .map(let m) = object, case .map(let md)? = m.entries["metadata"] { return md.entries["resourceVersion"]?.stringValue }
        return nil
    }
}

/// What to watch: a collection path (`/api/v1/namespaces/NS/configmaps`) and selectors.
public struct WatchTarget: Sendable {
    public var path: String
    public var labelSelector: String?
    public var fieldSelector: String?
    /// Only the objects' metadata (`PartialObjectMetadata`), as client-go's metadata informers
    /// ask: a watch of Secrets then carries names, labels and versions, not every record's data.
    /// A server that ignores the request sends whole objects; callers read only metadata anyway.
    public var metadataOnly = false
    public init(path: String, labelSelector: String? = nil, fieldSelector: String? = nil, metadataOnly: Bool = false) {
        self.path = path; self.labelSelector = labelSelector; self.fieldSelector = fieldSelector; self.metadataOnly = metadataOnly
    }

    var accept: String? {
        metadataOnly ? "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json" : nil
    }
    var listAccept: String? {
        metadataOnly ? "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json" : nil
    }

    func query(_ extra: [(String, String)]) -> [(String, String)] {
        var q = extra
        if let labelSelector { q.append(("labelSelector", labelSelector)) }
        if let fieldSelector { q.append(("fieldSelector", fieldSelector)) }
        return q
    }
}

extension KubeClient {
    /// One watch request from `resourceVersion`: `handle` gets its events as they arrive, until
    /// the server ends the stream (after `timeoutSeconds`) or `handle` returns false. An ERROR
    /// event ends it with its `Status` as a KubeAPIError — 410 Expired when the version is older
    /// than the server keeps. Runs in the caller's task, so cancelling that task ends the request.
    public func watch(_ target: WatchTarget, resourceVersion: String?, timeoutSeconds: Int = 50,
                      _ handle: (WatchEvent) async throws -> Bool) async throws {
        var q: [(String, String)] = [("watch", "true"), ("allowWatchBookmarks", "true"), ("timeoutSeconds", String(timeoutSeconds))]
        if let resourceVersion { q.append(("resourceVersion", resourceVersion)) }
        let url = self.url(target.path, target.query(q))
        var headers = HTTPHeaders()
        headers.add(name: "User-Agent", value: userAgent)
        headers.add(name: "Accept", value: target.accept ?? "application/json")
        if let auth = try await authorization() { headers.add(name: "Authorization", value: auth) }
        if let user = access.impersonateUser { headers.add(name: "Impersonate-User", value: user) }
        for g in access.impersonateGroups { headers.add(name: "Impersonate-Group", value: g) }
        let request = try HTTPClient.Request(url: url, method: .GET, headers: headers)
        let (events, feed) = AsyncThrowingStream<WatchEvent, Error>.makeStream()
        // The delegate is released on an event loop: it must not hold the client (whose deinit shuts it down).
        let access = self.access
        let delegate = WatchDelegate(feed: feed, describe: { KubeConnectionError(description: KubeClient.connectionMessage($0, access)) })
        // The callback API gives a handle that cancels the request, so stopping early closes the
        // connection instead of leaving it open until the server's timeout.
        let running = http.execute(request: request, delegate: delegate, deadline: .now() + .seconds(Int64(timeoutSeconds) + 30))
        stats.record("WATCH", target.path, outcome: "streaming", since: RequestStats.now())
        defer { running.cancel() }
        for try await e in events where try await !handle(e) { return }
    }

    static func event(_ line: [UInt8]) throws -> WatchEvent? {
        guard line.contains(where: { $0 != 32 && $0 != 13 }) else { return nil }
        guard case .map(let m) = try JSON.decode(String(decoding: line, as: UTF8.self)),
              let type = m.entries["type"]?.stringValue, let object = m.entries["object"] else {
            throw KubeConnectionError(description: "a watch event is not an object with type and object")
        }
        if type == "ERROR" {
            let body = Array(((try? JSONEncoding.encode(object)) ?? "").utf8)
            throw KubeAPIError.decode(code: 500, body: body)
        }
        guard let kind = WatchEvent.Kind(rawValue: type) else { return nil }
        return WatchEvent(kind: kind, object: object)
    }
}

/// Splits a watch response into events as its bytes arrive (on the connection's event loop).
final class WatchDelegate: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Void
    let feed: AsyncThrowingStream<WatchEvent, Error>.Continuation
    let describe: @Sendable (Error) -> KubeConnectionError
    var status = 200
    var pending: [UInt8] = []
    var failed = false

    init(feed: AsyncThrowingStream<WatchEvent, Error>.Continuation, describe: @escaping @Sendable (Error) -> KubeConnectionError) {
        self.feed = feed; self.describe = describe
    }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        status = Int(head.status.code)
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        pending += buffer.readableBytesView
        guard (200..<300).contains(status), !failed else { return task.eventLoop.makeSucceededVoidFuture() }
        while let nl = pending.firstIndex(of: 10) {
            let line = Array(pending[..<nl])
            pending.removeSubrange(...nl)
            do { if let e = try KubeClient.event(line) { feed.yield(e) } } catch {
                failed = true
                feed.finish(throwing: error)
                break
            }
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        guard !failed else { return }
        guard (200..<300).contains(status) else { return feed.finish(throwing: KubeAPIError.decode(code: status, body: pending)) }
        do { if let e = try KubeClient.event(pending) { feed.yield(e) }; feed.finish() } catch { feed.finish(throwing: error) }
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: Error) {
        guard !failed else { return }
        failed = true
        // A cancelled request ends quietly; a dropped or timed-out one is a connection error.
        if case HTTPClientError.cancelled? = error as? HTTPClientError { return feed.finish() }
        feed.finish(throwing: describe(error))
    }
}

/// Keeps a view of a collection up to date as client-go's reflector does: list, then watch from
/// the list's resourceVersion; when a stream ends, watch again from the last version seen
/// (bookmarks move it on); when the server no longer has that version (410), list again.
public struct Reflector: Sendable {
    public enum Update: Sendable {
        /// The whole collection, after a (re)list.
        case replaced([Value])
        /// With `pageSize`: one page of a (re)list; `last` ends it (what no page named is gone).
        case page([Value], last: Bool)
        case event(WatchEvent)
    }

    public let client: KubeClient
    public let target: WatchTarget
    public var timeoutSeconds = 50
    /// A version to resume from (one saved by an earlier run); nil lists first.
    public var startVersion: String?
    /// Lists in pages of this many objects, each handed over as `.page` and then dropped, so a
    /// list of thousands never sits in memory at once; nil lists in one request (`.replaced`).
    public var pageSize: Int?

    public init(client: KubeClient, target: WatchTarget) { self.client = client; self.target = target }

    /// Runs until the task is cancelled or `handle` returns false.
    public func run(_ handle: @Sendable (Update) async throws -> Bool) async throws {
        var version = startVersion
        var failures = 0
        while !Task.isCancelled {
            if version == nil, let pageSize {
                var cont = ""
                repeat {
                    var q = target.query([("limit", String(pageSize))])
                    if !cont.isEmpty { q.append(("continue", cont)) }
                    let list = try await client.request(.GET, target.path, query: q, accept: target.listAccept)
                    guard case .map(let m) = list else { throw KubeConnectionError(description: "\(target.path): the list is not an object") }
                    var items: [Value] = []
                    if case .list(let l)? = m.entries["items"] { items = l.items }
                    cont = ""
                    if case .map(let md)? = m.entries["metadata"] {
                        version = md.entries["resourceVersion"]?.stringValue
                        cont = md.entries["continue"]?.stringValue ?? ""
                    }
                    if try await !handle(.page(items, last: cont.isEmpty)) { return }
                } while !cont.isEmpty
            } else if version == nil {
                let list = try await client.request(.GET, target.path, query: target.query([]), accept: target.listAccept)
                guard case .map(let m) = list else { throw KubeConnectionError(description: "\(target.path): the list is not an object") }
                var items: [Value] = []
                if case .list(let l)? = m.entries["items"] { items = l.items }
                if case .map(let md)? = m.entries["metadata"] { version = md.entries["resourceVersion"]?.stringValue }
                if try await !handle(.replaced(items)) { return }
            }
            var stop = false
            do {
                try await client.watch(target, resourceVersion: version, timeoutSeconds: timeoutSeconds) { e in
                    if let rv = e.resourceVersion { version = rv }
                    failures = 0
                    if e.kind == .bookmark { return true }
                    if try await !handle(.event(e)) { stop = true }
                    return !stop
                }
                if stop { return }
            } catch let e as KubeAPIError where e.code == 410 || e.reason == .expired || e.reason == .gone {
                version = nil
            } catch let e as KubeConnectionError {
                // A dropped connection: try again from the same version, backing off.
                failures += 1
                if failures > 5 { throw e }
                try await Task.sleep(nanoseconds: UInt64(100_000_000 << min(failures, 5)))
            }
        }
    }
}
