import Foundation
import XCTest
import Kube
import KubeTestServer
import Release
import Values
import YAML

/// A reproducible random source (SplitMix64), so a failing round can be replayed from its seed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// HRCTL_CHAOS_SEED replays a run; otherwise a fresh seed.
    static func seed() -> UInt64 {
        if let s = ProcessInfo.processInfo.environment["HRCTL_CHAOS_SEED"], let v = UInt64(s) { return v }
        return UInt64(Date().timeIntervalSince1970 * 1000) ^ UInt64(getpid())
    }
}

/// What a chaos run talks to: the environment its hrctl and helm processes run in and a client
/// of the same cluster for the checks.
enum ChaosTarget {
    static func open(kubeconfig: String, dir: String) throws -> (env: [String: String], client: KubeClient) {
        let cfg = try KubeConfig.load(explicitPath: kubeconfig, environment: [:])
        return (GenuineCluster.environment(kubeconfig: kubeconfig, dir: dir), try KubeClient(access: try cfg.resolve(context: nil, namespace: nil)))
    }
}

/// The loopback API server as a chaos run's cluster: started, with a scratch folder that holds
/// its kubeconfig and the run's logs and caches.
struct LoopbackCluster {
    let server: KubeTestServer
    let dir: String
    var kubeconfig: String { dir + "/kubeconfig" }

    init(name: String) throws {
        server = try KubeTestServer()
        let port = try server.start()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hrctl-\(name)-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try server.credentials.kubeconfig(url: server.url(port: port)).write(toFile: dir + "/kubeconfig", atomically: true, encoding: .utf8)
    }

    /// Stops the server; the folder stays when HRCTL_CHAOS_KEEP is set (the operators' logs).
    func down() {
        server.stop()
        if ProcessInfo.processInfo.environment["HRCTL_CHAOS_KEEP"] == nil { try? FileManager.default.removeItem(atPath: dir) }
    }
}

/// Kills hrctl (SIGKILL) at random moments of install, upgrade, drift repair, rollback and delete
/// of the shop chart, runs the same command again, and checks Helm's invariants on the records
/// and the cluster's objects after each recovery.
final class Chaos {
    enum Op: String, CaseIterable { case install, upgrade, drift, rollback, delete }

    struct Values: Equatable { var replicas: Int; var extra: Bool; var message: String }

    let label: String
    let env: [String: String]
    let client: KubeClient
    let ns: String
    let dir: String
    let helm: String?
    var rng: SeededRandom
    let seed: UInt64
    /// Typical uninterrupted durations per operation, so kills land anywhere inside a run.
    var durations: [Op: Double] = [:]
    /// What each round found just before the recovery run.
    var found: [String: Int] = [:]
    var repairsSaid = 0
    var roundsRun = 0
    var released = false
    let check: ReleaseInvariants

    /// `driverEnv`: HELM_DRIVER and its settings for hrctl and helm; `storage`: where the checks
    /// then read the records (nil: Secrets, read directly).
    init(label: String, kubeconfig: String, dir: String, namespace: String, helm: String?,
         driverEnv: [String: String] = [:], storage: ReleaseStorage? = nil) throws {
        self.label = label
        self.dir = dir
        ns = namespace
        self.helm = helm
        let (plain, client) = try ChaosTarget.open(kubeconfig: kubeconfig, dir: dir)
        env = plain.merging(driverEnv) { $1 }
        self.client = client
        check = ReleaseInvariants(client: client, ns: namespace, release: "shop", helm: helm, env: env, storage: storage)
        seed = SeededRandom.seed()
        rng = SeededRandom(seed: seed)
        FileHandle.standardError.write(Data("chaos \(label): seed \(seed) (HRCTL_CHAOS_SEED=\(seed) replays it)\n".utf8))
    }

    func close() async { try? await client.shutdown() }

    static var shop: String { GenuineCluster.root + "/Fixtures/charts/shop" }

