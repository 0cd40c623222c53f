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

    /// `readiness: false` skips reading each object (the caller reads them its own way).
    public func run(name: String, namespace: String, revision: Int? = nil, readiness: Bool = true) async throws -> (Release, [ObjectStatus]) {
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
        if readiness && r.info.status != .uninstalled {
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

extension StatusAction {
    /// kubectl's request for server-side printing (what `helm status` shows as tables).
    public static let tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"

    /// The live objects of a release as helm 4's status collects them (kube.Client.Get with
    /// related pods): by "VERSION/KIND" in manifest order, objects that are gone left out, and
    /// the Pods a workload's selector picks under "v1/Pod(related)", once per selector.
    /// `accept`: `tableAccept` for server-printed tables.
    public func resources(of r: Release, accept: String? = nil) async throws -> [(key: String, objects: [Value])] {
        var out: [(key: String, objects: [Value])] = []
        func add(_ key: String, _ v: Value) {
            if let i = out.firstIndex(where: { $0.key == key }) { out[i].objects.append(v) } else { out.append((key, [v])) }
        }
        var selectors: [String] = []
        for var obj in try ResourceList.parse(r.manifest) {
            guard (try? await context.resources.prepare(&obj, namespace: r.namespace)) != nil,
                  let live = try? await context.resources.get(obj, namespace: r.namespace, accept: accept) else { continue }
            let version = obj.apiVersion.split(separator: "/").last.map(String.init) ?? obj.apiVersion
            add("\(version)/\(obj.kind)", live)
            guard let selector = StatusAction.podSelector(obj), !selectors.contains(selector) else { continue }
            selectors.append(selector)
            let ns = obj.namespace ?? r.namespace
            if let pods = try? await context.resources.client.request(.GET, "/api/v1/namespaces/\(ns)/pods", query: [("labelSelector", selector)], accept: accept) {
                if accept != nil { add("v1/Pod(related)", pods); continue }
                if case .map(let m) = pods, case .list(let items)? = m.entries["items"] {
                    for case .map(let pod) in items.items {
                        pod.entries["apiVersion"] = .string("v1"); pod.entries["kind"] = .string("Pod")
                        add("v1/Pod(related)", .map(pod))
                    }
                }
            }
        }
        return out
    }

    /// helm's getSelectorFromObject: the matchLabels of workloads (a map for ReplicationControllers).
    static func podSelector(_ r: Resource) -> String? {
        guard ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController"].contains(r.kind),
              case .map(let spec)? = r.object.entries["spec"], case .map(let sel)? = spec.entries["selector"] else { return nil }
        var labels = sel
        if r.kind != "ReplicationController" {
            guard case .map(let ml)? = sel.entries["matchLabels"] else { return nil }
            labels = ml
        }
        let pairs = labels.entries.compactMap { k, v in v.stringValue.map { "\(k)=\($0)" } }.sorted()
        return pairs.isEmpty ? nil : pairs.joined(separator: ",")
    }
}
