import Foundation
import XCTest

/// A genuine control plane (`../shared/kube/cluster`: kube-apiserver and controller-manager
/// v1.28.0 with etcd) and the official helm v4.3.1 and kubectl binaries, for tests that prove on
/// the real server what the loopback one only models. One cluster per test class; tests keep to
/// their own namespaces.
final class GenuineCluster: @unchecked Sendable {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static var script: String { (root as NSString).deletingLastPathComponent + "/shared/kube/cluster" }
    /// Where .ci/run installs helm and kubectl (`HRCTL_TOOLS` overrides).
    static var tools: String {
        ProcessInfo.processInfo.environment["HRCTL_TOOLS"] ?? (NSHomeDirectory() + "/.cache/hrctl-tools")
    }

    /// Why the tier cannot run here, or nil.
    static var unavailable: String? {
        let fm = FileManager.default
        if !fm.isExecutableFile(atPath: script) { return "\(script) is missing" }
        for tool in ["helm", "kubectl"] where !fm.isExecutableFile(atPath: tools + "/" + tool) {
            return "no \(tool) in \(tools) (bash .ci/run installs it; or run ../shared/tools/install-helm \(tools))"
        }
        return nil
    }

    nonisolated(unsafe) static var announced = false
    /// The one line a run without the tools prints.
    static func skip() throws -> Never {
        let why = unavailable ?? "unavailable"
        if !announced {
            announced = true
            FileHandle.standardError.write(Data("genuine-cluster tests skipped: \(why)\n".utf8))
        }
        throw XCTSkip("genuine-cluster tests skipped: \(why)")
    }

    let dir: String
    let kubeconfig: String
    let server: String
    let started: Double

    /// `cluster up` in a new temporary folder; `nodes` hollow nodes (and the scheduler) with it.
    init(name: String, nodes: Int = 0) throws {
        let t0 = Date().timeIntervalSince1970
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hrctl-cluster-\(getpid())-\(name)").path
        try? FileManager.default.removeItem(atPath: dir)
        let up = ["up", dir] + (nodes > 0 ? ["--nodes", String(nodes)] : [])
        var r = try Run.exec(GenuineCluster.script, up)
        if r.code != 0 {
            // A start can lose a race for a port or to a cluster still shutting down: once more, afresh.
            FileHandle.standardError.write(Data("cluster up \(dir) failed (\(r.code)), retrying: \(r.err)\n".utf8))
            _ = try? Run.exec(GenuineCluster.script, ["down", dir])
            try? FileManager.default.removeItem(atPath: dir)
            Thread.sleep(forTimeInterval: 2)
            r = try Run.exec(GenuineCluster.script, up)
        }
        guard r.code == 0 else { throw Failure("cluster up \(dir) failed (\(r.code)): \(r.err)") }
        kubeconfig = r.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let text = try String(contentsOfFile: kubeconfig, encoding: .utf8)
        server = text.split(separator: "\n").first { $0.contains("server:") }.map { String($0.split(separator: " ").last ?? "") } ?? ""
        started = Date().timeIntervalSince1970 - t0
        FileHandle.standardError.write(Data("genuine cluster \(name) up in \(String(format: "%.1f", started)) s at \(server)\n".utf8))
    }

    func down() {
        _ = try? Run.exec(GenuineCluster.script, ["down", dir])
        try? FileManager.default.removeItem(atPath: dir)
    }

    var env: [String: String] { GenuineCluster.environment(kubeconfig: kubeconfig, dir: dir) }

    /// What hrctl, helm and kubectl run with against a cluster: its kubeconfig, and caches of
    /// their own under `dir` (never the user's).
    static func environment(kubeconfig: String, dir: String) -> [String: String] {
        ["KUBECONFIG": kubeconfig, "HRCTL_CACHE": dir + "/hrctl-cache", "HELM_CACHE_HOME": dir + "/helm/cache",
         "HELM_CONFIG_HOME": dir + "/helm/config", "HELM_DATA_HOME": dir + "/helm/data", "KUBECACHEDIR": dir + "/kube-cache"]
    }

    @discardableResult
    func hrctl(_ args: [String], stdin: String? = nil) throws -> Run.Result { try Run.exec(Run.hrctl, args, env: env, stdin: stdin) }
    @discardableResult
    func helm(_ args: [String]) throws -> Run.Result { try Run.exec(GenuineCluster.tools + "/helm", args, env: env) }
    @discardableResult
    func kubectl(_ args: [String], stdin: String? = nil) throws -> Run.Result {
        try Run.exec(GenuineCluster.tools + "/kubectl", args, env: env, stdin: stdin)
    }

