import Values

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

/// Discovery with an in-memory cache, refreshed on a miss so that a kind a chart's CRD has just
/// created is found right after.
public actor Discovery {
    let client: KubeClient
    var byGroupVersion: [String: [RESTMapping]] = [:]

    public init(client: KubeClient) { self.client = client }

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
        // A miss: the group may be new (a CRD just created) or our cache stale.
        try await load(apiVersion)
        if let m = byGroupVersion[apiVersion]?.first(where: { $0.kind == kind }) { return m }
        throw DiscoveryError.unknownKind(apiVersion, kind)
    }

    func load(_ apiVersion: String) async throws {
        let parts = apiVersion.split(separator: "/").map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts[0])
        let path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        let list: Value
        do { list = try await client.request(.GET, path) } catch let e as KubeAPIError where e.reason == .notFound {
            byGroupVersion[apiVersion] = []
            return
        }
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
        byGroupVersion[apiVersion] = mappings
    }
}
