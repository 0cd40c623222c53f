import ArgumentParser
import Dispatch
import FileIO
import Kube
import Release
import Values

/// Shell completion of release names and namespaces from the cluster the command line names
/// (its --kubeconfig, --context and -n, else the current context). Completion must answer
/// quickly or not at all, so each lookup gives up after two seconds and offers nothing.
enum ClusterCompletion {
    static let releases = CompletionKind.custom { words, _, prefix in releaseNames(words, prefix) }
    static let namespaces = CompletionKind.custom { words, _, prefix in namespaceNames(words, prefix) }

    static func releaseNames(_ words: [String], _ prefix: String) -> [String] {
        lookup(words) { client, access in
            try await ReleaseStorage(client: client).latest(namespace: access.namespace).map(\.name)
        }.filter { $0.hasPrefix(prefix) }.sorted()
    }

    static func namespaceNames(_ words: [String], _ prefix: String) -> [String] {
        lookup(words) { client, _ in
            guard case .map(let m) = try await client.request(.GET, "/api/v1/namespaces"), case .list(let items)? = m.entries["items"] else { return [] }
            return items.items.compactMap { item -> String? in
                guard case .map(let o) = item, case .map(let md)? = o.entries["metadata"] else { return nil }
                return md.entries["name"]?.stringValue
            }
        }.filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// The value after a flag in the words typed so far (`--flag v` or `--flag=v`).
    static func flag(_ names: [String], in words: [String]) -> String? {
        for (i, w) in words.enumerated() {
            for n in names {
                if w == n, i + 1 < words.count { return words[i + 1] }
                if w.hasPrefix(n + "=") { return String(w.dropFirst(n.count + 1)) }
            }
        }
        return nil
    }

    static func lookup(_ words: [String], _ body: @escaping @Sendable (KubeClient, ClusterAccess) async throws -> [String]) -> [String] {
        let env = Subprocess.environment
        guard let cfg = try? KubeConfig.load(explicitPath: flag(["--kubeconfig"], in: words), environment: env),
              let access = try? cfg.resolve(context: flag(["--kube-context", "--context"], in: words) ?? GlobalOptions.nonEmpty(env["HELM_KUBECONTEXT"]),
                                            namespace: flag(["-n", "--namespace"], in: words) ?? GlobalOptions.nonEmpty(env["HELM_NAMESPACE"])),
              let client = try? KubeClient(access: access, userAgent: "hrctl/\(Hrctl.version)") else { return [] }
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        Task.detached {
            let names = (try? await body(client, access)) ?? []
            try? await client.shutdown()
            box.set(names)
            done.signal()
        }
        guard done.wait(timeout: .now() + 2) == .success else { return [] }
        return box.get()
    }

    final class ResultBox: @unchecked Sendable {
        private let lock = DispatchSemaphore(value: 1)
        private var value: [String] = []
        func set(_ v: [String]) { lock.wait(); value = v; lock.signal() }
        func get() -> [String] { lock.wait(); defer { lock.signal() }; return value }
    }
}