    /// `kubectl get -o json`, decoded; nil when the object does not exist.
    func get(_ args: [String]) throws -> [String: Any]? {
        let r = try kubectl(["get", "-o", "json"] + args)
        if r.code != 0 {
            if r.err.contains("NotFound") || r.err.contains("not found") { return nil }
            throw Failure("kubectl get \(args): \(r.err)")
        }
        return try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
    }

    /// Waits (bounded) until `check` holds.
    func eventually(_ what: String, timeout: Double = 30, _ check: () throws -> Bool) throws {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if try check() { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw Failure("timed out after \(Int(timeout)) s waiting for \(what)")
    }
}

struct Failure: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

/// Runs programs as a user would, capturing what they print.
enum Run {
    struct Result { let out: String; let err: String; let code: Int32 }

    static var hrctl: String {
        for dir in [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()] {
            let u = dir.appendingPathComponent("hrctl")
            if FileManager.default.isExecutableFile(atPath: u.path) { return u.path }
        }
        return GenuineCluster.root + "/.build/debug/hrctl"
    }

    static func exec(_ program: String, _ args: [String], env: [String: String] = [:], stdin: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let i = Pipe()
        p.standardInput = i
        let o = Pipe(), e = Pipe()
        p.standardOutput = o
        p.standardError = e
        try p.run()
        if let stdin { i.fileHandleForWriting.write(Data(stdin.utf8)) }
        try i.fileHandleForWriting.close()
        // Both pipes drained at once, so a chatty program cannot block on a full pipe.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errBox.data = e.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let out = o.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        p.waitUntilExit()
        return Result(out: String(decoding: out, as: UTF8.self), err: String(decoding: errData, as: UTF8.self), code: p.terminationStatus)
    }
}

/// The base of the tier's test classes: the class's cluster comes up before its first test and
/// goes down after its last.
class ClusterTestCase: XCTestCase {
    nonisolated(unsafe) static var clusters: [String: GenuineCluster] = [:]
    nonisolated(unsafe) static var failures: [String: String] = [:]

    override class func setUp() {
        super.setUp()
        guard GenuineCluster.unavailable == nil else { return }
        let name = String(describing: self)
        do { clusters[name] = try GenuineCluster(name: name, nodes: nodes) } catch { failures[name] = "\(error)" }
    }

    /// Hollow nodes the class's cluster has (0: no scheduler, Pods stay Pending).
    class var nodes: Int { 0 }

    override class func tearDown() {
        let name = String(describing: self)
        clusters[name]?.down()
        clusters[name] = nil
        super.tearDown()
    }

    var cluster: GenuineCluster!

    override func setUpWithError() throws {
        if GenuineCluster.unavailable != nil { try GenuineCluster.skip() }
        let name = String(describing: type(of: self))
        if let f = Self.failures[name] { throw Failure(f) }
        cluster = Self.clusters[name]
    }

    /// A namespace of this test's own, named after it ("t-" + the test's name, lowercased).
    var namespace: String {
        let n = name.split(separator: " ").last.map(String.init) ?? name
        let clean = n.lowercased().filter { $0.isLetter || $0.isNumber }
        return "t-" + String(clean.replacingOccurrences(of: "test", with: "").prefix(40))
    }

    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    func write(_ name: String, _ text: String) throws -> String {
        let dir = cluster.dir + "/files"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    var shop: String { GenuineCluster.root + "/Fixtures/charts/shop" }
    var sharedRepo: String { (GenuineCluster.root as NSString).deletingLastPathComponent + "/shared/repo" }

    /// A Flux v2 HelmRelease (no Helm Operator antecedent annotation, so the objects match
    /// what the helm CLI writes) that does not wait: no kubelet runs the pods.
    func fluxRelease(_ name: String, namespace: String, chart: String, values: String = "{}") throws -> String {
        try write("\(name)-\(namespace)-v2.yaml", """
            apiVersion: helm.toolkit.fluxcd.io/v2
            kind: HelmRelease
            metadata:
              name: \(name)
              namespace: \(namespace)
            spec:
              releaseName: \(name)
              chart:
                spec:
                  chart: \(chart)
              install: {disableWait: true}
              upgrade: {disableWait: true}
              values: \(values)

            """)
    }

    /// A Helm Operator style HelmRelease with a chart path and values.
    func release(_ name: String, namespace: String, chart: String, values: String = "{}") throws -> String {
        try write("\(name)-\(namespace).yaml", """
            apiVersion: helm.fluxcd.io/v1
            kind: HelmRelease
            metadata:
              name: \(name)
              namespace: \(namespace)
            spec:
              releaseName: \(name)
              chart:
                path: \(chart)
              values: \(values)

            """)
    }
}
