/// Why an action failed, with the message a user sees (Helm's wording where Helm has one).
public enum ActionError: Error, CustomStringConvertible, Sendable {
    case releaseNotFound(String, namespace: String)
    case revisionNotFound(String, Int)
    case inProgress(String, holder: String)
    case ownership(String, operation: String)
    case invalidManifest(String, String)
    case waitTimeout(String, [String])
    case hookFailed(String, String)
    case failed(String)

    public var description: String {
        switch self {
        case .releaseNotFound(let n, let ns): return "release: not found: \"\(n)\" has no revisions in namespace \"\(ns)\""
        case .revisionNotFound(let n, let v): return "release: not found: \"\(n)\" has no revision \(v)"
        case .inProgress(let n, let holder):
            return "another operation (install/upgrade/rollback) is in progress for release \"\(n)\": \(holder)"
        case .ownership(let msg, let op):
            return "rendered manifests contain a resource that already exists. Unable to continue with \(op): \(msg)"
        case .invalidManifest(let source, let msg): return "\(source): \(msg)"
        case .waitTimeout(let timeout, let pending):
            return "timed out after \(timeout) waiting for resources to be ready:\n" + pending.map { "  " + $0 }.joined(separator: "\n")
        case .hookFailed(let hook, let msg): return "hook \(hook) failed: \(msg)"
        case .failed(let msg): return msg
        }
    }
}
