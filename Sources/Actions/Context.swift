import Values
import Kube
import Release
import HelmRelease
#if canImport(Glibc)
import Glibc
#endif

/// What every action needs: the cluster's objects, the release records, and a place to report progress.
public struct ActionContext: Sendable {
    public let resources: ResourceClient
    public var storage: ReleaseStorage
    public let progress: @Sendable (String) -> Void

    /// Who holds a release's lock while this context works on it, written into the pending
    /// record ("hrctl pid P on HOST" unless an operator names itself).
    public var lockHolder: String = Lock.defaultHolder
    /// Locks that are stale for reasons only the caller knows: an operator that has just become
    /// leader knows that every lock written by another operator term is abandoned.
    public var isAbandonedLock: @Sendable (String) -> Bool = { _ in false }
    /// The cluster's version when the caller already knows it (an operator asks once per term,
    /// not once per release).
    public var knownKubeVersion: String?
    /// False once the caller's right to write may have ended (an operator term whose lease was
    /// not renewed in time): a run then stops before its next write.
    public var mayWrite: @Sendable () -> Bool = { true }
    /// Where a wait's `waiting for 2 of 14: ...` goes, when the caller shows it apart from the
    /// progress lines (a terminal's live line); nil: as a progress line.
    public var waitStatus: (@Sendable (String) -> Void)?

    /// `discoveryCache`: a directory for discovery documents kept between runs.
    /// `driver`: where release records are kept (nil: Helm's default, Secrets; see `ReleaseDrivers`).
    public init(client: KubeClient, discoveryCache: String? = nil, driver: (any ReleaseDriver)? = nil,
                progress: @escaping @Sendable (String) -> Void = { _ in }) {
        resources = ResourceClient(client: client, discovery: Discovery(client: client, cacheDirectory: discoveryCache))
        storage = driver.map { ReleaseStorage(driver: $0) } ?? ReleaseStorage(client: client)
        self.progress = progress
    }

    /// The same context with release records kept in `namespace` (nil: beside each release).
    public func storing(in namespace: String?) -> ActionContext {
        var c = self
        c.storage = storage.storing(in: namespace)
        return c
    }

    func holderText(_ verb: String) -> String { "\(verb) in progress (\(lockHolder))" }

    func isStale(_ r: Release, timeout: Double) -> Bool { isAbandonedLock(r.info.description) || Lock.isStale(r, timeout: timeout) }

    /// The cluster's version, for `.Capabilities.KubeVersion`.
    public func kubeVersion() async -> String? {
        if let knownKubeVersion { return knownKubeVersion }
        guard case .map(let m)? = try? await resources.client.request(.GET, "/version") else { return nil }
        return m.entries["gitVersion"]?.stringValue
    }

    /// Creates the release namespace when it is missing (what `--create-namespace` does in Helm).
    public func ensureNamespace(_ ns: String) async throws {
        do { _ = try await resources.client.request(.GET, "/api/v1/namespaces/\(ns)") }
        catch let e as KubeAPIError where e.reason == .notFound {
            progress("creating namespace \(ns)")
            do {
                _ = try await resources.client.request(.POST, "/api/v1/namespaces", body: .map(["apiVersion": .string("v1"), "kind": .string("Namespace"),
                                                                                             "metadata": .map(["name": .string(ns)])]))
            } catch let e as KubeAPIError where e.reason == .alreadyExists {}
        }
    }
}

