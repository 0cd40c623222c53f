import Values
import Kube
import Release
#if canImport(Glibc)
import Glibc
#endif

/// What every action needs: the cluster's objects, the release records, and a place to report progress.
public struct ActionContext: Sendable {
    public let resources: ResourceClient
    public let storage: ReleaseStorage
    public let progress: @Sendable (String) -> Void

    public init(client: KubeClient, progress: @escaping @Sendable (String) -> Void = { _ in }) {
        resources = ResourceClient(client: client, discovery: Discovery(client: client))
        storage = ReleaseStorage(client: client)
        self.progress = progress
    }

    /// The cluster's version, for `.Capabilities.KubeVersion`.
    public func kubeVersion() async -> String? {
        guard case .map(let m)? = try? await resources.client.request(.GET, "/version") else { return nil }
        return m.entries["gitVersion"]?.stringValue
    }
}

/// Options shared by install, upgrade and rollback.
public struct DeployOptions: Sendable {
    public var wait = false
    public var timeout: Double = 300
    public var atomic = false
    public var maxHistory = 10
    public var skipCRDs = false
    public var noHooks = false
    public var dryRun = false
    /// Upgrade even when neither chart nor values changed.
    public var force = false
    public init() {}
}

/// The pending record of a running operation is its lock: it names the process that holds it,
/// so a lock left behind by a crashed run can be recognised and recovered.
enum Lock {
    static var host: String {
        var buf = [CChar](repeating: 0, count: 256)
        gethostname(&buf, 255)
        return String(cString: buf)
    }

    static func holderText(_ verb: String) -> String { "\(verb) in progress (hrctl pid \(getpid()) on \(host))" }

    /// A pending record whose holder is gone (same host, no such process) or that is older than
    /// the operation's timeout plus a minute is stale.
    static func isStale(_ r: Release, timeout: Double) -> Bool {
        let d = r.info.description
        if let range = d.range(of: "hrctl pid ") {
            let rest = d[range.upperBound...]
            let pid = Int32(rest.prefix { $0.isNumber }) ?? 0
            if let on = rest.range(of: " on ") {
                let h = String(rest[on.upperBound...].prefix { $0 != ")" })
                if h == host && pid > 0 && kill(pid, 0) != 0 && errno == ESRCH { return true }
            }
        }
        if let t = Timestamp.parse(r.info.lastDeployed) { return Double(Timestamp.unixNow() - t) > timeout + 60 }
        return false
    }
}
