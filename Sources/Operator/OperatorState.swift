import Values
import Kube
import Release

/// What the operator knows between events, all from watches: the HelmReleases (whole), the
/// versions of ConfigMaps and Secrets (metadata only, so valuesFrom changes are seen without
/// holding their data), and the objects releases own (metadata only, label-selected), whose
/// managedFields say who last changed them. From these it decides, without asking the API
/// server, whether a release needs a reconcile and which of its objects may have drifted.
actor OperatorState {
    struct Known { var object: Value; var generation: Int; var refs: Set<String> }
    /// HelmReleases by "namespace/name".
    var known: [String: Known] = [:]
    var queue: WorkQueue?
    var stopping = false
    var ready = false
    var listedValues: Set<String> = []
    /// resourceVersions of ConfigMaps and Secrets ("configmaps/NS/NAME").
    var valueVersions: [String: String] = [:]
    var valuesListing: [String: [String: String]] = [:]

    /// What was true after the last successful reconcile of a HelmRelease.
    struct Managed {
        var release: String           // "targetNamespace/releaseName"
        var objects: Set<String>      // object keys of its deployed manifest
        var fingerprint: Fingerprint?
        /// Foreign stamps of each object as they were when the reconcile that left it right began.
        var verified: [String: [String: String]]
    }
    var managed: [String: Managed] = [:]
    /// "targetNamespace/releaseName" → HelmRelease key.
    var owners: [String: String] = [:]
    /// Objects an event showed changed by someone else (or gone), by HelmRelease, each with the
    /// number of the event that flagged it: a reconcile clears only what it saw flagged, so a
    /// change to the same object while it runs is looked at again.
    var suspects: [String: [String: Int]] = [:]
    var flagCount = 0
    func flag(_ hr: String, _ k: String) {
        flagCount += 1
        suspects[hr, default: [:]][k] = flagCount
    }

    /// An owned object: its release (from Helm's annotations) and who changed it, when.
    struct Owned { var release: String; var stamps: [String: String] }
    var owned: [String: Owned] = [:]
    var ownedListing: [String: Set<String>] = [:]
    /// "group|Kind" whose watch has listed once, and the namespace it covers (nil: all).
    var synced: [String: String?] = [:]

    func setStopping() { stopping = true }
    func setReadyStandby() { ready = true }
    func begin(_ q: WorkQueue) {
        queue = q; known = [:]; listedValues = []; managed = [:]; owners = [:]; suspects = [:]
        owned = [:]; synced = [:]; valueVersions = [:]
    }
    func end() { queue = nil }
    func forget(_ key: String) {
        known[key] = nil
        if let m = managed.removeValue(forKey: key) { owners[m.release] = nil }
        suspects[key] = nil
    }
    func object(_ key: String) -> Value? { known[key]?.object }

    func resync() async {
        for k in known.keys.sorted() { await queue?.add(k) }
    }

    static func key(_ v: Value) -> String? {
        guard case .map(let m) = v, case .map(let md)? = m.entries["metadata"], let n = md.entries["name"]?.stringValue,
              let ns = md.entries["namespace"]?.stringValue else { return nil }
        return "\(ns)/\(n)"
    }

    static func metadata(_ v: Value) -> Map? {
        if case .map(let m) = v, case .map(let md)? = m.entries["metadata"] { return md }
        return nil
    }

    static func generation(_ v: Value) -> Int {
        if let md = metadata(v), case .float(let g, _)? = md.entries["generation"] { return Int(g) }
        return 0
    }

    static func resourceVersion(_ v: Value) -> Int { metadata(v)?.entries["resourceVersion"]?.stringValue.flatMap { Int($0) } ?? 0 }

    static func deleting(_ v: Value) -> Bool { metadata(v)?.entries["deletionTimestamp"] != nil }

    /// The ConfigMaps and Secrets a HelmRelease reads values from ("configmaps/NS/NAME").
    static func references(_ v: Value) -> Set<String> {
        guard case .map(let m) = v, case .map(let spec)? = m.entries["spec"], case .list(let l)? = spec.entries["valuesFrom"],
              case .map(let md)? = m.entries["metadata"] else { return [] }
        let ns = md.entries["namespace"]?.stringValue ?? "default"
        var out: Set<String> = []
        for item in l.items {
            guard case .map(let im) = item else { continue }
            for (field, kind) in [("configMapKeyRef", "configmaps"), ("secretKeyRef", "secrets")] {
                if case .map(let ref)? = im.entries[field], let name = ref.entries["name"]?.stringValue {
                    out.insert("\(kind)/\(ref.entries["namespace"]?.stringValue ?? ns)/\(name)")
                }
            }
            // helm.toolkit.fluxcd.io/v2: {kind: ConfigMap|Secret, name}
            if let kind = im.entries["kind"]?.stringValue, let name = im.entries["name"]?.stringValue {
                out.insert("\(kind == "Secret" ? "secrets" : "configmaps")/\(ns)/\(name)")
            }
        }
        return out
    }

    // MARK: HelmReleases

    func helmReleases(_ update: Reflector.Update) async {
        switch update {
        case .replaced(let items):
            await helmReleasePage(items, last: true, first: true)
        case .page(let items, let last):
            await helmReleasePage(items, last: last, first: hrListing.isEmpty)
        case .event(let e):
            guard let k = Self.key(e.object) else { return }
            let g = Self.generation(e.object)
            switch e.kind {
            case .deleted:
                forget(k)
            case .added, .modified:
                let before = known[k]
                // A patch answer this operator saw first may be newer than a late event.
                if let before, Self.resourceVersion(before.object) > Self.resourceVersion(e.object) { return }
                known[k] = Known(object: e.object, generation: g, refs: Self.references(e.object))
                // Status writes do not change the generation: only spec changes and deletion count.
                if before == nil || before!.generation != g || Self.deleting(e.object) { await queue?.add(k) }
            case .bookmark:
                break
            }
        }
    }

    var hrListing: Set<String> = []
    func helmReleasePage(_ items: [Value], last: Bool, first: Bool) async {
        for item in items {
            // Items of a list may come without their kind (the list names it).
            if case .map(let m) = item, m.entries["kind"] == nil {
                m.entries["kind"] = .string("HelmRelease")
                m.entries["apiVersion"] = .string("\(HelmReleaseCRD.group)/\(HelmReleaseCRD.version)")
            }
            guard let k = Self.key(item) else { continue }
            hrListing.insert(k)
            known[k] = Known(object: item, generation: Self.generation(item), refs: Self.references(item))
            await queue?.add(k)
        }
        guard last else { return }
        for k in known.keys where !hrListing.contains(k) { forget(k) }
        hrListing = []
    }

    /// A HelmRelease as a write of this operator answered (fresher than the watch, for a moment).
    func observe(_ v: Value) {
        guard case .map(let m) = v, m.entries["kind"]?.stringValue == "HelmRelease", m.entries["spec"] != nil,
              let k = Self.key(v), let before = known[k], Self.resourceVersion(v) > Self.resourceVersion(before.object) else { return }
        known[k] = Known(object: v, generation: Self.generation(v), refs: Self.references(v))
    }

    // MARK: ConfigMaps and Secrets (metadata)

    func values(_ kind: String, _ update: Reflector.Update) async {
        switch update {
        case .replaced(let items):
            await valuesPage(kind, items, last: true)
        case .page(let items, let last):
            await valuesPage(kind, items, last: last)
        case .event(let e):
            guard e.kind != .bookmark, let k = Self.key(e.object) else { return }
            let ref = "\(kind)/\(k)"
            let rv = Self.metadata(e.object)?.entries["resourceVersion"]?.stringValue ?? ""
            if e.kind == .deleted { valueVersions[ref] = nil } else {
                if valueVersions[ref] == rv { return }
                valueVersions[ref] = rv
            }
            for (hr, v) in known where v.refs.contains(ref) { await queue?.add(hr) }
        }
    }

    func valuesPage(_ kind: String, _ items: [Value], last: Bool) async {
        for item in items {
            guard let k = Self.key(item) else { continue }
            valuesListing[kind, default: [:]]["\(kind)/\(k)"] = Self.metadata(item)?.entries["resourceVersion"]?.stringValue ?? ""
        }
        guard last else { return }
        let fresh = valuesListing[kind] ?? [:]
        valuesListing[kind] = nil
        let relist = listedValues.contains(kind)
        var changed: Set<String> = []
        for (ref, rv) in fresh where valueVersions[ref] != rv { changed.insert(ref) }
        for ref in valueVersions.keys where ref.hasPrefix(kind + "/") && fresh[ref] == nil { changed.insert(ref); valueVersions[ref] = nil }
        for (ref, rv) in fresh { valueVersions[ref] = rv }
        listedValues.insert(kind)
        // A relist may hide changes missed while away: look again at every release reading one that changed.
        if relist {
            for (hr, v) in known where !v.refs.isDisjoint(with: changed) { await queue?.add(hr) }
        }
    }

    func valueVersion(_ ref: String) -> String? { valueVersions[ref] }
    var valuesSynced: Bool { listedValues.contains("configmaps") && listedValues.contains("secrets") }

    // MARK: owned objects (metadata)

    /// Managers whose writes are not drift: this tool's own (Helm's field manager) and the
    /// controllers', which keep annotations such as a Deployment's revision.
    static let ownManagers: Set<String> = ["helm", "kube-controller-manager"]

    /// Who changed an object besides Helm and the controllers: "manager|operation|subresource" → time.
    static func stamps(_ md: Map) -> [String: String] {
        var out: [String: String] = [:]
        guard case .list(let l)? = md.entries["managedFields"] else { return out }
        for e in l.items {
            guard case .map(let m) = e else { continue }
            let manager = m.entries["manager"]?.stringValue ?? "", sub = m.entries["subresource"]?.stringValue ?? ""
            if sub == "status" || ownManagers.contains(manager) { continue }
            out["\(manager)|\(m.entries["operation"]?.stringValue ?? "")|\(sub)"] = m.entries["time"]?.stringValue ?? ""
        }
        return out
    }

    /// True when `now` has a stamp `base` lacks or dates differently: someone wrote since.
    static func newer(_ now: [String: String], than base: [String: String]) -> Bool {
        now.contains { base[$0.key] != $0.value }
    }

    static func objectKey(group: String, kind: String, namespace: String?, name: String) -> String {
        "\(group)|\(kind)|\(namespace ?? "")|\(name)"
    }

    static func releaseOf(_ md: Map) -> String? {
        guard case .map(let a)? = md.entries["annotations"], let n = a.entries["meta.helm.sh/release-name"]?.stringValue,
              let ns = a.entries["meta.helm.sh/release-namespace"]?.stringValue else { return nil }
        return ns + "/" + n
    }

    func owned(_ gk: String, scope: String?, _ update: Reflector.Update) async {
        let parts = gk.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        func key(_ md: Map) -> String? {
            guard let name = md.entries["name"]?.stringValue else { return nil }
            return Self.objectKey(group: parts[0], kind: parts[1], namespace: md.entries["namespace"]?.stringValue, name: name)
        }
        switch update {
        case .replaced(let items):
            await owned(gk, scope: scope, .page(items, last: true))
        case .page(let items, let last):
            for item in items {
                guard let md = Self.metadata(item), let k = key(md) else { continue }
                ownedListing[gk, default: []].insert(k)
                await upsert(k, md, quiet: synced[gk] == nil)
            }
            guard last else { return }
            let seen = ownedListing[gk] ?? []
            ownedListing[gk] = nil
            let prefix = gk + "|"
            for k in owned.keys where k.hasPrefix(prefix) && !seen.contains(k) { await gone(k) }
            synced[gk] = .some(scope)
        case .event(let e):
            guard e.kind != .bookmark, let md = Self.metadata(e.object), let k = key(md) else { return }
            if e.kind == .deleted { await gone(k) } else { await upsert(k, md, quiet: false) }
        }
    }

    func upsert(_ k: String, _ md: Map, quiet: Bool) async {
        guard let release = Self.releaseOf(md) else { return }
        let stamps = Self.stamps(md)
        let before = owned[k]
        owned[k] = Owned(release: release, stamps: stamps)
        guard !quiet, let hr = owners[release], let m = managed[hr], m.objects.contains(k) else { return }
        let base = m.verified[k] ?? before?.stamps ?? [:]
        if Self.newer(stamps, than: base) {
            flag(hr, k)
            await queue?.add(hr)
        }
    }

    func gone(_ k: String) async {
        guard let o = owned.removeValue(forKey: k) else { return }
        guard let hr = owners[o.release], let m = managed[hr], m.objects.contains(k) else { return }
        flag(hr, k)
        await queue?.add(hr)
    }

    func isSynced(_ gk: String) -> Bool { synced[gk] != nil }

    /// Which objects of a release's deployed manifest may have drifted: those an event showed
    /// changed, those missing from the watch, those changed by someone else since they were
    /// last found right (or, after a restart, since the release was deployed), and those no
    /// synced watch covers. `keys[i]`: the object's key, nil when no watch covers it.
    func driftCandidates(_ hr: String, keys: [String?], deployedAt: Int?) -> Set<Int> {
        // Not yet verified by this process (it just started): a change made while nobody watched
        // shows in no event, and a write need not stamp managedFields (an update by an older
        // client, or by a server that does not record them), so every object is checked once.
        guard managed[hr] != nil else { return Set(keys.indices) }
        var out: Set<Int> = []
        let flagged = suspects[hr] ?? [:]
        let verified = managed[hr]?.verified ?? [:]
        for (i, k) in keys.enumerated() {
            guard let k else { out.insert(i); continue }
            guard let o = owned[k] else { out.insert(i); continue }
            if flagged[k] != nil || Self.changed(o.stamps, since: verified[k], deployedAt: deployedAt) { out.insert(i) }
        }
        return out
    }

    /// Whether someone else wrote an object since it was last found right (`base`: its stamps
    /// then) or, never checked by this process, since its release was deployed.
    static func changed(_ stamps: [String: String], since base: [String: String]?, deployedAt: Int?) -> Bool {
        if let base { return newer(stamps, than: base) }
        if let deployedAt { return stamps.values.contains { (Timestamp.parse($0) ?? Int.max) >= deployedAt } }
        return !stamps.isEmpty
    }

    /// The foreign stamps of the given objects now (taken when a reconcile begins).
    func snapshot(_ keys: Set<String>) -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        for k in keys { if let o = owned[k] { out[k] = o.stamps } }
        return out
    }

    func objectsOf(_ hr: String) -> Set<String> { managed[hr]?.objects ?? [] }
    func suspectsOf(_ hr: String) -> [String: Int] { suspects[hr] ?? [:] }

    /// After a reconcile that left the release deployed as its spec says. A change made by
    /// someone else during the reconcile, or before this call, raised no flag (the release was
    /// not yet managed with these objects, or the object's watch was still listing, which is
    /// quiet): found here from the stamps, against those the reconcile began with or, for an
    /// object not watched then, against the time it was deployed.
    func reconciled(_ hr: String, release: String, objects: Set<String>, fingerprint: Fingerprint?,
                    snapshot: [String: [String: String]], cleared: [String: Int], deployedAt: Int?) async {
        if let old = managed[hr], old.release != release { owners[old.release] = nil }
        var verified: [String: [String: String]] = [:]
        for k in objects { if let s = snapshot[k] { verified[k] = s } }
        managed[hr] = Managed(release: release, objects: objects, fingerprint: fingerprint, verified: verified)
        owners[release] = hr
        for (k, n) in cleared where suspects[hr]?[k] == n { suspects[hr]?[k] = nil }
        if suspects[hr]?.isEmpty == true { suspects[hr] = nil }
        let missed = objects.filter { k in owned[k].map { Self.changed($0.stamps, since: verified[k], deployedAt: deployedAt) } ?? false }
        guard !missed.isEmpty else { return }
        for k in missed { flag(hr, k) }
        await queue?.add(hr)
    }

    /// An object deleted between a reconcile's apply and its watch's first list was never seen:
    /// a while after the reconcile, what its watch still lacks counts as gone.
    func checkMissing(_ hr: String) async {
        guard let m = managed[hr] else { return }
        var missing: Set<String> = []
        for k in m.objects where owned[k] == nil {
            let gk = k.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false).prefix(2).joined(separator: "|")
            if synced[gk] != nil { missing.insert(k) }
        }
        guard !missing.isEmpty else { return }
        for k in missing { flag(hr, k) }
        await queue?.add(hr)
    }

    /// After a failure: nothing is known to be right any more.
    func unsettled(_ hr: String) { managed[hr]?.fingerprint = nil }

    /// Whether nothing a reconcile would read has changed since the last good one.
    func unchanged(_ hr: String, _ f: Fingerprint) -> Bool {
        guard let m = managed[hr], m.fingerprint == f, suspects[hr]?.isEmpty ?? true else { return false }
        return true
    }
}

/// What a reconcile reads, reduced to versions: when it is the same as after the last good
/// reconcile (and no owned object changed), reconciling again would change nothing.
struct Fingerprint: Equatable, Sendable {
    var generation: Int
    var refs: [String: String]
    var chart: String
    var record: String
}