    func doc(_ v: Values) throws -> String {
        let path = dir + "/shop-\(ns).yaml"
        try """
            apiVersion: helm.fluxcd.io/v1
            kind: HelmRelease
            metadata:
              name: shop
              namespace: \(ns)
            spec:
              releaseName: shop
              chart:
                path: \(Chaos.shop)
              values: {hooks: false, replicas: \(v.replicas), extra: \(v.extra), message: \(v.message)}

            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func hrctl(_ args: [String]) throws -> Run.Result { try Run.exec(Run.hrctl, args, env: env) }

    /// Starts hrctl and kills it: after `delay` seconds, or (`afterFirstWrite`) once a record
    /// changed plus `delay` — so kills land both in start-up and among the writes. True when
    /// it was still running when killed.
    func killed(_ args: [String], after delay: Double, afterFirstWrite: Bool, before: [String]) async throws -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Run.hrctl)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        if afterFirstWrite {
            while p.isRunning, try await signature() == before { usleep(3000) }
        }
        usleep(useconds_t(delay * 1e6))
        let running = p.isRunning
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        return running && p.terminationReason == .uncaughtSignal
    }

    func signature() async throws -> [String] { try await history().map { "\($0.version):\($0.info.status.rawValue)" } }

    func random(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }

    func randomValues() -> Values {
        Values(replicas: random(1...4), extra: Bool.random(using: &rng), message: ["hello", "bye", "hi", "ahoy"].randomElement(using: &rng)!)
    }

    // MARK: state

    func history() async throws -> [Release] { try await check.history() }
    func live(_ kind: String, _ name: String) async throws -> Value? { try await check.live(kind, name) }
    func path(_ kind: String, _ name: String) -> String { check.path(kind, name) }
    func violations(afterDelete: Bool) async throws -> [String] { try await check.violations(afterDelete: afterDelete) }
    func helmViolations(afterDelete: Bool) async throws -> [String] { try await check.helmViolations(afterDelete: afterDelete) }

    static func norm(_ v: Value) -> String {
        let s = (try? JSONEncoding.encode(v)) ?? ""
        if let d = Double(s) { return String(d) }
        return s
    }

    /// True when every field of `want` is in `live` with the same value (the server adds defaults).
    static func contains(_ live: Value?, _ want: Value) -> Bool {
        switch want {
        case .map(let w):
            guard case .map(let l)? = live else { return false }
            return w.entries.allSatisfy { contains(l.entries[$0.key], $0.value) }
        case .list(let w):
            guard case .list(let l)? = live, l.items.count == w.items.count else { return false }
            return zip(l.items, w.items).allSatisfy { contains($0.0, $0.1) }
        case .null: return live == nil || live.map { if case .null = $0 { return true } else { return false } } ?? true
        default:
            guard let live else { return false }
            return norm(live) == norm(want)
        }
    }

    func note(_ what: String) { found[what, default: 0] += 1 }

    // MARK: rounds

    /// One round: pick an operation, run it killed at a random moment, look at what it left,
    /// run the same command again, check. Returns the failures of the round.
    func round(_ n: Int, checkHelm: Bool) async throws -> [String] {
        roundsRun += 1
        var h = try await history()
        let op: Op
        if h.isEmpty { op = .install } else {
            let pick = random(0...9)
            op = pick < 4 ? .upgrade : pick < 6 ? .drift : pick < 8 ? .rollback : .delete
        }
        var args: [String]
        switch op {
        case .install, .upgrade:
            args = ["apply", "-f", try doc(randomValues())]
        case .drift:
            guard let d = h.last(where: { $0.info.status == .deployed }) else { return ["no deployed revision before drift"] }
            let v = Values(replicas: d.config.entries["replicas"].flatMap { Int(Chaos.norm($0).split(separator: ".")[0]) } ?? 1,
                           extra: d.config.entries["extra"].map { Chaos.norm($0) == "true" } ?? false,
                           message: d.config.entries["message"]?.stringValue ?? "hello")
            args = ["apply", "-f", try doc(v)]
            if Bool.random(using: &rng) {
                _ = try? await client.request(.DELETE, path("ConfigMap", "shop-config"))
            } else if var cm = try await live("ConfigMap", "shop-config"), case .map(let m) = cm {
                m.entries["data"] = .map(["message": .string("drifted")])
                cm = .map(m)
                _ = try await client.request(.PUT, path("ConfigMap", "shop-config"), body: cm)
            }
        case .rollback:
            let targets = h.suffix(6).dropLast().map(\.version)
            guard let target = targets.randomElement(using: &rng) else { return [] }
            args = ["rollback", "shop", String(target), "-n", ns]
        case .delete:
            args = ["delete", "shop", "-n", ns]
        }
        // The first quarter of a run is mostly process start and chart loading: kills are
        // spread over the rest, where the records and objects are written.
        let typical = durations[op] ?? 1.0
        let afterFirstWrite = Bool.random(using: &rng)
        let delay = afterFirstWrite ? Double.random(in: 0...(typical * 0.15), using: &rng) : typical * Double.random(in: 0...1.05, using: &rng)
        let before = h.map { "\($0.version):\($0.info.status.rawValue)" }
        let wasKilled = try await killed(args, after: delay, afterFirstWrite: afterFirstWrite, before: before)
        // What the kill left, before recovery.
        h = try await history()
        let unchanged = before == h.map { "\($0.version):\($0.info.status.rawValue)" }
        let pending = h.contains { $0.info.status.isPending }
        let deployedCount = h.filter { $0.info.status == .deployed }.count
        if !wasKilled { note("finished before the kill") }
        else if pending { note("killed: pending revision left") }
        else if deployedCount > 1 { note("killed: \(deployedCount) revisions deployed") }
        else if h.contains(where: { $0.info.status == .uninstalling }) { note("killed: uninstalling left") }
        else if unchanged { note("killed before a record changed") }
        else { note("killed between records") }

        let t0 = Date()
        let r = try hrctl(args)
        let took = Date().timeIntervalSince(t0)
        durations[op] = durations[op].map { ($0 * 3 + took) / 4 } ?? took
        var failures: [String] = []
        let context = "round \(n) \(op.rawValue) killed \(String(format: "%.3f", delay)) s after \(afterFirstWrite ? "its first record write" : "start")"
        if r.code != 0 && !(op == .delete && r.err.contains("not found") && h.isEmpty) {
            failures.append("\(context): recovery run failed (\(r.code)): \(r.err)")
        }
        if pending || deployedCount > 1 {
            if r.err.contains("repairing release shop") { repairsSaid += 1 } else { failures.append("\(context): the repair was not reported on stderr: \(r.err)") }
        }
        let afterDelete = op == .delete
        failures += try await violations(afterDelete: afterDelete).map { "\(context): \($0)" }
        if checkHelm { failures += try await helmViolations(afterDelete: afterDelete).map { "\(context): \($0)" } }
        // The symptom of the report: after recovery, an unchanged apply must find nothing to do.
        if failures.isEmpty, op == .install || op == .upgrade || op == .drift {
            let again = try hrctl(args)
            if !again.out.contains("is up to date") { failures.append("\(context): apply after recovery did not find it up to date: \(again.out) \(again.err)") }
        }
        return failures
    }

    func summary() -> String {
        "chaos \(label): \(roundsRun) rounds, seed \(seed); before recovery: "
            + found.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            + "; repairs reported \(repairsSaid)"
    }
}

/// Helm's invariants on one release: its records (one deployed revision, the latest; none
/// after delete; contiguous; nothing pending) and the cluster's objects equal to the deployed
/// manifest with no orphan, and the official helm reading the records.
struct ReleaseInvariants {
    let client: KubeClient
    let ns: String
    let release: String
    let helm: String?
    let env: [String: String]
    /// The records through a driver (SQL); nil reads the Secrets directly.
    var storage: ReleaseStorage? = nil

    func history() async throws -> [Release] {
        if let storage { return try await storage.history(release, namespace: ns) }
        let list = try await client.request(.GET, "/api/v1/namespaces/\(ns)/secrets", query: [("labelSelector", "owner=helm,name=\(release)")])
        guard case .map(let m) = list, case .list(let items)? = m.entries["items"] else { return [] }
        return try items.items.map { try ReleaseStorage.release(fromSecret: $0) }.sorted { $0.version < $1.version }
    }

    func path(_ kind: String, _ name: String) -> String {
        switch kind {
        case "ConfigMap": return "/api/v1/namespaces/\(ns)/configmaps/\(name)"
        case "Service": return "/api/v1/namespaces/\(ns)/services/\(name)"
        case "Deployment": return "/apis/apps/v1/namespaces/\(ns)/deployments/\(name)"
        case "Job": return "/apis/batch/v1/namespaces/\(ns)/jobs/\(name)"
        default: return "/unknown/\(kind)/\(name)"
        }
    }

    func live(_ kind: String, _ name: String) async throws -> Value? {
        do { return try await client.request(.GET, path(kind, name)) } catch let e as KubeAPIError where e.reason == .notFound { return nil }
    }

    /// Every object the shop chart (hooks off) can make; RELEASE-kept is `resource-policy: keep`.
    var universe: [(String, String)] {
        [("ConfigMap", "\(release)-config"), ("ConfigMap", "\(release)-extra"), ("Service", "\(release)-web"), ("Deployment", "\(release)-web")]
    }

    /// The invariants after a recovery run; returns what is wrong.
    func violations(afterDelete: Bool) async throws -> [String] {
        var out: [String] = []
        let h = try await history()
        let versions = h.map(\.version)
        if let first = versions.first, let last = versions.last, last - first + 1 != versions.count {
            out.append("revisions not contiguous: \(versions)")
        }
        let statuses = h.map { "\($0.version):\($0.info.status.rawValue)" }
        if let p = h.first(where: { $0.info.status.isPending || $0.info.status == .uninstalling }) {
            out.append("revision \(p.version) left \(p.info.status.rawValue): \(statuses)")
        }
        let deployed = h.filter { $0.info.status == .deployed }
        if afterDelete {
            if !h.isEmpty { out.append("records left after delete: \(statuses)") }
        } else {
            if deployed.count != 1 { out.append("\(deployed.count) revisions deployed: \(statuses)") }
            if let d = deployed.last, d.version != h.last?.version { out.append("deployed revision \(d.version) is not the latest: \(statuses)") }
        }
        var wanted: [String: Value] = [:]
        if let d = deployed.last, !afterDelete {
            for case let doc? in try YAML.loadAll(d.manifest) {
                guard case .map(let m) = doc, let kind = m.entries["kind"]?.stringValue,
                      case .map(let md)? = m.entries["metadata"], let name = md.entries["name"]?.stringValue else { continue }
                wanted["\(kind)/\(name)"] = doc
            }
        }
        for (key, doc) in wanted where !key.hasSuffix("/\(release)-kept") {
            let parts = key.split(separator: "/").map(String.init)
            guard let obj = try await live(parts[0], parts[1]) else { out.append("\(key) of revision \(deployed.last!.version) is missing"); continue }
            guard case .map(let m) = doc else { continue }
            for field in ["data", "spec"] where m.entries[field] != nil {
                if !Chaos.contains(obj.at(field), m.entries[field]!) { out.append("\(key).\(field) differs from revision \(deployed.last!.version)'s manifest") }
            }
        }
        for (kind, name) in universe where wanted["\(kind)/\(name)"] == nil {
            if try await live(kind, name) != nil { out.append("\(kind)/\(name) is an orphan (not in the deployed manifest)") }
        }
        return out
    }

    /// The official helm reads the records as hrctl left them.
    func helmViolations(afterDelete: Bool) async throws -> [String] {
        guard let helm else { return [] }
        let h = try await history()
        var out: [String] = []
        let list = try Run.exec(helm, ["list", "-n", ns, "-o", "json"], env: env)
        if list.code != 0 { return ["helm list failed: \(list.err)"] }
        let items = (try? JSONSerialization.jsonObject(with: Data(list.out.utf8))) as? [[String: Any]] ?? []
        let mine = items.filter { $0["name"] as? String == release }
        if afterDelete {
            if !mine.isEmpty { out.append("helm list still shows \(mine)") }
            return out
        }
        guard mine.count == 1, mine[0]["revision"] as? String == String(h.last?.version ?? 0), mine[0]["status"] as? String == "deployed" else {
            return ["helm list shows \(mine), the records say \(h.map { "\($0.version):\($0.info.status.rawValue)" })"]
        }
        let hist = try Run.exec(helm, ["history", release, "-n", ns, "-o", "json"], env: env)
        let revs = (try? JSONSerialization.jsonObject(with: Data(hist.out.utf8))) as? [[String: Any]] ?? []
        if hist.code != 0 || revs.count != h.count || revs.last?["status"] as? String != "deployed" {
            out.append("helm history (\(hist.code)) shows \(revs.map { "\($0["revision"] ?? "?"):\($0["status"] ?? "?")" }): \(hist.err)")
        }
        return out
    }

}

extension Value {
    func at(_ key: String) -> Value? { if case .map(let m) = self { return m.entries[key] } else { return nil } }
}
