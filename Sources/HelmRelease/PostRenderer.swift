import Values

/// What runs on a release's rendered manifests before they are applied.
public enum PostRenderer: Sendable {
    /// Helm's `--post-renderer`: an executable that reads the manifests on standard input and
    /// writes them, changed, on standard output.
    case executable(path: String, args: [String])
    /// Flux v2's `postRenderers[].kustomize`: JSON 6902 patches on targets, and image overrides.
    case kustomize(Kustomize)
}

public struct Kustomize: Sendable {
    /// Which objects a patch applies to; empty fields match anything.
    public struct Target: Sendable {
        public var group = "", version = "", kind = "", name = "", namespace = ""
        public init() {}
    }
    public struct Patch: Sendable {
        public var target: Target
        /// RFC 6902 operations.
        public var operations: [Value]
        public init(target: Target, operations: [Value]) { self.target = target; self.operations = operations }
    }
    public struct Image: Sendable {
        public var name: String
        public var newName = ""
        public var newTag = ""
        public var digest = ""
        public init(name: String) { self.name = name }
    }
    public var patches: [Patch] = []
    public var images: [Image] = []
    public init() {}
}
