import Values
import YAML
import Engine
import Release

/// Helm's hooks: documents annotated `helm.sh/hook`, run by weight around an operation, waited
/// for when they are Jobs or Pods, deleted according to `helm.sh/hook-delete-policy`.
struct Hook {
    var resource: Resource
    var events: [String]
    var weight: Int
    var deletePolicies: [String]
    var manifest: String
    var lastRun: [String: Value] = [:]

    init(resource: Resource, events: [String], manifest: String) {
        self.resource = resource; self.events = events; self.manifest = manifest
        let ann = resource.annotations
        weight = Int(ann["helm.sh/hook-weight"].map(Hook.trim) ?? "") ?? 0
        deletePolicies = (ann["helm.sh/hook-delete-policy"] ?? "").split(separator: ",").map { Hook.trim(String($0)) }.filter { !$0.isEmpty }
        if deletePolicies.isEmpty { deletePolicies = ["before-hook-creation"] }
    }

    static func trim(_ s: String) -> String { String(s.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }

    static func from(_ ms: [Manifest]) throws -> [Hook] {
        try ms.compactMap { m in
            let text = "# Source: \(m.name)\n\(m.content)"
            guard let r = try ResourceList.parse(text).first else { return nil }
            return Hook(resource: r, events: m.hookEvents, manifest: m.content)
        }
    }

    /// Hooks stored in a release record (for uninstall and rollback).
    static func from(records: [Value]) -> [Hook] {
        records.compactMap { v in
            guard case .map(let m) = v, let text = m.entries["manifest"]?.stringValue,
                  let r = try? ResourceList.parse("# Source: \(m.entries["path"]?.stringValue ?? "hook")\n" + text).first else { return nil }
            var events: [String] = []
            if case .list(let l)? = m.entries["events"] { events = l.items.compactMap(\.stringValue) }
            return Hook(resource: r, events: events, manifest: text)
        }
    }

    var record: Value {
        var e: [String: Value] = [
            "name": .string(resource.name), "kind": .string(resource.kind), "path": .string(resource.source),
            "manifest": .string(manifest), "events": .list(events.map { .string($0) }),
            "last_run": .map(Map(lastRun.isEmpty ? ["started_at": .string(""), "completed_at": .string(""), "phase": .string("")] : lastRun)),
            "weight": .int(Int64(weight)), "delete_policies": .list(deletePolicies.map { .string($0) }),
        ]
        if resource.kind.isEmpty { e["kind"] = nil }
        return .map(Map(e))
    }
}

extension ActionContext {
    /// Runs the hooks of one event in weight order; a failed hook fails the operation.
    /// `fence`: the run's hold on its lock, checked before each hook is created or deleted.
    func runHooks(_ hooks: inout [Hook], event: String, namespace: String, timeout: Double, fence: LockFence? = nil) async throws {
        let selected = hooks.indices.filter { hooks[$0].events.contains(event) }
            .sorted { (hooks[$0].weight, hooks[$0].resource.name) < (hooks[$1].weight, hooks[$1].resource.name) }
        for i in selected {
            var r = hooks[i].resource
            try await resources.prepare(&r, namespace: namespace)
            progress("running \(event) hook \(r.label)")
            try await fence?.hold()
            if hooks[i].deletePolicies.contains("before-hook-creation") { try await resources.delete(r, namespace: namespace) }
            hooks[i].lastRun = ["started_at": .string(Timestamp.now()), "completed_at": .string(""), "phase": .string("Running")]
            do {
                try await resources.apply(r, namespace: namespace)
                if r.kind == "Job" || r.kind == "Pod" {
                    try await resources.wait([r], namespace: namespace, WaitOptions(timeout: timeout, mode: .hook), fence: fence, progress: waitStatus ?? progress)
                }
            } catch {
                hooks[i].lastRun["phase"] = .string("Failed")
                hooks[i].lastRun["completed_at"] = .string(Timestamp.now())
                if hooks[i].deletePolicies.contains("hook-failed") { try? await resources.delete(r, namespace: namespace) }
                throw ActionError.hookFailed("\(event) \(r.label)", "\(error)")
            }
            hooks[i].lastRun["phase"] = .string("Succeeded")
            hooks[i].lastRun["completed_at"] = .string(Timestamp.now())
            try await fence?.hold()
            if hooks[i].deletePolicies.contains("hook-succeeded") { try await resources.delete(r, namespace: namespace) }
        }
    }
}