/// Options shared by install, upgrade and rollback.
public struct DeployOptions: Sendable {
    public var wait = false
    /// With `wait`, Jobs must complete (helm's --wait-for-jobs; Flux's default), not only start.
    public var waitForJobs = true
    /// Kinds `wait` does not wait for (`Kind` or `group/Kind`).
    public var waitSkipKinds: Set<String> = []
    /// CEL health checks by kind (Flux's healthCheckExprs), before kstatus' rules.
    public var waitHealthChecks: [HealthCheckExpr] = []
    public var timeout: Double = 300
    public var atomic = false
    public var maxHistory = 10
    /// What an install and an upgrade do with the chart's crds/ (Flux's policies). helm creates
    /// them on install (unless --skip-crds) and leaves them alone on upgrade.
    public var installCRDs = CRDPolicy.create
    public var upgradeCRDs = CRDPolicy.skip
    public var noHooks = false
    /// Also told what `wait` still waits for (the operator turns it into Events).
    public var waitProgress: (@Sendable (String) -> Void)?
    /// Run the chart's test hooks after a successful install or upgrade (HelmRelease `test.enable`).
    public var runTests = false
    /// A failed test does not fail the release (`test.ignoreFailures`).
    public var ignoreTestFailures = false
    public var dryRun = false
    /// Upgrade even when neither chart nor values changed.
    public var force = false
    /// Create the release namespace when missing (helm's --create-namespace), once the
    /// manifest is known to be buildable.
    public var createNamespace = false
    /// Which objects of an unchanged release the drift check looks at (by their index in the
    /// deployed manifest, namespaces filled in): an operator that watches the objects knows
    /// which changed. nil checks every object.
    public var driftCandidates: (@Sendable (Release, [Resource]) async -> Set<Int>)?
    /// What the run may do: `apply` installs, upgrades or leaves alone; helm's `install` refuses a
    /// name in use (unless `replace` and its last revision is uninstalled or failed); helm's
    /// `upgrade` needs a release to upgrade (`install`: or installs it, as `upgrade --install`)
    /// and always writes a new revision.
    public enum Mode: Sendable, Equatable { case apply, install(replace: Bool), upgrade(install: Bool) }
    public var mode = Mode.apply
    /// An upgrade's use of the previous revision's values (helm upgrade's value flags).
    public var valueReuse = ValueReuse.unlessGiven
    /// The record's description once the run succeeds (helm's --description).
    public var description: String?
    /// A dry run that asks the server (helm's --dry-run=server): the server's own dry-run apply
    /// checks every object, and the plan is recorded as helm records it ("Dry run complete").
    public var serverDryRun = false
    /// Adopt existing objects whatever release (or none) their ownership marks name
    /// (helm's --take-ownership).
    public var takeOwnership = false
    /// How an uninstall's deletes propagate to dependents (helm's --cascade): Background,
    /// Foreground or Orphan.
    public var deletePropagation = "Background"
    /// After a failed upgrade or rollback, delete the objects it created (helm's --cleanup-on-fail).
    public var cleanupOnFail = false
    /// Server-side apply takes fields over from other managers. helm's commands set it from
    /// --force-conflicts (off by default, so a field another manager owns fails the apply); a
    /// HelmRelease's run keeps taking them, as hrctl always has.
    public var forceConflicts = true
    /// helm's --force-replace: updates by replacement, which helm cannot combine with
    /// server-side apply (the only method hrctl has), so an upgrade or rollback then fails
    /// as helm's does, after its pre hooks, with the revision recorded failed.
    public var forceReplace = false
    /// helm's upgrade and rollback --server-side as given: true and auto apply server-side (the
    /// only method hrctl has); another word fails the rollback, or the upgrade of an existing
    /// release, with helm's message (an upgrade --install that installs does not read it).
    public var serverSideMethod: String?
    /// getHostByName looks names up when rendering (helm's --enable-dns).
    public var enableDNS = false
    /// Custom labels of the new revision (helm's --labels): an install's own, an upgrade's over
    /// those of the release's last revision ("null" removes one). See `ReleaseLabels`.
    public var labels: [String: String] = [:]
    public init() {}

    /// How `wait` judges the release's objects.
    var waitOptions: WaitOptions { WaitOptions(timeout: timeout, mode: .resources(jobs: waitForJobs), skipKinds: waitSkipKinds, healthChecks: waitHealthChecks) }
}

/// The pending record of a running operation is its lock: it names the process that holds it,
/// so a lock left behind by a crashed run can be recognised and recovered.
enum Lock {
    static var host: String {
        var buf = [CChar](repeating: 0, count: 256)
        gethostname(&buf, 255)
        return String(cString: buf)
    }

    public static var defaultHolder: String { "hrctl pid \(getpid()) on \(host)" }

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
