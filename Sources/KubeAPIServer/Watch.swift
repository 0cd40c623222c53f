import Values

/// One change as a watch reports it.
struct WatchEvent {
    var type: String
    var object: Value
    var rv: Int64
    var resourceKey: String
    var objectKey: String
}

/// An open watch: which objects it wants and where its events go (one JSON line each).
final class Watcher {
    let resource: ResourceType
    let namespace: String?
    let selector: LabelSelector?
    let fields: FieldSelector
    let bookmarks: Bool
    let send: @Sendable ([UInt8]) -> Void
    var lastBookmark: Double

    init(resource: ResourceType, namespace: String?, selector: LabelSelector?, fields: FieldSelector, bookmarks: Bool,
         send: @escaping @Sendable ([UInt8]) -> Void, now: Double) {
        self.resource = resource; self.namespace = namespace; self.selector = selector; self.fields = fields
        self.bookmarks = bookmarks; self.send = send; self.lastBookmark = now
    }
}

/// `fieldSelector`: the fields every resource supports, `metadata.name` and `metadata.namespace`,
/// with `=`, `==` and `!=`.
public struct FieldSelector: Sendable {
    var terms: [(field: String, value: String, equal: Bool)] = []

    public init(_ text: String?) throws {
        guard let text, !text.isEmpty else { return }
        for part in text.split(separator: ",") {
            let p = String(part)
            guard let eq = p.firstIndex(of: "=") else { throw APIError.badRequest("invalid selector: '\(text)'; can't understand '\(p)'") }
            var field = String(p[..<eq]), value = String(p[p.index(after: eq)...])
            var equal = true
            if field.hasSuffix("!") { field.removeLast(); equal = false } else if value.hasPrefix("=") { value.removeFirst() }
            guard field == "metadata.name" || field == "metadata.namespace" else {
                throw APIError.badRequest("\"\(field)\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")
            }
            terms.append((field, value, equal))
        }
    }

    func matches(name: String, namespace: String) -> Bool {
        terms.allSatisfy { t in ((t.field == "metadata.name" ? name : namespace) == t.value) == t.equal }
    }
}

/// The result of opening a watch: an error to answer with, or the events to send first and the
/// watch's id (events after them arrive through the watcher's `send`).
public enum WatchStart {
    case response(APIResponse)
    case stream(id: Int, initial: [[UInt8]])
}

extension APIServerCore {
    /// Compares the store with the last scan and logs what was added, modified and deleted;
    /// open watches get the events that match them. Called with the lock held.
    func recordChanges() {
        guard resourceVersion != scannedRV else { return }
        var found: [WatchEvent] = []
        for (rkey, bucket) in objects {
            var before = seen[rkey] ?? [:]
            var after: [String: (rv: String, object: Value)] = [:]
            after.reserveCapacity(bucket.count)
            for (okey, obj) in bucket {
                let rv = metadata(obj)?.entries["resourceVersion"]?.stringValue ?? ""
                after[okey] = (rv, obj)
                if let old = before.removeValue(forKey: okey) {
                    if old.rv != rv { found.append(WatchEvent(type: "MODIFIED", object: obj, rv: Int64(rv) ?? 0, resourceKey: rkey, objectKey: okey)) }
                } else {
                    found.append(WatchEvent(type: "ADDED", object: obj, rv: Int64(rv) ?? 0, resourceKey: rkey, objectKey: okey))
                }
            }
            for (okey, old) in before {
                found.append(WatchEvent(type: "DELETED", object: old.object, rv: 0, resourceKey: rkey, objectKey: okey))
            }
            seen[rkey] = after
        }
        for (rkey, old) in seen where objects[rkey] == nil {
            for (okey, o) in old { found.append(WatchEvent(type: "DELETED", object: o.object, rv: 0, resourceKey: rkey, objectKey: okey)) }
            seen[rkey] = nil
        }
        found.sort { ($0.rv == 0 ? Int64.max : $0.rv, $0.objectKey) < ($1.rv == 0 ? Int64.max : $1.rv, $1.objectKey) }
        for var e in found {
            // The object as it is now (later changes to the stored map must not show in the log).
            e.object = APIServerCore.copy(e.object)
            if e.type == "DELETED" {
                e.rv = Int64(nextResourceVersion())!
                metadata(e.object)?.entries["resourceVersion"] = .string(String(e.rv))
            }
            events.append(e)
            for w in watchers.values where wants(w, e) { w.send(line(e.type, e.object)) }
        }
        if events.count > maxEvents {
            let drop = events.count - maxEvents
            compactedRV = events[drop - 1].rv
            events.removeFirst(drop)
        }
        scannedRV = resourceVersion
    }

