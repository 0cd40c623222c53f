import Kube
import Release
import ReleaseSQL

/// HELM_DRIVER as Helm's `action.Configuration.Init` reads it: "", "secret" or "secrets" keep
/// records in Secrets (the default), "configmap(s)" in ConfigMaps, "memory" in this process,
/// "sql" in the PostgreSQL database HELM_DRIVER_SQL_CONNECTION_STRING names; anything else is
/// `unknown driver "x"`. The one place the choice is made, for every command and the operator.
public enum ReleaseDrivers {
    public enum Choice: Sendable, Equatable {
        case secrets, configMaps, memory
        case sql(connectionString: String)
    }

    /// Which driver the environment asks for, without connecting to anything.
    public static func choice(environment env: [String: String]) throws -> Choice {
        switch env["HELM_DRIVER"] ?? "" {
        case "", "secret", "secrets": return .secrets
        case "configmap", "configmaps": return .configMaps
        case "memory": return .memory
        case "sql": return .sql(connectionString: env["HELM_DRIVER_SQL_CONNECTION_STRING"] ?? "")
        case let other: throw StorageError.unknownDriver(other)
        }
    }

    /// The driver the environment asks for, over `client` for the Kubernetes ones; SQL connects
    /// (and makes Helm's tables when missing) here, so a bad database fails before any work.
    public static func make(environment env: [String: String], client: KubeClient) async throws -> any ReleaseDriver {
        switch try choice(environment: env) {
        case .secrets: return KubeRecordDriver(client: client, kind: .secret)
        case .configMaps: return KubeRecordDriver(client: client, kind: .configMap)
        case .memory: return MemoryDriver()
        case .sql(let cs): return try await SQLDriver.connect(cs, environment: env)
        }
    }
}
