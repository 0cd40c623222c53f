import Values
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
        var info: [String: Value] = ["kind": .string("ExecCredential"), "apiVersion": .string(plugin.apiVersion),
                                     "spec": .map(["interactive": .bool(false)])]
        if plugin.provideClusterInfo, case .map(let spec)? = info["spec"] {
            spec.entries["cluster"] = .map(["server": .string(server)])
        }
        var env = ProcessEnvironment.current
        for (k, v) in plugin.env { env[k] = v }
        env["KUBERNETES_EXEC_INFO"] = try JSONEncoding.encode(.map(Map(info)))
        let (status, out, err) = try ProcessRunner.run(plugin.command, plugin.args, environment: env)
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

enum ProcessEnvironment {
    static var current: [String: String] {
        var out: [String: String] = [:]
        var p = environ
        while let e = p.pointee {
            let s = String(cString: e)
            if let eq = s.firstIndex(of: "=") { out[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return out
    }
}

/// Runs a program found on PATH and collects its output.
enum ProcessRunner {
    static func run(_ command: String, _ args: [String], environment: [String: String]) throws -> (Int32, [UInt8], [UInt8]) {
        var path = command
        if !command.contains("/") {
            let dirs = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            let candidates: [String] = dirs.map { String($0) + "/" + command }
            guard let found = candidates.first(where: { Glibc.access($0, X_OK) == 0 }) else {
                throw ExecCredentials.PluginError(description: "exec plugin \(command) not found on PATH")
            }
            path = found
        }
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw ExecCredentials.PluginError(description: "cannot create pipes") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        posix_spawn_file_actions_addclose(&actions, outPipe[0])
        posix_spawn_file_actions_addclose(&actions, errPipe[0])
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv = ([path] + args).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0]); close(errPipe[0])
            throw ExecCredentials.PluginError(description: "cannot run exec plugin \(path): \(String(cString: strerror(rc)))")
        }
        func drain(_ fd: Int32) -> [UInt8] {
            var out: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(fd, &buf, buf.count)
                if n <= 0 { break }
                out += buf[0..<n]
            }
            close(fd)
            return out
        }
        let out = drain(outPipe[0]), err = drain(errPipe[0])
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return (code, out, err)
    }
}
