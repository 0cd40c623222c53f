import Values
import Kube
import HelmRelease
import Chart

/// What a run does with the objects of a chart's crds/ folder, decided before anything is
/// written: the ones to create, and (policy CreateReplace) the existing CustomResourceDefinitions
/// to upgrade, each checked safe for the custom resources stored under it. Nothing is ever
/// deleted: a CRD the chart no longer has stays, and so do all of them on uninstall, since
/// deleting a CRD deletes every object of its kind.
struct CRDPlan: Sendable {
    var policy = CRDPolicy.skip
    var create: [Resource] = []
    /// Existing CRDs the chart's definition is applied over.
    var upgrade: [Resource] = []
    /// Existing ones the policy leaves alone (Create), for diff's notes.
    var kept: [Resource] = []

    /// What the cluster will define once the plan ran (for the served-kinds check).
    var applied: [Resource] { create + upgrade }
}

/// Why an upgrade of a CRD would hurt the objects stored under it. The apiserver refuses a
/// definition that drops a version its `status.storedVersions` lists, but only once the request
/// is made (and with no count); a version that stops being served it accepts, and every client
/// and controller reading the objects through it breaks. Both are refused here, before the first
/// write of the run.
struct CRDVersionRisk: Sendable, Equatable {
    enum Change: Sendable, Equatable { case dropped, unserved }
    var version: String
    var change: Change
}

enum CRDVersions {
    /// name -> served, of `spec.versions` (a v1beta1 `spec.version` counts as served).
    static func served(_ crd: Map) -> [String: Bool] {
        guard case .map(let spec)? = crd.entries["spec"] else { return [:] }
        var out: [String: Bool] = [:]
        if let v = spec.entries["version"]?.stringValue { out[v] = true }
        if case .list(let l)? = spec.entries["versions"] {
            for item in l.items {
                guard case .map(let vm) = item, let n = vm.entries["name"]?.stringValue else { continue }
                if case .bool(let b)? = vm.entries["served"] { out[n] = b } else { out[n] = true }
            }
        }
        return out
    }

    static func storedVersions(_ live: Map) -> [String] {
        guard case .map(let status)? = live.entries["status"], case .list(let l)? = status.entries["storedVersions"] else { return [] }
        return l.items.compactMap(\.stringValue)
    }

    /// Versions objects may be stored in (the live CRD's `status.storedVersions`) that the new
    /// definition drops, or serves no longer while the live one still serves them.
    static func risks(live: Map, new: Map) -> [CRDVersionRisk] {
        let now = served(live), next = served(new)
        var out: [CRDVersionRisk] = []
        for v in storedVersions(live) {
            guard let servedNext = next[v] else { out.append(.init(version: v, change: .dropped)); continue }
            if !servedNext && now[v] == true { out.append(.init(version: v, change: .unserved)) }
        }
        return out
    }
}

extension ReleaseSpec {
    /// The objects of the chart's crds/ (its subcharts' too), with `crdLabels`.
    func crdObjects(_ chart: Chart) throws -> [Resource] {
        var out: [Resource] = []
        for f in chart.crdObjects {
            for r in try ResourceList.parse("# Source: \(f.name)\n" + f.text) {
                for (k, v) in crdLabels.sorted(by: { $0.key < $1.key }) { r.setLabel(k, v) }
                out.append(r)
            }
        }
        return out
    }
}

extension ActionContext {
    /// The plan for `crds` (crds/ documents) under `policy`: one read per object, no write.
    /// Throws `unsafeCRDUpgrade` naming every version at risk and how many objects use it.
    func planCRDs(_ crds: [Resource], policy: CRDPolicy, namespace: String) async throws -> CRDPlan {
        var plan = CRDPlan(policy: policy)
        guard policy != .skip else { return plan }
        var problems: [String] = []
        for crd in crds {
            guard let live = try await resources.get(crd, namespace: namespace) else { plan.create.append(crd); continue }
            guard policy == .createReplace else { plan.kept.append(crd); continue }
            if crd.kind == "CustomResourceDefinition", case .map(let l) = live {
                let risks = CRDVersions.risks(live: l, new: crd.object)
                let count = risks.isEmpty ? 0 : try await storedObjects(l)
                // Stopping to serve a version nothing is stored in harms nobody's data.
                for risk in risks where !(risk.change == .unserved && count == 0) {
                    problems.append(ActionError.crdRiskMessage(crd.name, kind: Self.crdKind(l), risk: risk, objects: count,
                                                              storedVersions: CRDVersions.storedVersions(l)))
                }
            }
            plan.upgrade.append(crd)
        }
        if !problems.isEmpty { throw ActionError.unsafeCRDUpgrade(problems) }
        return plan
    }

