import Values
import YAML
import FileIO

/// What a client needs to reach a cluster, resolved from kubeconfig files (or the in-cluster
/// service account) the way kubectl resolves them.
public struct ClusterAccess: Sendable, Equatable {
    public var contextName: String
    public var server: String
    public var namespace: String
    public var certificateAuthority: [UInt8]?
    /// Where the CA came from, for TLS error messages.
    public var certificateAuthoritySource: String?
    public var insecureSkipTLSVerify = false
    public var tlsServerName: String?
    public var clientCertificate: [UInt8]?
    public var clientKey: [UInt8]?
    public var token: String?
    public var tokenFile: String?
    public var username: String?
    public var password: String?
    public var exec: ExecPlugin?
    /// Impersonation (kubectl's --as / --as-group, helm's --kube-as-user / --kube-as-group).
    public var impersonateUser: String?
    public var impersonateGroups: [String] = []

    public init(contextName: String, server: String, namespace: String) {
        self.contextName = contextName; self.server = server; self.namespace = namespace
    }
}

/// A client-go exec credential plugin.
public struct ExecPlugin: Sendable, Equatable {
    public var apiVersion: String
    public var command: String
    public var args: [String]
    public var env: [(String, String)]
    public var provideClusterInfo: Bool
    public init(apiVersion: String, command: String, args: [String], env: [(String, String)], provideClusterInfo: Bool) {
        self.apiVersion = apiVersion; self.command = command; self.args = args; self.env = env; self.provideClusterInfo = provideClusterInfo
    }
    public static func == (a: ExecPlugin, b: ExecPlugin) -> Bool {
        a.apiVersion == b.apiVersion && a.command == b.command && a.args == b.args && a.provideClusterInfo == b.provideClusterInfo
            && a.env.map(\.0) == b.env.map(\.0) && a.env.map(\.1) == b.env.map(\.1)
    }
}

/// A kubeconfig that cannot be used; the message says which file, context or field.
public struct KubeConfigError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Loads and merges kubeconfig files as client-go's clientcmd does: `--kubeconfig` alone, else
/// every file of `KUBECONFIG` (the first to set a cluster, user, context or current-context
/// wins), else `~/.kube/config`, else the in-cluster service account.
public struct KubeConfig: Sendable {
    struct Named { var value: Map; var dir: String }
    var clusters: [String: Named] = [:]
    var users: [String: Named] = [:]
    var contexts: [String: Named] = [:]
    public private(set) var currentContext = ""
    public private(set) var files: [String] = []
    /// The environment of a process in a pod, kept when no kubeconfig file was found: client-go
    /// then uses the pod's service account.
    var inClusterEnvironment: [String: String]?

    public init() {}

