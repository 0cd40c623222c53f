import Foundation
import XCTest
import Kube
import Release
import Values
import YAML

/// Kills `hrctl operator` (SIGKILL) at random moments while it reconciles HelmRelease objects
/// that are created, changed and deleted (and whose objects drift), sometimes changes them while
/// it is down, restarts it (sometimes killing it again during start-up), and once it has settled
/// checks every release: what its HelmRelease asks for is deployed as exactly one revision (none,
/// and the object gone, after a delete: the finalizer ran), with Helm's invariants on the records
/// and the objects (`ReleaseInvariants`). The seed is printed; HRCTL_CHAOS_SEED replays it.
final class OperatorChaos {
    let label: String
    let env: [String: String]
    let client: KubeClient
    let ns: String
    let dir: String
    let helm: String?
    var rng: SeededRandom
    let seed: UInt64
    var names = ["alpha", "beta"]
    /// What each HelmRelease should be once the operator settles; nil: no object.
    var desired: [String: Chaos.Values] = [:]
    var running: Process?
    var starts = 0
    /// Logs of the operator processes started in the current round.
    var roundLogs: [String] = []
    /// Seconds from a change to its first record write (the pending revision), and how long
    /// that revision stays pending (measured once), so kills land inside reconciles.
    var startLag = 0.5
    var writeWindow = 0.5
    var found: [String: Int] = [:]
    var repairsSaid = 0
    var roundsRun = 0
    var settleTimes: [Double] = []

    init(label: String, kubeconfig: String, dir: String, namespace: String, helm: String?) throws {
        self.label = label
        self.dir = dir
        ns = namespace
        self.helm = helm
        (env, client) = try ChaosTarget.open(kubeconfig: kubeconfig, dir: dir)
        seed = SeededRandom.seed()
        rng = SeededRandom(seed: seed)
        FileHandle.standardError.write(Data("operator chaos \(label): seed \(seed) (HRCTL_CHAOS_SEED=\(seed) replays it)\n".utf8))
    }

    func close() async {
        stopOperator()
        try? await client.shutdown()
    }

    func invariants(_ name: String) -> ReleaseInvariants { ReleaseInvariants(client: client, ns: ns, release: name, helm: helm, env: env) }

