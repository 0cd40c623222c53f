import Values
import Kube
#if canImport(Glibc)
import Glibc
#endif

/// Scale-out: the live replicas share the HelmReleases. Each replica keeps a Lease of its own
/// (`<group>-member-<identity>`, labelled `hrctl.io/members=<group>`), renewed every retry
/// period; the replicas whose Leases are not expired are the view, and a release belongs to the
/// view's member that rendezvous hashing picks (a replica joining or leaving moves only its
/// share). No release is ever reconciled by two replicas at once: when a replica sees the view
/// change it stops taking releases it no longer owns, waits for those in flight, and only then
/// acknowledges the view on its Lease; every replica reconciles only while all members of its
/// view acknowledge that same view. A replica that cannot renew its Lease stops reconciling
/// before the others can count it dead.
public actor Membership {
    let client: KubeClient
    let namespace: String
    let group: String
    public let identity: String
    let term: String
    let leaseDuration: Double
    let retryPeriod: Double

    struct Member: Equatable { var identity: String; var term: String; var ack: String }
    /// The live members as last read, this replica included.
    var members: [Member] = []
    /// The view this replica has adopted, and whether it has acknowledged it.
    public private(set) var view: [String] = []
    var acknowledged = ""
    var inFlight: [String: Int] = [:]
    var lastRenewed = 0.0
    var resourceVersion: String?
    /// Called with the releases this replica newly owns when its view changes (they are queued).
    var onGain: (@Sendable () async -> Void)?

    public init(client: KubeClient, namespace: String, group: String, identity: String, term: String, leaseDuration: Double, retryPeriod: Double) {
        self.client = client; self.namespace = namespace; self.group = group; self.identity = identity; self.term = term
        self.leaseDuration = leaseDuration; self.retryPeriod = retryPeriod
    }

    func setOnGain(_ f: @escaping @Sendable () async -> Void) { onGain = f }

    var path: String { "/apis/coordination.k8s.io/v1/namespaces/\(namespace)/leases" }
    var leaseName: String {
        let clean = identity.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        return "\(group)-member-" + String(String(clean).prefix(200))
    }

    static func viewHash(_ view: [String]) -> String {
        var h: UInt64 = 0xcbf29ce484222325
        for b in view.joined(separator: ",").utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return String(h, radix: 36)
    }

    /// Rendezvous hashing: the member with the highest hash of (member, key).
    public static func owner(_ key: String, _ view: [String]) -> String? {
        view.max { score($0, key) < score($1, key) }
    }

    static func score(_ member: String, _ key: String) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in (member + "\u{0}" + key).utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        // A final mix: FNV's low bits alone favour some members.
        h ^= h >> 33; h = h &* 0xff51afd7ed558ccd; h ^= h >> 33; h = h &* 0xc4ceb53fe63a2d1b; h ^= h >> 33
        return h
    }

    public enum Decision: Sendable { case run, notMine, wait }

    /// Whether this replica may reconcile `key` now; `.run` counts it in flight (until `end`),
    /// in the same step, so a view acknowledged meanwhile knows of it.
    public func begin(_ key: String) -> Decision {
        guard Membership.owner(key, view) == identity else { return .notMine }
        let h = Membership.viewHash(view)
        guard !fenced, acknowledged == h, members.allSatisfy({ $0.ack == h }) else { return .wait }
        inFlight[key, default: 0] += 1
        return .run
    }

    public func owns(_ key: String) -> Bool { Membership.owner(key, view) == identity }

    /// Renewals failed for longer than a lease minus a retry period: the others may soon count
    /// this replica dead and take its releases, so it stops.
    var fenced: Bool { LeaderElector.clock() - lastRenewed > leaseDuration - retryPeriod }

    public func end(_ key: String) {
        inFlight[key, default: 1] -= 1
        if inFlight[key] == 0 { inFlight[key] = nil }
    }

    /// The live members' lock holders, readable without waiting on the actor.
    public nonisolated let holders = Holders()

    /// "hrctl operator ID term T" of each live member, for telling abandoned locks.
    public final class Holders: @unchecked Sendable {
        private var m = pthread_mutex_t()
        private var live: [String] = []
        init() { pthread_mutex_init(&m, nil) }
        func set(_ l: [String]) { pthread_mutex_lock(&m); live = l; pthread_mutex_unlock(&m) }
        /// A lock written by a replica that is no longer a live member (or by an earlier term of one).
        public func isAbandoned(_ holder: String) -> Bool {
            guard holder.contains("hrctl operator ") else { return false }
            pthread_mutex_lock(&m); defer { pthread_mutex_unlock(&m) }
            return !live.contains { holder.contains($0) }
        }
    }

    /// One round: renew this replica's Lease (with its acknowledgement), read the others', adopt
    /// the view they make. True when the renewal succeeded.
    @discardableResult
    public func refresh() async -> Bool {
        let renewed = await renew()
        if renewed { lastRenewed = LeaderElector.clock() }
        guard let list = try? await client.request(.GET, path, query: [("labelSelector", "hrctl.io/members=\(group)")]),
              case .map(let lm) = list, case .list(let items)? = lm.entries["items"] else { return renewed }
        let now = LeaderElector.clock()
        var live: [Member] = []
        for item in items.items {
            guard case .map(let m) = item, case .map(let spec)? = m.entries["spec"], case .map(let md)? = m.entries["metadata"],
                  let id = spec.entries["holderIdentity"]?.stringValue, !id.isEmpty else { continue }
            var duration = leaseDuration
            if case .float(let d, _)? = spec.entries["leaseDurationSeconds"] { duration = d }
            let renewedAt = LeaderElector.parse(spec.entries["renewTime"]?.stringValue ?? "") ?? 0
            guard now <= renewedAt + duration else { continue }
            var ann: [String: String] = [:]
            if case .map(let a)? = md.entries["annotations"] { ann = a.entries.compactMapValues(\.stringValue) }
            live.append(Member(identity: id, term: ann["hrctl.io/term"] ?? "", ack: ann["hrctl.io/view"] ?? ""))
        }
        if !live.contains(where: { $0.identity == identity }) {
            live.append(Member(identity: identity, term: term, ack: acknowledged))
        }
        // This replica's own acknowledgement is what it holds, not what it last wrote.
        for i in live.indices where live[i].identity == identity { live[i].ack = acknowledged }
        members = live
        holders.set(live.map { "hrctl operator \($0.identity) term \($0.term)" })
        let next = live.map(\.identity).sorted()
        if next != view {
            view = next
            await onGain?()
        }
        // Acknowledge once nothing this replica no longer owns is still in flight.
        let h = Membership.viewHash(view)
        if acknowledged != h, !inFlight.keys.contains(where: { Membership.owner($0, view) != identity }) {
            acknowledged = h
            for i in members.indices where members[i].identity == identity { members[i].ack = h }
            if await renew() { lastRenewed = LeaderElector.clock() }
        }
        return renewed
    }

    func renew() async -> Bool {
        let now = LeaderElector.microTime(LeaderElector.clock())
        let body: Value = .map([
            "apiVersion": .string("coordination.k8s.io/v1"), "kind": .string("Lease"),
            "metadata": .map(Map([
                "name": .string(leaseName), "namespace": .string(namespace),
                "labels": .map(["hrctl.io/members": .string(group)]),
                "annotations": .map(["hrctl.io/term": .string(term), "hrctl.io/view": .string(acknowledged)]),
            ].merging(resourceVersion.map { ["resourceVersion": .string($0)] } ?? [:]) { $1 })),
            "spec": .map(["holderIdentity": .string(identity), "leaseDurationSeconds": .float(leaseDuration.rounded(.up)),
                          "renewTime": .string(now), "acquireTime": .string(now)]),
        ])
        do {
            let answer: Value
            if resourceVersion == nil {
                do { answer = try await client.request(.POST, path, body: body) } catch let e as KubeAPIError where e.reason == .alreadyExists {
                    // A Lease of an earlier run of this identity: take it over.
                    guard case .map(let old) = try await client.request(.GET, path + "/" + leaseName), case .map(let md)? = old.entries["metadata"] else { return false }
                    resourceVersion = md.entries["resourceVersion"]?.stringValue
                    return await renew()
                }
            } else {
                answer = try await client.request(.PUT, path + "/" + leaseName, body: body)
            }
            if case .map(let m) = answer, case .map(let md)? = m.entries["metadata"] { resourceVersion = md.entries["resourceVersion"]?.stringValue }
            return true
        } catch let e as KubeAPIError where e.reason == .conflict || e.reason == .notFound {
            resourceVersion = nil
            return false
        } catch {
            return false
        }
    }

    /// Leaves at a graceful stop: the Lease goes, the others take the share at once.
    public func leave() async {
        _ = try? await client.request(.DELETE, path + "/" + leaseName)
    }
}