    /// Where to read from, given the flag and the environment.
    public static func load(explicitPath: String?, environment: [String: String],
                            readFile: (String) throws -> String = { try FileSystem.readText($0) }) throws -> KubeConfig {
        var config = KubeConfig()
        if let explicitPath {
            try config.merge(path: explicitPath, required: true, readFile: readFile)
            return config
        }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            for path in list.split(separator: ":").map(String.init) where !path.isEmpty {
                try config.merge(path: path, required: false, readFile: readFile)
            }
            return config
        }
        if let home = environment["HOME"] {
            try config.merge(path: home + "/.kube/config", required: false, readFile: readFile)
        }
        if config.files.isEmpty, environment["KUBERNETES_SERVICE_HOST"] != nil { config.inClusterEnvironment = environment }
        return config
    }

    mutating func merge(path: String, required: Bool, readFile: (String) throws -> String) throws {
        let text: String
        do { text = try readFile(path) } catch {
            if required { throw KubeConfigError("cannot read kubeconfig \(path): \(error)") }
            return
        }
        let doc: Value?
        do { doc = try YAML.load(text) } catch { throw KubeConfigError("\(path): \(error)") }
        files.append(path)
        guard case .map(let m)? = doc else { return }
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        func section(_ key: String, _ inner: String, into dict: inout [String: Named]) throws {
            guard case .list(let l)? = m.entries[key] else { return }
            for (i, item) in l.items.enumerated() {
                guard case .map(let entry) = item, let name = entry.entries["name"]?.stringValue else {
                    throw KubeConfigError("\(path): \(key)[\(i)]: name is required")
                }
                guard dict[name] == nil else { continue } // the first file to define a name wins
                if case .map(let body)? = entry.entries[inner] { dict[name] = Named(value: body, dir: dir) }
                else { dict[name] = Named(value: Map([:]), dir: dir) }
            }
        }
        try section("clusters", "cluster", into: &clusters)
        try section("users", "user", into: &users)
        try section("contexts", "context", into: &contexts)
        if currentContext.isEmpty, let c = m.entries["current-context"]?.stringValue { currentContext = c }
    }

    public var contextNames: [String] { contexts.keys.sorted() }

    /// The cluster, user and namespace for a context (the current one by default).
    public func resolve(context: String?, namespace: String?, readFile: (String) throws -> [UInt8] = { try FileSystem.read($0) }) throws -> ClusterAccess {
        let name = context ?? currentContext
        if name.isEmpty, files.isEmpty, let env = inClusterEnvironment,
           // HRCTL_SERVICEACCOUNT_DIR: the token and CA somewhere else than a pod mounts them (tests, a debugging shell).
           var access = try KubeConfig.inCluster(environment: env, root: env["HRCTL_SERVICEACCOUNT_DIR"] ?? KubeConfig.serviceAccountDir, readFile: readFile) {
            if let namespace { access.namespace = namespace }
            return access
        }
        if name.isEmpty {
            if files.isEmpty { throw KubeConfigError("no kubeconfig found: set KUBECONFIG, pass --kubeconfig, or run in a cluster") }
            throw KubeConfigError("no current context is set in \(files.joined(separator: ", ")); pass --context (contexts: \(contextNames.joined(separator: ", ")))")
        }
        guard let ctx = contexts[name] else {
            throw KubeConfigError("context \"\(name)\" does not exist in \(files.joined(separator: ", ")) (contexts: \(contextNames.joined(separator: ", ")))")
        }
        func str(_ m: Map, _ k: String) -> String? { if let s = m.entries[k]?.stringValue, !s.isEmpty { return s }; return nil }
        guard let clusterName = str(ctx.value, "cluster") else { throw KubeConfigError("context \"\(name)\" names no cluster") }
        guard let cluster = clusters[clusterName] else {
            throw KubeConfigError("cluster \"\(clusterName)\" of context \"\(name)\" is not defined")
        }
        guard let server = str(cluster.value, "server") else { throw KubeConfigError("cluster \"\(clusterName)\" has no server") }
        var access = ClusterAccess(contextName: name, server: server, namespace: namespace ?? str(ctx.value, "namespace") ?? "default")
        func path(_ p: String, _ dir: String) -> String { p.hasPrefix("/") ? p : dir + "/" + p }
        func data(_ m: Map, _ key: String, _ dir: String, what: String) throws -> ([UInt8], String)? {
            if let d = str(m, key + "-data") {
                guard case .success(let bytes) = Base64.decode(d) else { throw KubeConfigError("\(what): \(key)-data is not valid base64") }
                return (bytes, "\(key)-data of \(what)")
            }
            if let p = str(m, key) {
                let full = path(p, dir)
                do { return (try readFile(full), full) } catch { throw KubeConfigError("\(what): cannot read \(key) \(full): \(error)") }
            }
            return nil
        }
        let c = cluster.value
        if let (ca, source) = try data(c, "certificate-authority", cluster.dir, what: "cluster \"\(clusterName)\"") {
            access.certificateAuthority = ca; access.certificateAuthoritySource = source
        }
        if case .bool(let b)? = c.entries["insecure-skip-tls-verify"] { access.insecureSkipTLSVerify = b }
        access.tlsServerName = str(c, "tls-server-name")
        if let userName = str(ctx.value, "user") {
            guard let user = users[userName] else { throw KubeConfigError("user \"\(userName)\" of context \"\(name)\" is not defined") }
            let u = user.value
            let what = "user \"\(userName)\""
            access.clientCertificate = try data(u, "client-certificate", user.dir, what: what)?.0
            access.clientKey = try data(u, "client-key", user.dir, what: what)?.0
            if (access.clientCertificate == nil) != (access.clientKey == nil) {
                throw KubeConfigError("\(what): client-certificate and client-key must be given together")
            }
            access.token = str(u, "token")
            access.tokenFile = str(u, "tokenFile").map { path($0, user.dir) }
            access.username = str(u, "username")
            access.password = str(u, "password")
            if case .map(let e)? = u.entries["exec"] {
                guard let command = str(e, "command") else { throw KubeConfigError("\(what): exec.command is required") }
                var args: [String] = []
                if case .list(let l)? = e.entries["args"] { args = l.items.compactMap(\.stringValue) }
                var env: [(String, String)] = []
                if case .list(let l)? = e.entries["env"] {
                    for item in l.items {
                        if case .map(let kv) = item, let n = str(kv, "name") { env.append((n, str(kv, "value") ?? "")) }
                    }
                }
                var provide = false
                if case .bool(let b)? = e.entries["provideClusterInfo"] { provide = b }
                let api = str(e, "apiVersion") ?? ""
                guard api == "client.authentication.k8s.io/v1" || api == "client.authentication.k8s.io/v1beta1" else {
                    throw KubeConfigError("\(what): exec plugin apiVersion \"\(api)\" is not supported (want client.authentication.k8s.io/v1 or v1beta1)")
                }
                access.exec = ExecPlugin(apiVersion: api, command: command, args: args, env: env, provideClusterInfo: provide)
            }
        }
        return access
    }

    /// The service account a pod runs as, when KUBERNETES_SERVICE_HOST is set.
    public static let serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

    public static func inCluster(environment: [String: String], root: String = KubeConfig.serviceAccountDir,
                                 readFile: (String) throws -> [UInt8] = { try FileSystem.read($0) }) throws -> ClusterAccess? {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], let port = environment["KUBERNETES_SERVICE_PORT"] else { return nil }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        var access = ClusterAccess(contextName: "in-cluster", server: "https://\(hostPart):\(port)", namespace: "default")
        access.tokenFile = root + "/token"
        do { access.certificateAuthority = try readFile(root + "/ca.crt") } catch {
            throw KubeConfigError("in-cluster configuration: cannot read \(root)/ca.crt: \(error)")
        }
        access.certificateAuthoritySource = root + "/ca.crt"
        if let ns = try? readFile(root + "/namespace") {
            let s = String(decoding: ns, as: UTF8.self).filter { !$0.isWhitespace }
            if !s.isEmpty { access.namespace = s }
        }
        return access
    }
}