    func wants(_ w: Watcher, _ e: WatchEvent) -> Bool {
        guard e.resourceKey == key(w.resource) else { return false }
        let parts = e.objectKey.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let ns = String(parts[0]), name = parts.count > 1 ? String(parts[1]) : ""
        if let n = w.namespace, n != ns { return false }
        if !w.fields.matches(name: name, namespace: ns) { return false }
        return w.selector?.matches(labels(e.object)) ?? true
    }

    func line(_ type: String, _ object: Value) -> [UInt8] {
        Array(((try? JSONEncoding.encode(.map(["type": .string(type), "object": object]), escapeHTML: false)) ?? "{}").utf8) + [10]
    }

    /// Opens a watch for `GET …?watch=true`: from `resourceVersion` when given (replaying the log
    /// after it, or 410 Expired when the log no longer reaches back), else the current objects as
    /// ADDED events first.
    public func watch(_ req: APIRequest, send: @escaping @Sendable ([UInt8]) -> Void) -> WatchStart {
        lock.lock()
        defer { lock.unlock() }
        requestCount += 1
        if let f = injectedFault(req) { return .response(f) }
        do {
            let t = try parseTarget(req.path.split(separator: "/").map(String.init))
            guard t.name == nil else { throw APIError.methodNotAllowed() }
            let selector: LabelSelector?
            do { selector = try req.query["labelSelector"].map { try LabelSelector($0) } } catch let e as LabelSelector.ParseError {
                throw APIError.badRequest(e.description)
            }
            let fields = try FieldSelector(req.query["fieldSelector"])
            recordChanges()
            let w = Watcher(resource: t.resource, namespace: t.resource.namespaced ? t.namespace : nil, selector: selector, fields: fields,
                            bookmarks: req.query["allowWatchBookmarks"] == "true", send: send, now: APIServerCore.monotonicSeconds())
            var initial: [[UInt8]] = []
            let rv = req.query["resourceVersion"] ?? ""
            if rv.isEmpty || rv == "0" {
                for (k, v) in (objects[key(t.resource)] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    let e = WatchEvent(type: "ADDED", object: v, rv: 0, resourceKey: key(t.resource), objectKey: k)
                    if wants(w, e) { initial.append(line("ADDED", APIServerCore.copy(v))) }
                }
            } else {
                guard let from = Int64(rv) else { throw APIError.badRequest("invalid resource version: \(rv)") }
                if from < compactedRV {
                    let status = APIError(code: 410, reason: "Expired", message: "too old resource version: \(rv) (\(compactedRV))").body
                    return .stream(id: -1, initial: [line("ERROR", status)])
                }
                for e in events where e.rv > from && wants(w, e) { initial.append(line(e.type, e.object)) }
            }
            nextWatcherID += 1
            watchers[nextWatcherID] = w
            return .stream(id: nextWatcherID, initial: initial)
        } catch let e as APIError {
            return .response(APIResponse(status: e.code, body: e.body))
        } catch {
            return .response(APIResponse(status: 500, body: APIError(code: 500, reason: "InternalError", message: "\(error)").body))
        }
    }

    public func stopWatch(_ id: Int) {
        lock.lock()
        defer { lock.unlock() }
        watchers[id] = nil
    }

    /// The passing of time while someone watches: simulated controllers act, their changes are
    /// sent, and watches that allow it get a BOOKMARK with the current resourceVersion.
    public func tick() {
        lock.lock()
        defer { lock.unlock() }
        guard !watchers.isEmpty else { return }
        let watched = Set(watchers.values.map { key($0.resource) })
        for r in resources where watched.contains(key(r)) && APIServerCore.controlledKinds.contains(r.name) {
            for (k, v) in objects[key(r)] ?? [:] { _ = reconcile(r, k, v) }
        }
        // The CRD controller establishes watched CRDs too (a wait watches them, it does not read).
        for r in resources where r.name == "customresourcedefinitions" && watched.contains(key(r)) {
            for (_, v) in objects[key(r)] ?? [:] {
                if case .map(let m) = v, advanceCRD(m), let md = metadata(v) { md.entries["resourceVersion"] = .string(nextResourceVersion()) }
            }
        }
        recordChanges()
        let now = APIServerCore.monotonicSeconds()
        for w in watchers.values where w.bookmarks && now - w.lastBookmark >= bookmarkInterval {
            w.lastBookmark = now
            w.send(bookmark(w))
        }
    }

    func bookmark(_ w: Watcher) -> [UInt8] {
        line("BOOKMARK", .map(["kind": .string(w.resource.kind), "apiVersion": .string(w.resource.groupVersion),
                               "metadata": .map(["resourceVersion": .string(String(resourceVersion)), "creationTimestamp": .null])]))
    }

    /// The BOOKMARK a watch that allows them gets before the server ends it.
    public func finalBookmark(_ id: Int) -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        guard let w = watchers[id], w.bookmarks else { return nil }
        return bookmark(w)
    }
}
