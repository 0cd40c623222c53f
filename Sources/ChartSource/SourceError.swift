import GoRegexp
/// Why a chart could not be found or fetched, naming the repository, chart and version.
public enum SourceError: Error, CustomStringConvertible, Sendable {
    case badIndex(String, String)
    case chartNotFound(name: String, repository: String, suggestions: [String])
    case versionNotFound(name: String, version: String, repository: String, available: [String])
    case badVersion(name: String, version: String, reason: String)
    case download(url: String, reason: String)
    case digestMismatch(url: String, want: String, got: String)
    case offline(String)
    case git(String)
    case unsupported(String)
    case badConfig(String, String)
    case noRepositories
    case unknownRepository(String)
    case exists(String)
    case dependency(String)
    /// A `search repo --regexp` pattern Go's regexp refuses, in Go's words.
    case regexp(RegexpError)

    public var description: String {
        switch self {
        case .badIndex(let src, let why): return "repository index \(src) is not valid: \(why)"
        case .chartNotFound(let n, let repo, let near):
            return "chart \"\(n)\" not found in repository \(repo)" + (near.isEmpty ? "" : " (similar names: \(near.joined(separator: ", ")))")
        case .versionNotFound(let n, let v, let repo, let available):
            let shown = available.prefix(20).joined(separator: ", ") + (available.count > 20 ? ", … (\(available.count) in all)" : "")
            return "chart \"\(n)\" version \"\(v)\" not found in repository \(repo); available versions: \(shown.isEmpty ? "none" : shown)"
        case .badVersion(let n, let v, let why): return "chart \"\(n)\": version \"\(v)\" is neither a version nor a range: \(why)"
        case .download(let url, let why): return "cannot download \(url): \(why)"
        case .digestMismatch(let url, let want, let got):
            return "chart \(url) does not match the repository index: digest sha256:\(got), the index says sha256:\(want)"
        case .offline(let what): return "--offline: \(what) is not in the cache"
        case .git(let why): return why
        case .unsupported(let why): return why
        case .badConfig(let path, let why): return "\(path): \(why)"
        case .noRepositories: return "no repositories configured"
        case .unknownRepository(let name): return "repo \(name) not found"
        case .exists(let path): return "failed to untar: a file or directory with the name \(path) already exists"
        case .dependency(let why): return why
        case .regexp(let e): return e.description
        }
    }
}