    func random(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
    func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

    // MARK: set-up

    /// The HelmRelease CRD (as `hrctl crds` prints it) established, and the namespace.
    func prepare() async throws {
        let crds = try Run.exec(Run.hrctl, ["crds"])
        guard crds.code == 0, let crd = try YAML.load(crds.out) else { throw Failure("hrctl crds: \(crds.err)") }
        do { _ = try await client.request(.POST, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: crd) }
        catch let e as KubeAPIError where e.reason == .alreadyExists {}
        do { _ = try await client.request(.POST, "/api/v1/namespaces", body: .map(["metadata": .map(["name": .string(ns)])])) }
        catch let e as KubeAPIError where e.reason == .alreadyExists {}
        let end = Date().addingTimeInterval(30)
        while Date() < end {
            if (try? await client.request(.GET, hrPath())) != nil { return }
            usleep(200_000)
        }
        throw Failure("the HelmRelease CRD was not established within 30 s")
    }

    func hrPath(_ name: String? = nil) -> String { "/apis/helm.fluxcd.io/v1/namespaces/\(ns)/helmreleases" + (name.map { "/\($0)" } ?? "") }

    // MARK: the operator process

    func startOperator(lease: String = "2s") throws {
        starts += 1
        let log = dir + "/operator-\(ns)-\(starts).log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Run.hrctl)
        // A short lease: a restarted operator (a new identity) waits for the dead one's to expire.
        p.arguments = ["operator", "-n", ns, "--lease-duration", lease, "--probe-address", "127.0.0.1:0", "--interval", "30s", "--workers", "2"]
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = h
        p.standardError = h
        p.standardInput = FileHandle.nullDevice
        try p.run()
        try? h.close()
        running = p
        roundLogs.append(log)
    }

    /// SIGKILL; true when it was still running.
    @discardableResult
    func killOperator() -> Bool {
        guard let p = running else { return false }
        running = nil
        let alive = p.isRunning
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        return alive && p.terminationReason == .uncaughtSignal
    }

    func stopOperator() {
        guard let p = running else { return }
        running = nil
        kill(p.processIdentifier, SIGTERM)
        let end = Date().addingTimeInterval(10)
        while p.isRunning && Date() < end { usleep(50_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
    }

    var logText: String { roundLogs.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.joined(separator: "\n--- restart ---\n") }

    // MARK: changes

    /// The chart's pre-install/pre-upgrade Job hook is off unless `hooks` (the operator then waits for the Job).
    func object(_ name: String, _ v: Chaos.Values, hooks: Bool = false) -> Value {
        .map(["apiVersion": .string("helm.fluxcd.io/v1"), "kind": .string("HelmRelease"),
              "metadata": .map(["name": .string(name), "namespace": .string(ns)]),
              "spec": .map(["releaseName": .string(name), "chart": .map(["path": .string(Chaos.shop)]),
                            "values": values(v, hooks: hooks)])])
    }

    func values(_ v: Chaos.Values, hooks: Bool = false) -> Value {
        .map(["hooks": .bool(hooks), "replicas": .int(Int64(v.replicas)), "extra": .bool(v.extra), "message": .string(v.message)])
    }

    func randomValues() -> Chaos.Values {
        Chaos.Values(replicas: random(1...4), extra: Bool.random(using: &rng), message: ["hello", "bye", "hi", "ahoy"].randomElement(using: &rng)!)
    }

    func liveObject(_ name: String) async throws -> Value? {
        do { return try await client.request(.GET, hrPath(name)) } catch let e as KubeAPIError where e.reason == .notFound { return nil }
    }

    /// One random change to one HelmRelease (or to its objects in the cluster); what it was.
    func change() async throws -> String {
        let name = names.randomElement(using: &rng)!
        guard let obj = try await liveObject(name) else {
            let v = randomValues()
            _ = try await client.request(.POST, hrPath(), body: object(name, v))
            desired[name] = v
            return "create \(name)"
        }
        // Still being deleted (its operator was killed before the finalizer ran): leave it.
        if obj.at("metadata")?.at("deletionTimestamp") != nil { return "none (\(name) terminating)" }
        let pick = random(0...9)
        if pick < 6 {
            var v = randomValues()
            if v == desired[name] { v.replicas = v.replicas % 4 + 1 }
            _ = try await client.request(.PATCH, hrPath(name), body: .map(["spec": .map(["values": values(v)])]),
                                         contentType: "application/merge-patch+json")
            desired[name] = v
            return "change \(name)"
        }
        if pick < 8 {
            _ = try await client.request(.DELETE, hrPath(name))
            desired[name] = nil
            return "delete \(name)"
        }
        // Drift: the operator repairs it at its next reconcile of the release (a restart relists all).
        let check = invariants(name)
        let cm = check.path("ConfigMap", "\(name)-config")
        if Bool.random(using: &rng) {
            _ = try? await client.request(.DELETE, cm)
        } else if var live = try await check.live("ConfigMap", "\(name)-config"), case .map(let m) = live {
            m.entries["data"] = .map(["message": .string("drifted")])
            live = .map(m)
            _ = try? await client.request(.PUT, cm, body: live)
        }
        return "drift \(name)"
    }

    // MARK: state

    /// The records' names, versions and statuses from their labels (one list, nothing decoded:
    /// polled to catch the first write).
    func signature() async throws -> [String] {
        let list = try await client.request(.GET, "/api/v1/namespaces/\(ns)/secrets", query: [("labelSelector", "owner=helm")])
        guard case .list(let items)? = list.at("items") else { return [] }
        return items.items.compactMap { item -> String? in
            guard case .map(let l)? = item.at("metadata")?.at("labels") else { return nil }
            return [l.entries["name"], l.entries["version"], l.entries["status"]].map { $0?.stringValue ?? "?" }.joined(separator: ":")
        }.sorted()
    }

    /// What still differs from the desired state; empty once settled (and the running operator
    /// holds the lease, so the next change is not made while it still waits for it).
    func unsettled() async throws -> [String] {
        var out: [String] = []
        if let p = running {
            let lease = try? await client.request(.GET, "/apis/coordination.k8s.io/v1/namespaces/\(ns)/leases/hrctl-operator")
            let holder = lease?.at("spec")?.at("holderIdentity")?.stringValue ?? "nobody"
            if !holder.hasSuffix("_\(p.processIdentifier)") { out.append("the lease is held by \(holder), not the running operator (pid \(p.processIdentifier))") }
        }
        for name in names {
            let check = invariants(name)
            let obj = try await liveObject(name)
            guard let want = desired[name] else {
                if obj != nil { out.append("HelmRelease \(name) still exists (finalizer \(obj?.at("metadata")?.at("finalizers").map(Chaos.norm) ?? "none"))") }
                out += try await check.violations(afterDelete: true).map { "\(name): \($0)" }
                continue
            }
            guard let obj else { out.append("HelmRelease \(name) is missing"); continue }
            let generation = obj.at("metadata")?.at("generation").map(Chaos.norm) ?? "?"
            let observed = obj.at("status")?.at("observedGeneration").map(Chaos.norm) ?? "none"
            let phase = obj.at("status")?.at("phase")?.stringValue ?? "none"
            if observed != generation || phase != "Deployed" {
                out.append("HelmRelease \(name): generation \(generation), observed \(observed), phase \(phase)")
            }
            let h = try await check.history()
            if let last = h.last {
                let got = Chaos.Values(replicas: last.config.entries["replicas"].flatMap { Int(Chaos.norm($0).split(separator: ".")[0]) } ?? 0,
                                       extra: last.config.entries["extra"].map { Chaos.norm($0) == "true" } ?? false,
                                       message: last.config.entries["message"]?.stringValue ?? "")
                if got != want { out.append("\(name): revision \(last.version) has \(got), the HelmRelease asks \(want)") }
            } else {
                out.append("\(name): no revision yet")
            }
            out += try await check.violations(afterDelete: false).map { "\(name): \($0)" }
        }
        return out
    }

    /// Waits until the desired state holds; what is still wrong after `timeout` seconds.
    func settle(timeout: Double) async throws -> [String] {
        let end = Date().addingTimeInterval(timeout)
        var last: [String] = []
        while Date() < end {
            last = try await unsettled()
            if last.isEmpty { return [] }
            usleep(100_000)
        }
        return last
    }

    func note(_ what: String) { found[what, default: 0] += 1 }

    /// What the kill left in each release's records.
    func classify(wasKilled: Bool, before: [String]) async throws -> [String: String] {
        var left: [String: String] = [:]
        for name in names {
            let h = try await invariants(name).history()
            if h.contains(where: { $0.info.status.isPending }) { left[name] = "pending revision left" }
            else if h.filter({ $0.info.status == .deployed }).count > 1 { left[name] = "several revisions deployed" }
            else if h.contains(where: { $0.info.status == .uninstalling }) { left[name] = "uninstalling left" }
        }
        let now = try await signature()
        if !wasKilled { note("operator had exited before the kill") }
        else if let worst = left.values.sorted().first { note("killed: \(worst)") }
        else if now == before { note("killed before a record changed") }
        else { note("killed between records") }
        return left
    }

    // MARK: rounds

    /// Brings both HelmReleases up with the operator running, then times one uninterrupted
    /// upgrade: how long until its first record write, and how long its writes last.
    func warmUp() async throws -> [String] {
        try startOperator()
        for n in names {
            let v = randomValues()
            _ = try await client.request(.POST, hrPath(), body: object(n, v))
            desired[n] = v
        }
        var wrong = try await settle(timeout: 90)
        if wrong.isEmpty {
            let before = try await signature()
            let t0 = Date()
            var v = desired["alpha"]!
            v.replicas = v.replicas % 4 + 1
            _ = try await client.request(.PATCH, hrPath("alpha"), body: .map(["spec": .map(["values": values(v)])]),
                                         contentType: "application/merge-patch+json")
            desired["alpha"] = v
            while Date().timeIntervalSince(t0) < 30, try await signature() == before { usleep(2000) }
            let t1 = Date()
            while Date().timeIntervalSince(t1) < 30, try await signature().contains(where: { $0.hasSuffix(":pending-upgrade") }) { usleep(2000) }
            startLag = t1.timeIntervalSince(t0)
            writeWindow = max(0.02, Date().timeIntervalSince(t1))
            wrong = try await settle(timeout: 30)
        }
        return wrong.map { "warm-up: \($0)" } + (wrong.isEmpty ? [] : ["operator log:\n" + logText])
    }

    func round(_ n: Int, checkHelm: Bool) async throws -> [String] {
        roundsRun += 1
        // Repairs must be reported by the operators started after the kill.
        let killedLogPath = roundLogs.last
        roundLogs = []
        let before = try await signature()
        var what: [String] = []
        // Changes while it runs, then a kill: at a random moment, or just after its first record write.
        let idle = chance(0.15)
        if !idle {
            for _ in 0..<(chance(0.3) ? 2 : 1) { what.append(try await change()) }
        }
        let afterFirstWrite = !idle && chance(0.6)
        var delay: Double
        if idle {
            delay = Double.random(in: 0...1.5, using: &rng)
        } else if afterFirstWrite {
            let end = Date().addingTimeInterval(startLag * 3 + 1)
            while Date() < end, try await signature() == before { usleep(2000) }
            delay = Double.random(in: 0...(writeWindow * 1.5), using: &rng)
        } else {
            delay = Double.random(in: 0...(startLag + writeWindow * 1.5), using: &rng)
        }
        usleep(useconds_t(delay * 1e6))
        // Or paused (SIGSTOP: a stalled node, a long GC) until its successor leads, then resumed.
        let paused = !idle && chance(0.15)
        var frozen: Process?
        if paused, let p = running, p.isRunning {
            kill(p.processIdentifier, SIGSTOP)
            frozen = p
            running = nil
        }
        let wasKilled = frozen != nil || killOperator()
        let left = try await classify(wasKilled: wasKilled, before: before)
        let after = try await signature()
        let written = after.filter { !before.contains($0) }, gone = before.filter { !after.contains($0) }
        FileHandle.standardError.write(Data(("operator chaos \(label) round \(n): \(what.joined(separator: ", ")), \(frozen == nil ? "killed" : "paused") "
            + "\(idle ? "idle" : afterFirstWrite ? "after first write" : "after change") +\(String(format: "%.3f", delay)) s; records written \(written), "
            + "gone \(gone)\n").utf8))
        // Changes while it is down.
        if idle || chance(0.25) { what.append(try await change() + " while down") }
        try startOperator()
        // Killed again during start-up, lease wait or the first reconciles.
        if frozen == nil && chance(0.15) {
            usleep(useconds_t(Double.random(in: 0...3, using: &rng) * 1e6))
            killOperator()
            note("killed again while starting")
            try startOperator()
        }
        let context = "round \(n) (\(what.joined(separator: ", "))) \(frozen == nil ? "killed" : "paused") \(String(format: "%.3f", delay)) s after "
            + (idle ? "an idle moment" : afterFirstWrite ? "its first record write" : "the change")
        let t0 = Date()
        var failures = try await settle(timeout: 60).map { "\(context): not settled after 60 s: \($0)" }
        settleTimes.append(Date().timeIntervalSince(t0))
        if let p = frozen {
            // Resumed once its successor has settled: whatever it still does must change nothing.
            note("paused until its successor led")
            kill(p.processIdentifier, SIGCONT)
            usleep(2_500_000)
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            if failures.isEmpty {
                failures += try await unsettled().map { "\(context): after the paused operator resumed: \($0)" }
            }
        }
        for (name, problem) in left.sorted(by: { $0.key < $1.key }) where problem != "uninstalling left" {
            if logText.contains("repairing release \(name)") { repairsSaid += 1 }
            else { failures.append("\(context): \(name): \(problem), and no repair reported by the restarted operator") }
        }
        if checkHelm {
            for name in names { failures += try await invariants(name).helmViolations(afterDelete: desired[name] == nil).map { "\(context): \(name): \($0)" } }
        }
        if !failures.isEmpty {
            let killedLog = killedLogPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
            failures.append("log of the killed operator:\n\(killedLog.suffix(6000))\nlogs of the restarted ones:\n\(logText.suffix(12000))")
        }
        return failures
    }

    func summary() -> String {
        let sorted = settleTimes.sorted()
        let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        return "operator chaos \(label): \(roundsRun) rounds, \(starts) operator starts, seed \(seed), first write \(String(format: "%.2f", startLag)) s after a change, pending for \(String(format: "%.2f", writeWindow)) s; before recovery: "
            + found.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            + "; repairs reported \(repairsSaid); settling after restart: median \(String(format: "%.1f", median)) s, max \(String(format: "%.1f", sorted.last ?? 0)) s"
    }
}
