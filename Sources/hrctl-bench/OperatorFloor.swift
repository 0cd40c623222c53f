// The floor under the operator's burst: the same rendered objects of the same releases applied
// to the same genuine apiserver with no operator — server-side apply, `workers` releases at a
// time and the objects of one kind at once (the operator's concurrency), no records, no hooks,
// no watches. What is left above it is the operator's own work.
import Values
import Kube
import Engine
import Actions
import Dispatch

enum OperatorFloor {
    /// The objects of release `r\(i)` in `namespace`, in Helm's install order.
    static func objects(_ i: Int, chartPath: String, namespace: String) throws -> [Resource] {
        var options = RenderOptions()
        options.releaseName = "r\(i)"
        options.namespace = namespace
        let (chart, values) = try Renderer.prepare(chartPath: chartPath, user: Map([:]))
        let sorted = try Manifests.sort(try Renderer.render(chart, values: values, options: options))
        return try ResourceList.parse(ResourceList.manifestText(sorted.manifests))
    }

    /// Seconds to apply every release's objects; the objects counted.
    static func measure(client: KubeClient, n: Int, workers: Int, namespace: String, chartPath: @escaping @Sendable (Int) -> String) async throws -> (seconds: Double, objects: Int) {
        _ = try? await client.request(.POST, "/api/v1/namespaces", body: .map(["metadata": .map(["name": .string(namespace)])]))
        // Rendered ahead, outside the time measured (the operator renders inside its own).
        let rendered = Slots(n)
        DispatchQueue.concurrentPerform(iterations: n) { i in rendered.set(i, (try? objects(i, chartPath: chartPath(i), namespace: namespace)) ?? []) }
        let releases = rendered.all
        let resources = ResourceClient(client: client, discovery: Discovery(client: client))
        let next = Counter()
        let start = now()
        try await withThrowingTaskGroup(of: Void.self) { lanes in
            for _ in 0..<workers {
                lanes.addTask {
                    while let i = await next.take(below: n) {
                        for run in kindRuns(releases[i]) {
                            try await withThrowingTaskGroup(of: Void.self) { group in
                                for (k, r) in run.enumerated() {
                                    if k >= 16 { try await group.next() }
                                    group.addTask { _ = try await resources.apply(r, namespace: namespace) }
                                }
                                try await group.waitForAll()
                            }
                        }
                    }
                }
            }
            try await lanes.waitForAll()
        }
        return (now() - start, releases.map(\.count).reduce(0, +))
    }

    /// Consecutive objects of one kind, as the operator applies them together.
    static func kindRuns(_ rs: [Resource]) -> [[Resource]] {
        var runs: [[Resource]] = []
        for r in rs {
            if let last = runs.last?.last, last.kind == r.kind { runs[runs.count - 1].append(r) } else { runs.append([r]) }
        }
        return runs
    }

    actor Counter {
        var value = 0
        func take(below n: Int) -> Int? {
            guard value < n else { return nil }
            defer { value += 1 }
            return value
        }
    }

    final class Slots: @unchecked Sendable {
        private var items: [[Resource]]
        private let lock = DispatchSemaphore(value: 1)
        init(_ n: Int) { items = Array(repeating: [], count: n) }
        func set(_ i: Int, _ v: [Resource]) { lock.wait(); items[i] = v; lock.signal() }
        var all: [[Resource]] { lock.wait(); defer { lock.signal() }; return items }
    }
}
