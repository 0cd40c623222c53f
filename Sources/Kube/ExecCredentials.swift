import Values
import FileIO
#if canImport(Glibc)
import Glibc
#endif

/// Runs client-go exec credential plugins (client.authentication.k8s.io v1 and v1beta1) and
/// caches what they return until its expirationTimestamp.
public actor ExecCredentials {
    public struct Credential: Sendable, Equatable {
        public var token: String?
        public var clientCertificate: [UInt8]?
        public var clientKey: [UInt8]?
        /// Seconds since the epoch; nil when the plugin gave no expiry (cached for the process).
        public var expiresAt: Int64?
    }

    public struct PluginError: Error, CustomStringConvertible, Sendable { public let description: String }

    let plugin: ExecPlugin
    let server: String
    var cached: Credential?
    /// Current time in seconds (tests may move it).
    let clock: @Sendable () -> Int64

    public init(plugin: ExecPlugin, server: String, clock: @escaping @Sendable () -> Int64 = { Int64(time(nil)) }) {
        self.plugin = plugin; self.server = server; self.clock = clock
    }

    public func credential() throws -> Credential {
        if let c = cached, c.expiresAt.map({ $0 > clock() + 10 }) ?? true { return c }
        let c = try run()
        cached = c
        return c
    }

    func run() throws -> Credential {
        let info: [String: Value] = ["kind": .string("ExecCredential"), "apiVersion": .string(plugin.apiVersion),
                                     "spec": .map(["interactive": .bool(false)])]
        if plugin.provideClusterInfo, case .map(let spec)? = info["spec"] {
            spec.entries["cluster"] = .map(["server": .string(server)])
        }
        var env = Subprocess.environment
        for (k, v) in plugin.env { env[k] = v }
        env["KUBERNETES_EXEC_INFO"] = try JSONEncoding.encode(.map(Map(info)))
        let status: Int32, out: [UInt8], err: [UInt8]
        do { (status, out, err) = try Subprocess.run(plugin.command, plugin.args, environment: env) } catch let e as Subprocess.Failure {
            throw PluginError(description: "exec plugin " + e.description)
        }
        guard status == 0 else {
            throw PluginError(description: "exec plugin \(plugin.command) failed with exit code \(status): \(String(decoding: err, as: UTF8.self).trimmingSpace())")
        }
        let doc: Value
        do { doc = try JSON.decode(String(decoding: out, as: UTF8.self)) } catch {
            throw PluginError(description: "exec plugin \(plugin.command) printed no ExecCredential: \(error)")
        }
        guard case .map(let m) = doc, m.entries["kind"]?.stringValue == "ExecCredential", case .map(let s)? = m.entries["status"] else {
            throw PluginError(description: "exec plugin \(plugin.command) printed no ExecCredential status")
        }
        if let api = m.entries["apiVersion"]?.stringValue, api != plugin.apiVersion {
            throw PluginError(description: "exec plugin \(plugin.command) answered apiVersion \(api), want \(plugin.apiVersion)")
        }
        var c = Credential(token: s.entries["token"]?.stringValue,
                           clientCertificate: s.entries["clientCertificateData"]?.stringValue.map { Array($0.utf8) },
                           clientKey: s.entries["clientKeyData"]?.stringValue.map { Array($0.utf8) })
        if c.token == nil && (c.clientCertificate == nil || c.clientKey == nil) {
            throw PluginError(description: "exec plugin \(plugin.command) returned neither a token nor a client certificate and key")
        }
        if let exp = s.entries["expirationTimestamp"]?.stringValue { c.expiresAt = RFC3339.parse(exp) }
        return c
    }
}

enum RFC3339 {
    /// "2026-11-24T17:14:20Z" (or with an offset) to seconds since the epoch.
    static func parse(_ s: String) -> Int64? {
        let b = Array(s.utf8)
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= b.count else { return nil }
            return Int(String(decoding: b[from..<(from + len)], as: UTF8.self))
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2), let se = num(17, 2) else { return nil }
        var i = 19
        if i < b.count, b[i] == UInt8(ascii: ".") { i += 1; while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 } }
        var offset = 0
        if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard let oh = num(i + 1, 2), let om = num(i + 4, 2) else { return nil }
            offset = (b[i] == UInt8(ascii: "-") ? -1 : 1) * (oh * 3600 + om * 60)
        }
        let yy = Int64(mo <= 2 ? y - 1 : y)
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let mp = Int64(mo > 2 ? mo - 3 : mo + 9)
        let doy = (153 * mp + 2) / 5 + Int64(d) - 1
        let days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468
        return days * 86400 + Int64(h * 3600 + mi * 60 + se) - Int64(offset)
    }
}
