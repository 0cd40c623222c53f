/// Where Helm keeps its configuration and caches, from the same variables Helm reads
/// (HELM_*_HOME, then XDG_*_HOME, then the home folder), so hrctl reads and writes the files a
/// helm user already has: repositories.yaml, the repository index cache, the registry config.json.
public struct HelmPaths: Sendable {
    public let environment: [String: String]

    public init(environment: [String: String]) { self.environment = environment }

    func home(_ helmVar: String, _ xdgVar: String, _ fallback: String) -> String {
        if let v = environment[helmVar], !v.isEmpty { return v }
        if let x = environment[xdgVar], !x.isEmpty { return x + "/helm" }
        return (environment["HOME"] ?? "/root") + "/" + fallback + "/helm"
    }

    func explicit(_ name: String, _ fallback: String) -> String {
        if let v = environment[name], !v.isEmpty { return v }
        return fallback
    }

    public var cacheHome: String { home("HELM_CACHE_HOME", "XDG_CACHE_HOME", ".cache") }
    public var configHome: String { home("HELM_CONFIG_HOME", "XDG_CONFIG_HOME", ".config") }
    public var dataHome: String { home("HELM_DATA_HOME", "XDG_DATA_HOME", ".local/share") }
    public var repositoryConfig: String { explicit("HELM_REPOSITORY_CONFIG", configHome + "/repositories.yaml") }
    public var repositoryCache: String { explicit("HELM_REPOSITORY_CACHE", cacheHome + "/repository") }
    public var registryConfig: String { explicit("HELM_REGISTRY_CONFIG", configHome + "/registry/config.json") }
    public var contentCache: String { explicit("HELM_CONTENT_CACHE", cacheHome + "/content") }
    public var plugins: String { explicit("HELM_PLUGINS", dataHome + "/plugins") }

    /// The cached index of a configured repository, as `helm repo update` writes it.
    public func cachedIndex(repository name: String) -> String { repositoryCache + "/" + name + "-index.yaml" }
}
