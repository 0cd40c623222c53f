import Kube
import Release
import ReleaseSQL
import FileIO
import Values
import YAML

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
        case .memory: return try await memory(environment: env)
        case .sql(let cs): return try await SQLDriver.connect(cs, environment: env)
        }
    }

    /// The memory driver filled as helm fills it: HELM_MEMORY_DRIVER_DATA names YAML files
    /// (":"-separated), each a list of release records (the JSON fields), created in order. As
    /// in helm, the variable is required with this driver: an unset one reads the file "".
    static func memory(environment env: [String: String]) async throws -> MemoryDriver {
        let driver = MemoryDriver()
        let storage = ReleaseStorage(driver: driver)
        for path in (env["HELM_MEMORY_DRIVER_DATA"] ?? "").split(separator: ":", omittingEmptySubsequences: false).map(String.init) {
            let text: String
            do { text = try FileSystem.readText(path) } catch {
                throw StorageError.unavailable("Unable to read memory driver data: open \(path): \(FileSystem.kind(path) == .missing ? "no such file or directory" : "\(error)")")
            }
            let records: [Value]
            do {
                switch try YAML.load(text) {
                case .list(let l)?: records = l.items
                case nil, .null?: records = []
                default: throw ReleaseDecodeError("a list of releases is expected")
                }
            } catch { throw StorageError.unavailable("Unable to unmarshal memory driver data: \(path): \(error)") }
            for v in records {
                let r: Release
                do { r = try Release(json: v) } catch { throw StorageError.unavailable("Unable to unmarshal memory driver data: \(path): \(error)") }
                _ = try await storage.driver.create(r, encoded: try ReleaseCodec.encode(r))
            }
        }
        return driver
    }
}
