/// Bounded concurrency for the cluster side: the objects of one install-order group are applied
/// (or deleted, or read) a few at a time over the client's connections, as Helm does per kind.
enum Concurrently {
    /// Requests in flight at once: enough to hide the round trip on one HTTP/2 connection,
    /// few enough not to crowd an API server's inflight limit (400 by default) when several
    /// releases are applied in parallel.
    static let limit = 16
    /// Deletes in flight at once.
    static let deleteLimit = 64

    /// `body(i)` for every index of `items`, at most `limit` at once; the results in item order.
    /// After a failure nothing new starts; the ones running finish, and the error of the
    /// earliest failed item is thrown (what a one-by-one loop would have thrown, when it is
    /// the only one).
    static func map<T: Sendable, R: Sendable>(_ items: [T], limit: Int = Concurrently.limit,
                                              _ body: @escaping @Sendable (T) async throws -> R) async throws -> [R] {
        if items.count <= 1 || limit <= 1 {
            var out: [R] = []
            for item in items { out.append(try await body(item)) }
            return out
        }
        var results = [R?](repeating: nil, count: items.count)
        var failure: (index: Int, error: Error)?
        try await withThrowingTaskGroup(of: (Int, Result<R, Error>).self) { group in
            var next = 0
            func launch() {
                let i = next, item = items[i]
                next += 1
                group.addTask {
                    do { return (i, .success(try await body(item))) } catch { return (i, .failure(error)) }
                }
            }
            while next < min(limit, items.count) { launch() }
            while let (i, result) = try await group.next() {
                switch result {
                case .success(let r): results[i] = r
                case .failure(let e): if failure == nil || i < failure!.index { failure = (i, e) }
                }
                if failure == nil && next < items.count { launch() }
            }
        }
        if let failure { throw failure.error }
        return results.map { $0! }
    }

    static func forEach<T: Sendable>(_ items: [T], limit: Int = Concurrently.limit,
                                     _ body: @escaping @Sendable (T) async throws -> Void) async throws {
        _ = try await map(items, limit: limit, body)
    }

    /// Consecutive runs of items with the same key (Helm's install-order groups: one kind after
    /// another), in order.
    static func runs<T>(_ items: [T], by key: (T) -> String) -> [[T]] {
        var out: [[T]] = []
        var last: String?
        for item in items {
            let k = key(item)
            if k == last, !out.isEmpty { out[out.count - 1].append(item) } else { out.append([item]); last = k }
        }
        return out
    }
}
