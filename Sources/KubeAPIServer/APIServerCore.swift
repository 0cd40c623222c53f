import Values
#if canImport(Glibc)
import Glibc
#endif

public struct APIRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [String: String]
    public var contentType: String?
    public var body: Value?

    public init(method: String, path: String, query: [String: String] = [:], contentType: String? = nil, body: Value? = nil) {
        self.method = method; self.path = path; self.query = query; self.contentType = contentType; self.body = body
    }

    /// Splits "/path?a=b&c" into path and decoded query.
    public init(method: String, target: String, contentType: String? = nil, body: Value? = nil) {
        var path = target, query: [String: String] = [:]
        if let q = target.firstIndex(of: "?") {
            path = String(target[..<q])
            for pair in target[target.index(after: q)...].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                query[APIRequest.unescape(String(kv[0]))] = kv.count > 1 ? APIRequest.unescape(String(kv[1])) : ""
            }
        }
        self.init(method: method, path: path, query: query, contentType: contentType, body: body)
    }

    static func unescape(_ s: String) -> String {
        var out: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "%"), i + 2 < b.count, let v = UInt8(String(decoding: b[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                out.append(v); i += 3
            } else if b[i] == UInt8(ascii: "+") {
                out.append(0x20); i += 1
            } else {
                out.append(b[i]); i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

public struct APIResponse: Sendable {
    public var status: Int
    public var body: Value
    /// A body that is not JSON: its content type and bytes.
    public var raw: (String, [UInt8])?
    /// An injected transport fault for the server to act out (drop the connection, answer late).
    public var fault: Fault.Effect?
    public init(status: Int, body: Value, raw: (String, [UInt8])? = nil, fault: Fault.Effect? = nil) {
        self.status = status; self.body = body; self.raw = raw; self.fault = fault
    }
}

/// The loopback test API server's request handling, transport aside: discovery, storage of any
/// resource with resourceVersions, uids and generations, create/get/list/update/delete, merge and
/// JSON patches, label selectors with paging, namespaces, finalizers, CRDs, and the API server's
/// status codes and `Status` bodies.
public final class APIServerCore: @unchecked Sendable {
    var resources: [ResourceType]
    /// objects[resourceKey][namespace/name]
    var objects: [String: [String: Value]] = [:]
    var resourceVersion: Int64 = 100
    let lock = NSLockLite()
    /// Seconds a simulated controller takes to make a workload ready.
    public var controllerDelay: Double = 0
    var specChangedAt: [String: Double] = [:]
    var faults: [Fault] = []
    var faultBase: [Int] = []
    var requestCount = 0
    var statusSettled: Set<String> = []
    /// Watch: the change log (bounded), what the last scan saw, and open watches.
    var events: [WatchEvent] = []
    var compactedRV: Int64 = 100
    var seen: [String: [String: (rv: String, object: Value)]] = [:]
    var scannedRV: Int64 = 0
    var watchers: [Int: Watcher] = [:]
    var nextWatcherID = 0
    /// Seconds between BOOKMARK events on watches that allow them.
    public var bookmarkInterval: Double = 1
    public var maxEvents = 10_000
    /// Clock for timestamps (tests may fix it).
    public var now: () -> String = APIServerCore.rfc3339Now

    public init(rootCA: String? = nil) {
        resources = BuiltinResources.all
        if let rootCA { self.rootCA = rootCA }
        // A new cluster has these namespaces.
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            _ = handle(APIRequest(method: "POST", path: "/api/v1/namespaces", body: .map(["metadata": .map(["name": .string(ns)])])))
        }
    }

    // MARK: entry

    public func handle(_ req: APIRequest) -> APIResponse {
        lock.lock()
        defer { lock.unlock() }
        requestCount += 1
        if let f = injectedFault(req) { return f }
        defer { recordChanges() }
        do {
            return try route(req)
        } catch let e as APIError {
            return APIResponse(status: e.code, body: e.body)
        } catch {
            return APIResponse(status: 500, body: APIError(code: 500, reason: "InternalError", message: "\(error)").body)
        }
    }

    struct Target {
        var resource: ResourceType
        var namespace: String?
        var name: String?
        var subresource: String?
    }

    func route(_ req: APIRequest) throws -> APIResponse {
        let parts = req.path.split(separator: "/").map(String.init)
        switch (req.method, parts.count) {
        case ("GET", _) where req.path == "/version":
            return APIResponse(status: 200, body: .map([
                "major": .string("1"), "minor": .string("36"), "gitVersion": .string("v1.36.0"),
                "platform": .string("linux/amd64"), "compiler": .string("gc"),
            ]))
        case ("GET", _) where req.path == "/openapi/v2":
            // No schemas are published: an empty protobuf OpenAPI document, so clients that
            // validate against it (kubectl, Helm) find no schema and leave validation to the server.
            return APIResponse(status: 200, body: .null, raw: ("application/com.github.proto-openapi.spec.v2.v1.0+protobuf", []))
        case ("GET", _) where req.path == "/openapi/v3":
            return APIResponse(status: 200, body: .map(["paths": .map([:])]))
        case ("GET", 1) where parts[0] == "api":
            return APIResponse(status: 200, body: .map(["kind": .string("APIVersions"), "versions": .list([.string("v1")])]))
        case ("GET", 1) where parts[0] == "apis":
            return APIResponse(status: 200, body: groupList())
        case ("GET", 2) where parts[0] == "api":
            return try resourceList(group: "", version: parts[1])
        case ("GET", 3) where parts[0] == "apis":
            return try resourceList(group: parts[1], version: parts[2])
        default:
            break
        }
        let target = try parseTarget(parts)
        switch req.method {
        case "GET":
            if target.name == nil { return try list(target, req) }
            return APIResponse(status: 200, body: try get(target))
        case "POST":
            guard target.name == nil else { throw APIError.methodNotAllowed() }
            return try create(target, req)
        case "PUT":
            guard target.name != nil else { throw APIError.methodNotAllowed() }
            return try update(target, req)
        case "PATCH":
            guard target.name != nil else { throw APIError.methodNotAllowed() }
            if req.contentType == "application/apply-patch+yaml" { return try serverSideApply(target, req) }
            return try patch(target, req)
        case "DELETE":
            if target.name == nil { return try deleteCollection(target, req) }
            return try delete(target, req)
        default:
            throw APIError.methodNotAllowed()
        }
    }

    func parseTarget(_ p: [String]) throws -> Target {
        var i: Int
        let group: String, version: String
        if p.first == "api", p.count >= 2 { group = ""; version = p[1]; i = 2 }
        else if p.first == "apis", p.count >= 3 { group = p[1]; version = p[2]; i = 3 }
        else { throw APIError.notFoundPath() }
        var namespace: String? = nil
        if i + 1 < p.count, p[i] == "namespaces", p.count > i + 2 {
            namespace = p[i + 1]; i += 2
        }
        guard i < p.count, let r = resources.first(where: { $0.group == group && $0.version == version && $0.name == p[i] }) else {
            throw APIError.notFoundPath()
        }
        let name = i + 1 < p.count ? p[i + 1] : nil
        let sub = i + 2 < p.count ? p[i + 2] : nil
        return Target(resource: r, namespace: r.namespaced ? namespace : nil, name: name, subresource: sub)
    }

    // MARK: discovery

    func groupList() -> Value {
        var groups: [String: [String]] = [:]
        var order: [String] = []
        for r in resources where !r.group.isEmpty {
            if groups[r.group] == nil { order.append(r.group) }
            if !(groups[r.group, default: []].contains(r.version)) { groups[r.group, default: []].append(r.version) }
        }
        return .map(["kind": .string("APIGroupList"), "apiVersion": .string("v1"), "groups": .list(order.map { g in
            let versions = groups[g]!.map { Value.map(["groupVersion": .string("\(g)/\($0)"), "version": .string($0)]) }
            return .map(["name": .string(g), "versions": .list(versions), "preferredVersion": versions[0]])
        })])
    }

    func resourceList(group: String, version: String) throws -> APIResponse {
        let rs = resources.filter { $0.group == group && $0.version == version }
        if rs.isEmpty {
            // The real server answers an unknown group version with Go's plain-text 404.
            return APIResponse(status: 404, body: .string("404 page not found\n"))
        }
        var items: [Value] = []
        for r in rs {
            // Namespaces cannot be deleted as a collection.
            let verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
                .filter { $0 != "deletecollection" || r.name != "namespaces" }.map { Value.string($0) }
            var m: [String: Value] = ["name": .string(r.name), "singularName": .string(r.singular), "namespaced": .bool(r.namespaced),
                                      "kind": .string(r.kind), "verbs": .list(verbs)]
            if !r.shortNames.isEmpty { m["shortNames"] = .list(r.shortNames.map { .string($0) }) }
            items.append(.map(m))
            if r.hasStatus {
                items.append(.map(["name": .string(r.name + "/status"), "singularName": .string(""), "namespaced": .bool(r.namespaced),
                                   "kind": .string(r.kind), "verbs": .list([.string("get"), .string("patch"), .string("update")])]))
            }
        }
        let gv = group.isEmpty ? version : "\(group)/\(version)"
        return APIResponse(status: 200, body: .map(["kind": .string("APIResourceList"), "apiVersion": .string("v1"),
                                                    "groupVersion": .string(gv), "resources": .list(items)]))
    }

    // MARK: storage helpers

    func key(_ r: ResourceType) -> String { "\(r.group)/\(r.name)" }
    func objectKey(_ ns: String?, _ name: String) -> String { "\(ns ?? "")/\(name)" }

    func nextResourceVersion() -> String {
        resourceVersion += 1
        return String(resourceVersion)
    }

    static func uuid() -> String {
        var g = SystemRandomNumberGenerator()
        var b = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
        b[6] = (b[6] & 0x0F) | 0x40; b[8] = (b[8] & 0x3F) | 0x80
        let h = b.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        let c = Array(h)
        return [c[0..<8], c[8..<12], c[12..<16], c[16..<20], c[20..<32]].map { String($0) }.joined(separator: "-")
    }

    static func rfc3339Now() -> String { Timestamp.format(seconds: Timestamp.unixNow()) }

    func namespaceExists(_ ns: String) -> Bool {
        objects["/namespaces"]?[objectKey(nil, ns)] != nil
    }

    func metadata(_ v: Value) -> Map? {
        if case .map(let m) = v, case .map(let md)? = m.entries["metadata"] { return md }
        return nil
    }

    static func copy(_ v: Value) -> Value {
        switch v {
        case .map(let m):
            var e: [String: Value] = [:]
            for (k, x) in m.entries { e[k] = copy(x) }
            return .map(Map(e))
        case .list(let l): return .list(l.items.map(copy))
        default: return v
        }
    }

    // MARK: verbs

    func get(_ t: Target) throws -> Value {
        if let ns = t.namespace, !namespaceExists(ns), t.resource.namespaced {
            throw APIError.notFound(t.resource, t.name!)
        }
        guard var obj = objects[key(t.resource)]?[objectKey(t.namespace, t.name!)] else {
            throw APIError.notFound(t.resource, t.name!)
        }
        obj = reconcile(t.resource, objectKey(t.namespace, t.name!), obj)
        if t.resource.name == "customresourcedefinitions", case .map(let m) = obj, advanceCRD(m), let md = metadata(obj) {
            md.entries["resourceVersion"] = .string(nextResourceVersion())
        }
        return APIServerCore.copy(obj)
    }

    /// RFC 1123 subdomain: dot-separated labels of [a-z0-9-], starting and ending alphanumeric.
    static func isSubdomain(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253 else { return false }
        for label in s.split(separator: ".", omittingEmptySubsequences: false) {
            let b = Array(label.utf8)
            guard let f = b.first, let l = b.last else { return false }
            func alnum(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) }
            guard alnum(f), alnum(l), b.allSatisfy({ alnum($0) || $0 == UInt8(ascii: "-") }) else { return false }
        }
        return true
    }

    func validateName(_ r: ResourceType, _ name: String) throws {
        if !APIServerCore.isSubdomain(name) {
            let msg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            throw APIError.invalid(r, name, causes: [("metadata.name", "FieldValueInvalid", "Invalid value: \"\(name)\": \(msg)")],
                                   summary: "metadata.name: Invalid value: \"\(name)\": \(msg)")
        }
    }

    func checkKind(_ r: ResourceType, _ body: Map) throws {
        if let kind = body.entries["kind"]?.stringValue, kind != r.kind {
            let api = (body.entries["apiVersion"]?.stringValue) ?? r.groupVersion
            let internalGroup = r.group.isEmpty ? "core" : r.group.split(separator: ".").first.map(String.init) ?? r.group
            throw APIError.badRequest("\(kind) in version \"\(api.split(separator: "/").last ?? "")\" cannot be handled as a \(r.kind): converting (\(r.version).\(kind)) to (\(internalGroup).\(r.kind)): unknown conversion")
        }
    }

    func create(_ t: Target, _ req: APIRequest) throws -> APIResponse {
        guard case .map(let body)? = req.body.map(APIServerCore.copy) else { throw APIError.badRequest("the request body is not an object") }
        try checkKind(t.resource, body)
        if let ns = t.namespace, t.resource.namespaced, !namespaceExists(ns) { throw APIError.namespaceNotFound(ns) }
        let md: Map
        if case .map(let m)? = body.entries["metadata"] { md = m } else { md = Map([:]); body.entries["metadata"] = .map(md) }
        var name = md.entries["name"]?.stringValue ?? ""
        if name.isEmpty, let prefix = md.entries["generateName"]?.stringValue {
            name = prefix + String(APIServerCore.uuid().prefix(5))
            md.entries["name"] = .string(name)
        }
        try validateName(t.resource, name)
        if objects[key(t.resource)]?[objectKey(t.namespace, name)] != nil { throw APIError.alreadyExists(t.resource, name) }
        try validateWorkload(t.resource, body, name: name)
        // With a status subresource, a create sets no status (the controller's to write).
        if t.resource.hasStatus && !t.resource.builtin { body.entries["status"] = nil }
        APIServerCore.dropEmptyMetadataMaps(md)
        applyDefaults(t.resource, body)
        body.entries["kind"] = .string(t.resource.kind)
        body.entries["apiVersion"] = .string(t.resource.groupVersion)
        if t.resource.name == "secrets" { APIServerCore.foldStringData(body) }
        if let ns = t.namespace { md.entries["namespace"] = .string(ns) }
        md.entries["uid"] = .string(APIServerCore.uuid())
        md.entries["resourceVersion"] = .string(nextResourceVersion())
        md.entries["creationTimestamp"] = .string(now())
        if hasSpec(t.resource) { md.entries["generation"] = .float(1) }
        if t.resource.name == "namespaces" {
            var labels: [String: Value] = [:]
            if case .map(let l)? = md.entries["labels"] { labels = l.entries }
            labels["kubernetes.io/metadata.name"] = .string(name)
            md.entries["labels"] = .map(labels)
            body.entries["spec"] = .map(["finalizers": .list([.string("kubernetes")])])
            body.entries["status"] = .map(["phase": .string("Active")])
        }
        if t.resource.name == "customresourcedefinitions" { try prepareCRD(body) }
        if req.query["dryRun"] == nil {
            objects[key(t.resource), default: [:]][objectKey(t.namespace, name)] = .map(body)
            if t.resource.name == "namespaces" { createRootCA(namespace: name) }
            if t.resource.name == "customresourcedefinitions" { registerCRD(body) }
        }
        return APIResponse(status: 201, body: APIServerCore.copy(.map(body)))
    }

    /// The CA every namespace gets as the kube-root-ca.crt ConfigMap, as the real server does.
    public var rootCA = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"

    func createRootCA(namespace: String) {
        let md = Map(["name": .string("kube-root-ca.crt"), "namespace": .string(namespace), "uid": .string(APIServerCore.uuid()),
                      "resourceVersion": .string(nextResourceVersion()), "creationTimestamp": .string(now()),
                      "annotations": .map(["kubernetes.io/description": .string("Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.")])])
        let cm = Map(["kind": .string("ConfigMap"), "apiVersion": .string("v1"), "metadata": .map(md),
                      "data": .map(["ca.crt": .string(rootCA)])])
        objects["/configmaps", default: [:]][objectKey(namespace, "kube-root-ca.crt")] = .map(cm)
    }

    /// API server defaults of a new CustomResourceDefinition.
    func prepareCRD(_ body: Map) throws {
        guard case .map(let spec)? = body.entries["spec"] else { throw APIError.badRequest("spec is required") }
        if spec.entries["conversion"] == nil { spec.entries["conversion"] = .map(["strategy": .string("None")]) }
        if case .map(let names)? = spec.entries["names"], names.entries["listKind"] == nil, let k = names.entries["kind"]?.stringValue {
            names.entries["listKind"] = .string(k + "List")
        }
        var stored: [Value] = []
        if case .list(let vs)? = spec.entries["versions"] {
            for v in vs.items { if case .map(let vm) = v, case .bool(true)? = vm.entries["storage"] { stored.append(vm.entries["name"] ?? .null) } }
        }
        body.entries["status"] = .map(["conditions": .null, "acceptedNames": .map(["plural": .string(""), "kind": .string("")]),
                                       "storedVersions": .list(stored)])
    }

    /// Serves the resources a CRD defines (its served versions).
    func registerCRD(_ body: Map) {
        guard case .map(let spec)? = body.entries["spec"], let group = spec.entries["group"]?.stringValue,
              case .map(let names)? = spec.entries["names"], let plural = names.entries["plural"]?.stringValue,
              let kind = names.entries["kind"]?.stringValue, case .list(let vs)? = spec.entries["versions"] else { return }
        let namespaced = spec.entries["scope"]?.stringValue != "Cluster"
        var shorts: [String] = []
        if case .list(let s)? = names.entries["shortNames"] { shorts = s.items.compactMap(\.stringValue) }
        for v in vs.items {
            guard case .map(let vm) = v, let name = vm.entries["name"]?.stringValue else { continue }
            if case .bool(false)? = vm.entries["served"] { continue }
            var hasStatus = false
            if case .map(let sub)? = vm.entries["subresources"], sub.entries["status"] != nil { hasStatus = true }
            var r = ResourceType(group: group, version: name, name: plural, singular: names.entries["singular"]?.stringValue ?? kind.lowercased(),
                                 kind: kind, namespaced: namespaced, shortNames: shorts, hasStatus: hasStatus)
            r.builtin = false
            resources.removeAll { $0.group == group && $0.version == name && $0.name == plural }
            resources.append(r)
        }
    }

    /// The CRD controller: each look at a new CRD moves it one step (names accepted, then Established).
    func advanceCRD(_ obj: Map) -> Bool {
        guard case .map(let status)? = obj.entries["status"], case .map(let spec)? = obj.entries["spec"] else { return false }
        let t = now()
        func cond(_ type: String, _ st: String, _ reason: String, _ msg: String) -> Value {
            .map(["type": .string(type), "status": .string(st), "lastTransitionTime": .string(t), "reason": .string(reason), "message": .string(msg)])
        }
        switch status.entries["conditions"] {
        case .null?, nil:
            status.entries["conditions"] = .list([cond("NamesAccepted", "True", "NoConflicts", "no conflicts found"),
                                                  cond("Established", "False", "Installing", "the initial names have been accepted")])
            // Accepted names as the server completes them: listKind defaults to KIND + "List".
            if case .map(let names)? = spec.entries["names"] {
                let accepted = Map(names.entries)
                if accepted.entries["listKind"] == nil, let k = names.entries["kind"]?.stringValue { accepted.entries["listKind"] = .string(k + "List") }
                status.entries["acceptedNames"] = .map(accepted)
            } else { status.entries["acceptedNames"] = spec.entries["names"] }
            return true
        case .list(var l)? where l.items.count == 2:
            if case .map(let est) = l.items[1], est.entries["status"]?.stringValue == "False" {
                l.items[1] = cond("Established", "True", "InitialNamesAccepted", "the initial names have been accepted")
                status.entries["conditions"] = .list(l)
                return true
            }
            return false
        default:
            return false
        }
    }

    /// Secrets: stringData is write-only, folded into base64 data as the real server does.
    static func foldStringData(_ body: Map) {
        guard case .map(let sd)? = body.entries["stringData"] else { return }
        let data: Map
        if case .map(let d)? = body.entries["data"] { data = d } else { data = Map([:]) }
        for (k, v) in sd.entries { data.entries[k] = .string(Base64.encode(Array((v.stringValue ?? "").utf8))) }
        body.entries["data"] = .map(data)
        body.entries["stringData"] = nil
    }

    func hasSpec(_ r: ResourceType) -> Bool { !["configmaps", "secrets", "serviceaccounts", "events", "endpoints", "namespaces"].contains(r.name) }

    /// Stores a new version of an object: resourceVersion bumped, generation bumped when the
    /// spec (anything but metadata and status) changed.
    func store(_ t: Target, old: Map, new: Map, status: Bool = false, fromStatus: Bool = false) throws -> Value {
        guard let oldMD = metadata(.map(old)) else { throw APIError.badRequest("stored object has no metadata") }
        let md: Map
        if case .map(let m)? = new.entries["metadata"] { md = m } else { md = Map([:]); new.entries["metadata"] = .map(md) }
        for k in ["uid", "creationTimestamp", "namespace", "name", "deletionTimestamp", "generation"] {
            if let v = oldMD.entries[k] { md.entries[k] = v } else { md.entries[k] = nil }
        }
        new.entries["kind"] = .string(t.resource.kind)
        new.entries["apiVersion"] = .string(t.resource.groupVersion)
        if t.resource.name == "secrets" { APIServerCore.foldStringData(new) }
        if !status { applyDefaults(t.resource, new) }
        APIServerCore.dropEmptyMetadataMaps(md)
        // Writes to the main resource leave a status subresource's status alone.
        if !status && !fromStatus && t.resource.hasStatus && !t.resource.builtin { new.entries["status"] = old.entries["status"] }
        if status {
            // The status subresource changes only status.
            let merged = APIServerCore.copy(.map(old))
            guard case .map(let m) = merged else { throw APIError.badRequest("bad object") }
            m.entries["status"] = new.entries["status"]
            return try store(t, old: old, new: m, fromStatus: true)
        }
        if hasSpec(t.resource) {
            func specPart(_ m: Map) -> String {
                var e = m.entries; e["metadata"] = nil; e["status"] = nil
                return (try? JSONEncoding.encode(.map(Map(e)))) ?? ""
            }
            if specPart(old) != specPart(new) {
                var g: Double = 1
                if case .float(let x, _)? = oldMD.entries["generation"] { g = x }
                md.entries["generation"] = .float(g + 1)
            }
        }
        let oldJSON = try? JSONEncoding.encode(.map(old))
        md.entries["resourceVersion"] = oldMD.entries["resourceVersion"]
        if oldJSON != (try? JSONEncoding.encode(.map(new))) {
            md.entries["resourceVersion"] = .string(nextResourceVersion())
        }
        // A deleted object whose last finalizer goes away is gone.
        if oldMD.entries["deletionTimestamp"] != nil, !hasFinalizers(md) {
            objects[key(t.resource)]?[objectKey(t.namespace, t.name!)] = nil
            _ = nextResourceVersion()
            return .map(new)
        }
        objects[key(t.resource), default: [:]][objectKey(t.namespace, t.name!)] = .map(new)
        return APIServerCore.copy(.map(new))
    }

    /// Empty labels, annotations and finalizers are not kept (Go's omitempty on ObjectMeta).
    static func dropEmptyMetadataMaps(_ md: Map) {
        for k in ["labels", "annotations"] { if case .map(let m)? = md.entries[k], m.entries.isEmpty { md.entries[k] = nil } }
        if case .list(let l)? = md.entries["finalizers"], l.items.isEmpty { md.entries["finalizers"] = nil }
    }

    func hasFinalizers(_ md: Map) -> Bool {
        if case .list(let l)? = md.entries["finalizers"], !l.items.isEmpty { return true }
        return false
    }

    func update(_ t: Target, _ req: APIRequest) throws -> APIResponse {
        guard case .map(let body)? = req.body.map(APIServerCore.copy) else { throw APIError.badRequest("the request body is not an object") }
        try checkKind(t.resource, body)
        guard case .map(let old)? = objects[key(t.resource)]?[objectKey(t.namespace, t.name!)] else {
            throw APIError.notFound(t.resource, t.name!)
        }
        let rv = metadata(.map(body))?.entries["resourceVersion"]?.stringValue ?? ""
        if !rv.isEmpty, rv != metadata(.map(old))?.entries["resourceVersion"]?.stringValue {
            throw APIError.conflict(t.resource, t.name!)
        }
        // Custom resources allow no unconditional update.
        if rv.isEmpty && !t.resource.builtin {
            let why = "Invalid value: 0x0: must be specified for an update"
            throw APIError(code: 422, reason: "Invalid", message: "\(t.resource.name).\(t.resource.group) \"\(t.name!)\" is invalid: metadata.resourceVersion: \(why)",
                           details: ["name": .string(t.name!), "group": .string(t.resource.group), "kind": .string(t.resource.name),
                                     "causes": .list([.map(["reason": .string("FieldValueInvalid"), "message": .string(why), "field": .string("metadata.resourceVersion")])])])
        }
        return APIResponse(status: 200, body: try store(t, old: old, new: body, status: t.subresource == "status"))
    }

    func patch(_ t: Target, _ req: APIRequest) throws -> APIResponse {
        guard case .map(let old)? = objects[key(t.resource)]?[objectKey(t.namespace, t.name!)] else {
            throw APIError.notFound(t.resource, t.name!)
        }
        let current = APIServerCore.copy(.map(old))
        let patched: Value
        switch req.contentType ?? "" {
        case "application/json-patch+json":
            guard case .list(let ops)? = req.body else { throw APIError.badRequest("json patch must be a list of operations") }
            do { patched = try JSONPatch.apply(ops.items, to: current) } catch let f as JSONPatch.Failure {
                switch f {
                case .invalidOperation(let why): throw APIError.badRequest(why)
                case .missingPath, .testFailed:
                    var e = APIError(code: 422, reason: "Invalid", message: "the server rejected our request due to an error in our request\(f.missingSuffix)")
                    e.emptyDetailsShown = true
                    throw e
                }
            }
        case "application/merge-patch+json":
            patched = MergePatch.apply(req.body ?? .null, to: current)
        case "application/strategic-merge-patch+json":
            // Custom resources have no strategy: the real server refuses.
            if !t.resource.builtin {
                throw APIError(code: 415, reason: "UnsupportedMediaType",
                               message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
            }
            patched = StrategicMergePatch.apply(req.body ?? .null, to: current)
        default:
            throw APIError(code: 415, reason: "UnsupportedMediaType", message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
        }
        guard case .map(let new) = patched else { throw APIError.badRequest("patch did not produce an object") }
        return APIResponse(status: 200, body: try store(t, old: old, new: new, status: t.subresource == "status"))
    }

    func labels(_ v: Value) -> [String: String] {
        var out: [String: String] = [:]
        if let md = metadata(v), case .map(let l)? = md.entries["labels"] { for (k, x) in l.entries { out[k] = x.stringValue ?? "" } }
        return out
    }

    func matching(_ t: Target, _ req: APIRequest) throws -> [(String, Value)] {
        let selector: LabelSelector?
        do { selector = try req.query["labelSelector"].map { try LabelSelector($0) } } catch let e as LabelSelector.ParseError {
            throw APIError.badRequest(e.description)
        }
        let fields = try FieldSelector(req.query["fieldSelector"])
        let prefix = t.namespace.map { "\($0)/" }
        for (k, v) in objects[key(t.resource)] ?? [:] where prefix == nil || k.hasPrefix(prefix!) { _ = reconcile(t.resource, k, v) }
        return (objects[key(t.resource)] ?? [:])
            .filter { k, v in
                let parts = k.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
                return (prefix == nil || k.hasPrefix(prefix!)) && (selector?.matches(labels(v)) ?? true)
                    && fields.matches(name: parts.count > 1 ? String(parts[1]) : "", namespace: String(parts[0]))
            }
            .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            .map { ($0.key, $0.value) }
    }

    func list(_ t: Target, _ req: APIRequest) throws -> APIResponse {
        var items = try matching(t, req)
        if let cont = req.query["continue"], !cont.isEmpty {
            guard case .success(let bytes) = Base64.decode(cont.padding()), let start = String(validating: bytes, as: UTF8.self) else {
                throw APIError.badRequest("continue key is not valid")
            }
            items = items.filter { $0.0.utf8.lexicographicallyPrecedes(start.utf8) == false && $0.0 != start || $0.0 > start }
        }
        var listMeta: [String: Value] = ["resourceVersion": .string(String(resourceVersion))]
        if let limit = req.query["limit"].flatMap({ Int($0) }), limit > 0, items.count > limit {
            let last = items[limit - 1].0
            items = Array(items.prefix(limit))
            listMeta["continue"] = .string(Base64.encode(Array(last.utf8)).trimmingTrailingEquals())
        }
        let values: [Value] = items.map { _, v in
            guard case .map(let m) = APIServerCore.copy(v) else { return v }
            m.entries["kind"] = nil; m.entries["apiVersion"] = nil
            return .map(m)
        }
        return APIResponse(status: 200, body: .map([
            "kind": .string(t.resource.kind + "List"), "apiVersion": .string(t.resource.groupVersion),
            "metadata": .map(listMeta), "items": .list(values),
        ]))
    }

    func delete(_ t: Target, _ req: APIRequest) throws -> APIResponse {
        guard case .map(let old)? = objects[key(t.resource)]?[objectKey(t.namespace, t.name!)] else {
            throw APIError.notFound(t.resource, t.name!)
        }
        let md = metadata(.map(old))!
        if t.resource.name == "namespaces" || hasFinalizers(md) {
            // Objects with finalizers (and namespaces, finalized by the server) stay until finalized.
            guard case .map(let new) = APIServerCore.copy(.map(old)), let nmd = metadata(.map(new)) else { throw APIError.badRequest("bad object") }
            if nmd.entries["deletionTimestamp"] == nil {
                nmd.entries["deletionTimestamp"] = .string(now())
                nmd.entries["deletionGracePeriodSeconds"] = .float(0)
                nmd.entries["resourceVersion"] = .string(nextResourceVersion())
                // Setting deletionTimestamp counts as a change of the object's generation.
                if case .float(let g, _)? = nmd.entries["generation"] { nmd.entries["generation"] = .float(g + 1) }
            }
            if t.resource.name == "namespaces" {
                nmd.entries["deletionGracePeriodSeconds"] = nil
                new.entries["status"] = .map(["phase": .string("Terminating")])
                // The namespace controller empties it, then it is gone.
                for (k, var bucket) in objects { bucket = bucket.filter { !$0.key.hasPrefix(t.name! + "/") }; objects[k] = bucket }
                objects[key(t.resource)]?[objectKey(nil, t.name!)] = nil
                _ = nextResourceVersion()
                return APIResponse(status: 200, body: .map(new))
            }
            objects[key(t.resource)]?[objectKey(t.namespace, t.name!)] = .map(new)
            return APIResponse(status: 200, body: .map(new))
        }
        objects[key(t.resource)]?[objectKey(t.namespace, t.name!)] = nil
        _ = nextResourceVersion()
        var details = APIError.detailsFor(t.resource, name: t.name)
        details["uid"] = md.entries["uid"]
        return APIResponse(status: 200, body: .map([
            "kind": .string("Status"), "apiVersion": .string("v1"), "metadata": .map([:]),
            "status": .string("Success"), "details": .map(details),
        ]))
    }

    func deleteCollection(_ t: Target, _ req: APIRequest) throws -> APIResponse {
        let items = try matching(t, req)
        for (k, _) in items { objects[key(t.resource)]?[k] = nil }
        if !items.isEmpty { _ = nextResourceVersion() }
        return APIResponse(status: 200, body: .map([
            "kind": .string(t.resource.kind + "List"), "apiVersion": .string(t.resource.groupVersion),
            "metadata": .map(["resourceVersion": .string(String(resourceVersion))]),
            "items": .list(items.map { _, v in
                guard case .map(let m) = APIServerCore.copy(v) else { return v }
                m.entries["kind"] = nil; m.entries["apiVersion"] = nil
                return .map(m)
            }),
        ]))
    }
}

/// A tiny mutex (pthread) so the core can be shared by server threads.
final class NSLockLite: @unchecked Sendable {
    private var m = pthread_mutex_t()
    init() { pthread_mutex_init(&m, nil) }
    deinit { pthread_mutex_destroy(&m) }
    func lock() { pthread_mutex_lock(&m) }
    func unlock() { pthread_mutex_unlock(&m) }
}

extension String {
    func trimmingTrailingEquals() -> String { var s = self; while s.hasSuffix("=") { s.removeLast() }; return s }
    func padding() -> String { let r = utf8.count % 4; return r == 0 ? self : self + String(repeating: "=", count: 4 - r) }
}

extension JSONPatch.Failure {
    /// The real server names a missing path; a failed test it does not.
    var missingSuffix: String { if case .missingPath(let p) = self { return ": missing path \(p)" }; return "" }
}
