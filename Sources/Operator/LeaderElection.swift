import Values
import Kube
#if canImport(Glibc)
import Glibc
#endif

/// Leader election with a coordination.k8s.io/v1 Lease, as client-go's leaderelection does: the
/// holder renews it every `retryPeriod`; a candidate takes it over once `leaseDuration` has passed
/// since the last renewal; updates carry the resourceVersion, so two candidates never both win.
public struct LeaderElector: Sendable {
    public let client: KubeClient
    public let namespace: String
    public let name: String
    public let identity: String
    public var leaseDuration: Double = 15
    public var retryPeriod: Double = 2

    public init(client: KubeClient, namespace: String, name: String = "hrctl-operator", identity: String) {
        self.client = client; self.namespace = namespace; self.name = name; self.identity = identity
    }

    var path: String { "/apis/coordination.k8s.io/v1/namespaces/\(namespace)/leases" }

    /// Takes or renews the lease; true when this identity holds it afterwards.
    public func tryAcquireOrRenew() async throws -> Bool {
        let now = LeaderElector.microTime(LeaderElector.clock())
        let lease: Map
        do {
            guard case .map(let m) = try await client.request(.GET, path + "/" + name) else { return false }
            lease = m
        } catch let e as KubeAPIError where e.reason == .notFound {
            let body: Value = .map(["apiVersion": .string("coordination.k8s.io/v1"), "kind": .string("Lease"),
                                    "metadata": .map(["name": .string(name), "namespace": .string(namespace)]),
                                    "spec": .map(spec(holder: identity, acquired: now, renewed: now, transitions: 0))])
            do { _ = try await client.request(.POST, path, body: body); return true }
            catch let e as KubeAPIError where e.reason == .alreadyExists { return false }
        }
        guard case .map(let spec)? = lease.entries["spec"] else { return false }
        let holder = spec.entries["holderIdentity"]?.stringValue ?? ""
        let renewed = LeaderElector.parse(spec.entries["renewTime"]?.stringValue ?? "") ?? 0
        var duration = leaseDuration
        if case .float(let d, _)? = spec.entries["leaseDurationSeconds"] { duration = d }
        var transitions = 0.0
        if case .float(let t, _)? = spec.entries["leaseTransitions"] { transitions = t }
        let expired = holder.isEmpty || LeaderElector.clock() > renewed + duration
        guard holder == identity || expired else { return false }
        var md: [String: Value] = ["name": .string(name), "namespace": .string(namespace)]
        if case .map(let m)? = lease.entries["metadata"] { md["resourceVersion"] = m.entries["resourceVersion"] }
        let acquired = holder == identity ? (spec.entries["acquireTime"]?.stringValue ?? now) : now
        let body: Value = .map(["apiVersion": .string("coordination.k8s.io/v1"), "kind": .string("Lease"), "metadata": .map(Map(md)),
                                "spec": .map(self.spec(holder: identity, acquired: acquired, renewed: now,
                                                       transitions: holder == identity ? transitions : transitions + 1))])
        do { _ = try await client.request(.PUT, path + "/" + name, body: body); return true }
        catch let e as KubeAPIError where e.reason == .conflict { return false }
    }

    /// Gives the lease up at a graceful stop, so another replica takes over at once.
    public func release() async {
        guard case .map(let lease)? = try? await client.request(.GET, path + "/" + name),
              case .map(let spec)? = lease.entries["spec"], spec.entries["holderIdentity"]?.stringValue == identity else { return }
        spec.entries["holderIdentity"] = .string("")
        spec.entries["renewTime"] = .string(LeaderElector.microTime(0))
        _ = try? await client.request(.PUT, path + "/" + name, body: .map(lease))
    }

    func spec(holder: String, acquired: String, renewed: String, transitions: Double) -> [String: Value] {
        ["holderIdentity": .string(holder), "leaseDurationSeconds": .float(leaseDuration.rounded(.up)),
         "acquireTime": .string(acquired), "renewTime": .string(renewed), "leaseTransitions": .float(transitions)]
    }

    static func clock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// metav1.MicroTime: RFC 3339 with microseconds.
    static func microTime(_ t: Double) -> String {
        Timestamp.format(seconds: Int(t), nanos: Int((t - Double(Int(t))) * 1e9), fractionDigits: 6)
    }

    /// Seconds of a (Micro)Time, with its fraction: renewals are compared to the lease's duration.
    static func parse(_ s: String) -> Double? {
        guard let whole = Timestamp.parse(s) else { return nil }
        guard let dot = s.firstIndex(of: ".") else { return Double(whole) }
        return Double(whole) + (Double("0" + s[dot...].prefix { $0 == "." || $0.isNumber }) ?? 0)
    }
}
