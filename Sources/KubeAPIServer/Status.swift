import Values

/// A request the server refuses, as a Kubernetes `Status` body with its HTTP code.
public struct APIError: Error, Sendable {
    public let code: Int
    public let reason: String
    public let message: String
    public var details: [String: Value] = [:]
    /// Some answers carry `details: {}` even when empty (a failed JSON patch).
    public var emptyDetailsShown = false

    public init(code: Int, reason: String, message: String, details: [String: Value] = [:]) {
        self.code = code; self.reason = reason; self.message = message; self.details = details
    }

    public var body: Value {
        var m: [String: Value] = [
            "kind": .string("Status"), "apiVersion": .string("v1"), "metadata": .map([:]),
            "status": .string("Failure"), "message": .string(message), "reason": .string(reason),
            "code": .int(Int64(code)),
        ]
        if !details.isEmpty || emptyDetailsShown { m["details"] = .map(details) }
        return .map(m)
    }

    static func detailsFor(_ r: ResourceType, name: String?) -> [String: Value] {
        var d: [String: Value] = ["kind": .string(r.name)]
        if let name { d["name"] = .string(name) }
        if !r.group.isEmpty { d["group"] = .string(r.group) }
        return d
    }

    static func notFound(_ r: ResourceType, _ name: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "\(r.qualifiedName) \"\(name)\" not found", details: detailsFor(r, name: name))
    }

    static func namespaceNotFound(_ ns: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "namespaces \"\(ns)\" not found",
                 details: ["name": .string(ns), "kind": .string("namespaces")])
    }

    static func alreadyExists(_ r: ResourceType, _ name: String) -> APIError {
        APIError(code: 409, reason: "AlreadyExists", message: "\(r.qualifiedName) \"\(name)\" already exists", details: detailsFor(r, name: name))
    }

    static func conflict(_ r: ResourceType, _ name: String) -> APIError {
        APIError(code: 409, reason: "Conflict",
                 message: "Operation cannot be fulfilled on \(r.qualifiedName) \"\(name)\": the object has been modified; please apply your changes to the latest version and try again",
                 details: detailsFor(r, name: name))
    }

    static func badRequest(_ message: String) -> APIError { APIError(code: 400, reason: "BadRequest", message: message) }

    static func invalid(_ r: ResourceType, _ name: String, causes: [(field: String, reason: String, message: String)], summary: String) -> APIError {
        var d: [String: Value] = ["name": .string(name), "kind": .string(r.kind)]
        if !r.group.isEmpty { d["group"] = .string(r.group) }
        d["causes"] = .list(causes.map { .map(["reason": .string($0.reason), "message": .string($0.message), "field": .string($0.field)]) })
        let kindName = r.group.isEmpty ? r.kind : "\(r.kind).\(r.group)"
        return APIError(code: 422, reason: "Invalid", message: "\(kindName) \"\(name)\" is invalid: \(summary)", details: d)
    }

    static func methodNotAllowed() -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource")
    }

    static func notFoundPath() -> APIError {
        APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
    }
}