    static func crdKind(_ crd: Map) -> String {
        guard case .map(let spec)? = crd.entries["spec"], case .map(let names)? = spec.entries["names"] else { return "" }
        return names.entries["kind"]?.stringValue ?? ""
    }

    /// How many custom resources the live CRD has (in all namespaces), counted through a
    /// version it serves, metadata only, 500 a page.
    func storedObjects(_ live: Map) async throws -> Int {
        guard case .map(let spec)? = live.entries["spec"], let group = spec.entries["group"]?.stringValue,
              case .map(let names)? = spec.entries["names"], let plural = names.entries["plural"]?.stringValue,
              let version = CRDVersions.served(live).filter(\.value).keys.sorted().first else { return 0 }
        var count = 0, cont = ""
        repeat {
            var q: [(String, String)] = [("limit", "500")]
            if !cont.isEmpty { q.append(("continue", cont)) }
            let list = try await resources.client.request(.GET, "/apis/\(group)/\(version)/\(plural)", query: q,
                                                          accept: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json")
            guard case .map(let lm) = list else { break }
            if case .list(let items)? = lm.entries["items"] { count += items.items.count }
            cont = ""
            if case .map(let md)? = lm.entries["metadata"], let c = md.entries["continue"]?.stringValue { cont = c }
        } while !cont.isEmpty
        return count
    }

    /// Runs the plan before any other object of the release: creates (only if still absent)
    /// and upgrades by server-side apply under our field manager, then waits until each is
    /// Established and every version it serves is in discovery.
    func applyCRDs(_ plan: CRDPlan, namespace: String, timeout: Double, fence: LockFence?) async throws {
        for crd in plan.create {
            progress("creating \(crd.kind) \(crd.name)")
            try await fence?.hold()
            _ = try await resources.applyIfAbsent(crd, namespace: namespace)
        }
        for crd in plan.upgrade {
            progress("upgrading \(crd.kind) \(crd.name) (policy CreateReplace)")
            try await fence?.hold()
            try await resources.apply(crd, namespace: namespace)
        }
        let crds = plan.applied.filter { $0.kind == "CustomResourceDefinition" }
        guard !plan.applied.isEmpty else { return }
        try await resources.wait(plan.applied, namespace: namespace, WaitOptions(timeout: timeout))
        try await waitServed(crds, timeout: timeout)
    }

    /// A CRD is Established before its new versions reach discovery (an upgraded one was
    /// Established all along): objects of those versions map only once they are there.
    func waitServed(_ crds: [Resource], timeout: Double) async throws {
        let deadline = ResourceClient.now() + timeout
        for crd in crds {
            guard case .map(let spec)? = crd.object.entries["spec"], let group = spec.entries["group"]?.stringValue else { continue }
            let kind = Self.crdKind(crd.object)
            for (version, served) in CRDVersions.served(crd.object).sorted(by: { $0.key < $1.key }) where served {
                while true {
                    do { _ = try await resources.discovery.mapping(apiVersion: "\(group)/\(version)", kind: kind); break }
                    catch is Discovery.DiscoveryError {
                        if ResourceClient.now() > deadline {
                            throw ActionError.failed("timed out after \(GoDuration.format(seconds: timeout)) waiting for \(kind) \(group)/\(version) of CustomResourceDefinition \(crd.name) to be served")
                        }
                        try await Task.sleep(nanoseconds: 100_000_000)
                    }
                }
            }
        }
    }
}
