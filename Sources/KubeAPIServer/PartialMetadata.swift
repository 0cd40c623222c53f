import Values

/// Metadata-only answers: `Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`
/// (or `as=PartialObjectMetadata` for one object), as clients read many objects' labels and
/// annotations without their bodies. Asking for the list form of one object (or the reverse)
/// fails as the genuine kube-apiserver v1.28 fails it, fallback media types or not.
extension APIServerCore {
    /// The metadata view of a successful GET's answer; nil when the request did not ask for one.
    public func partialMetadata(for req: APIRequest, accept: String?, answer: Value) -> APIResponse? {
        guard let accept, let first = accept.split(separator: ",").first else { return nil }
        var params: [String: String] = [:]
        for p in first.split(separator: ";").dropFirst() {
            let kv = p.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces() }
            if kv.count == 2 { params[kv[0]] = kv[1] }
        }
        guard let kind = params["as"], kind == "PartialObjectMetadata" || kind == "PartialObjectMetadataList",
              params["g"] == "meta.k8s.io", let version = params["v"], version == "v1" || version == "v1beta1" else { return nil }
        let (typeName, builtin) = goTypeName(req.path)
        guard case .map(let m) = answer else { return nil }
        let isList: Bool
        if case .list? = m.entries["items"] { isList = true } else { isList = m.entries["items"].map { $0.isNull } ?? false }
        let apiVersion = "meta.k8s.io/\(version)"
        func partial(_ obj: Value) -> Value {
            var e: [String: Value] = ["kind": .string("PartialObjectMetadata"), "apiVersion": .string(apiVersion)]
            if case .map(let om) = obj, let md = om.entries["metadata"] { e["metadata"] = md }
            return .map(Map(e))
        }
        if kind == "PartialObjectMetadataList" {
            guard isList else {
                if !builtin {
                    // The genuine server's unstructured path fails without a reason.
                    let body = APIError(code: 500, reason: "", message: "content is not a list").body
                    if case .map(let bm) = body { bm.entries["reason"] = nil }
                    return APIResponse(status: 500, body: body)
                }
                return notAcceptable("you requested PartialObjectMetadataList, but the requested object is not a list (*\(typeName))")
            }
            var items: Value = .null  // an empty list is null there, as the genuine server writes it
            if case .list(let l)? = m.entries["items"], !l.items.isEmpty { items = .list(l.items.map(partial)) }
            return APIResponse(status: 200, body: .map(["kind": .string("PartialObjectMetadataList"), "apiVersion": .string(apiVersion),
                                                        "metadata": m.entries["metadata"] ?? .map([:]), "items": items]))
        }
        if isList { return notAcceptable("you requested PartialObjectMetadata, but the requested object is a list (*\(typeName)List)") }
        return APIResponse(status: 200, body: partial(answer))
    }

    func notAcceptable(_ message: String) -> APIResponse {
        APIResponse(status: 406, body: APIError(code: 406, reason: "NotAcceptable", message: message).body)
    }

    /// The Go type the genuine server names in these messages: `core.ConfigMap`, `apps.Deployment`,
    /// `unstructured.Unstructured` for custom resources; whether the kind is built in.
    func goTypeName(_ path: String) -> (String, Bool) {
        lock.lock()
        defer { lock.unlock() }
        guard let t = try? parseTarget(path.split(separator: "/").map(String.init)) else { return ("unstructured.Unstructured", false) }
        guard t.resource.builtin else { return ("unstructured.Unstructured", false) }
        let package = t.resource.group.isEmpty ? "core" : String(t.resource.group.split(separator: ".")[0])
        return ("\(package).\(t.resource.kind)", true)
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = self[...]
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
