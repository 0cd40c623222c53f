import Values
import Kube
import Release

/// `hrctl status NAME`: the latest revision and each of its objects with its readiness.
public struct StatusAction: Sendable {
    public let context: ActionContext
    public init(context: ActionContext) { self.context = context }

    public struct ObjectStatus: Sendable {
        public var label: String
        public var namespace: String?
        public var state: String
        public var message: String
    }

    public func run(name: String, namespace: String, revision: Int? = nil) async throws -> (Release, [ObjectStatus]) {
        let history = try await context.storage.history(name, namespace: namespace)
        context.warnReadOnly(name, history)
        let r: Release
        if let revision {
            guard let x = history.first(where: { $0.version == revision }) else { throw ActionError.revisionNotFound(name, revision) }
            r = x
        } else {
            guard let x = history.last else { throw ActionError.releaseNotFound(name, namespace: namespace) }
            r = x
        }
        var out: [ObjectStatus] = []
        if r.info.status != .uninstalled {
            for var obj in try ResourceList.parse(r.manifest) {
                do {
                    try await context.resources.prepare(&obj, namespace: namespace)
                    guard let live = try await context.resources.get(obj, namespace: namespace) else {
                        out.append(ObjectStatus(label: obj.label, namespace: obj.namespace, state: "Missing", message: "not found in the cluster"))
                        continue
                    }
                    switch Readiness.of(live) {
                    case .current: out.append(ObjectStatus(label: obj.label, namespace: obj.namespace, state: "Ready", message: ""))
                    case .inProgress(let m): out.append(ObjectStatus(label: obj.label, namespace: obj.namespace, state: "InProgress", message: m))
                    case .failed(let m): out.append(ObjectStatus(label: obj.label, namespace: obj.namespace, state: "Failed", message: m))
                    }
                } catch {
                    out.append(ObjectStatus(label: obj.label, namespace: obj.namespace, state: "Unknown", message: "\(error)"))
                }
            }
        }
        return (r, out)
    }
}
