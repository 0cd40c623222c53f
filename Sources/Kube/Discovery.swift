import Values
import FileIO
#if canImport(Glibc)
import Glibc
#endif

/// Where objects of a kind live: the resource name in paths and whether it is namespaced.
public struct RESTMapping: Sendable, Equatable {
    public let group: String
    public let version: String
    public let resource: String
    public let kind: String
    public let namespaced: Bool

    /// The collection path, in a namespace when the resource is namespaced.
    public func path(namespace: String?, name: String? = nil) -> String {
        var p = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace { p += "/namespaces/\(namespace)" }
        p += "/\(resource)"
        if let name { p += "/\(name)" }
        return p
    }
}

/// Discovery with an in-memory cache and, when given a directory, a disk cache per server with a
/// TTL (as kubectl keeps under ~/.kube/cache/discovery), so one-shot commands do not ask the
/// server for every group each time. A kind missing from cached data is looked up on the server
/// again, so a kind a chart's CRD has just created is found right after.
public actor Discovery {
    let client: KubeClient
    var byGroupVersion: [String: [RESTMapping]] = [:]
    let directory: String?
    let ttl: Double
    public private(set) var serverRequests = 0
    var loading: [String: Task<Void, Error>] = [:]

    public init(client: KubeClient, cacheDirectory: String? = nil, ttl: Double = 6 * 3600) {
        self.client = client
        self.ttl = ttl
        self.directory = cacheDirectory.map { dir in
            let server = client.access.server.split(separator: "/").last.map(String.init) ?? "server"
            return dir + "/" + String(server.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" })
        }
    }

    public enum DiscoveryError: Error, CustomStringConvertible {
        case unknownKind(String, String)
        public var description: String {
            switch self {
            case .unknownKind(let apiVersion, let kind):
                return "no matches for kind \"\(kind)\" in version \"\(apiVersion)\" (is its CustomResourceDefinition installed?)"
            }
        }
    }

    /// The mapping for `apiVersion` and `kind` ("apps/v1", "Deployment").
    public func mapping(apiVersion: String, kind: String) async throws -> RESTMapping {
        if let m = byGroupVersion[apiVersion]?.first(where: { $0.kind == kind }) { return m }
        if byGroupVersion[apiVersion] == nil, let cached = fromDisk(apiVersion) {
            byGroupVersion[apiVersion] = cached
            if let m = cached.first(where: { $0.kind == kind }) { return m }
        }
        // A miss: the group may be new (a CRD just created) or our cache stale. Concurrent
        // misses of one group (objects applied at once) share one request.
        if let running = loading[apiVersion] {
            try await running.value
        } else {
            let task = Task { try await self.load(apiVersion) }
            loading[apiVersion] = task
            defer { loading[apiVersion] = nil }
            try await task.value
        }
        if let m = byGroupVersion[apiVersion]?.first(where: { $0.kind == kind }) { return m }
        throw DiscoveryError.unknownKind(apiVersion, kind)
    }

    func file(_ apiVersion: String) -> String? {
        directory.map { $0 + "/" + apiVersion.replacingSlashes() + ".json" }
    }

    func fromDisk(_ apiVersion: String) -> [RESTMapping]? {
        guard let f = file(apiVersion), let info = FileSystem.info(f), Double(time(nil) - info.modified) < ttl,
              let bytes = try? FileSystem.read(f), let list = try? JSON.decode(String(decoding: bytes, as: UTF8.self)) else { return nil }
        return Discovery.mappings(list, apiVersion)
    }

    func load(_ apiVersion: String) async throws {
        let parts = apiVersion.split(separator: "/").map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts[0])
        let path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        let list: Value
        serverRequests += 1
        do { list = try await client.request(.GET, path) } catch let e as KubeAPIError where e.reason == .notFound {
            byGroupVersion[apiVersion] = []
            return
        }
        byGroupVersion[apiVersion] = Discovery.mappings(list, apiVersion)
        if let dir = directory, let f = file(apiVersion), let text = try? JSONEncoding.encode(list) {
            try? FileSystem.makeDirectories(dir)
            try? FileSystem.writeAtomically(f, Array(text.utf8))
        }
    }

    static func mappings(_ list: Value, _ apiVersion: String) -> [RESTMapping] {
        let parts = apiVersion.split(separator: "/").map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts[0])
        var mappings: [RESTMapping] = []
        if case .map(let m) = list, case .list(let rs)? = m.entries["resources"] {
            for r in rs.items {
                guard case .map(let rm) = r, let name = rm.entries["name"]?.stringValue, !name.contains("/"),
                      let kind = rm.entries["kind"]?.stringValue else { continue }
                var namespaced = false
                if case .bool(let b)? = rm.entries["namespaced"] { namespaced = b }
                mappings.append(RESTMapping(group: group, version: version, resource: name, kind: kind, namespaced: namespaced))
            }
        }
        return mappings
    }
}

extension String {
    func replacingSlashes() -> String { String(map { $0 == "/" ? "_" : $0 }) }
}
