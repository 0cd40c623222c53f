import Values
import Release
import Actions

/// A release as helm's statusPrinter prints it (install, upgrade, status, rollback --dry-run).
struct StatusPrinter {
    var release: Release
    var hideNotes = false
    /// `helm status`'s RESOURCES section, already laid out.
    var resourcesTable: String?
    /// helm's --hide-secret: Secret documents left out of the manifest shown.
    var hideSecret = false

    func table() -> String {
        let r = release
        var s = "NAME: \(r.name)\n"
        if !r.info.lastDeployed.isEmpty { s += "LAST DEPLOYED: \(TimeText.ansic(r.info.lastDeployed))\n" }
        s += "NAMESPACE: \(r.namespace)\nSTATUS: \(r.info.status.rawValue)\nREVISION: \(r.version)\nDESCRIPTION: \(r.info.description)\n"
        if let resourcesTable, !resourcesTable.isEmpty { s += "RESOURCES:\n\(resourcesTable)\n" }
        s += testSuite()
        if r.info.description.lowercased() == "dry run complete" {
            s += "HOOKS:\n"
            for case .map(let h) in r.hooks {
                s += "---\n# Source: \(h.entries["path"]?.stringValue ?? "")\n\(h.entries["manifest"]?.stringValue ?? "")\n"
            }
            s += "MANIFEST:\n\(hideSecret ? Self.withoutSecrets(r.manifest) : r.manifest)\n"
        }
        let notes = Self.trimSpace(r.info.notes)
        if !hideNotes && !notes.isEmpty { s += "NOTES:\n\(notes)\n" }
        return s
    }

    /// helm's TEST SUITE lines: None, or each test hook that has run.
    func testSuite() -> String {
        let tests = release.hooks.compactMap { h -> Map? in
            guard case .map(let m) = h, case .list(let events)? = m.entries["events"], events.items.contains(where: { $0.stringValue == "test" }) else { return nil }
            return m
        }
        if tests.isEmpty { return "TEST SUITE: None\n" }
        var s = ""
        for t in tests {
            guard case .map(let run)? = t.entries["last_run"], let started = run.entries["started_at"]?.stringValue, !started.isEmpty,
                  !started.hasPrefix("0001-") else { continue }
            s += "TEST SUITE:     \(t.entries["name"]?.stringValue ?? "")\n"
            s += "Last Started:   \(TimeText.ansic(started))\n"
            s += "Last Completed: \(TimeText.ansic(run.entries["completed_at"]?.stringValue ?? ""))\n"
            s += "Phase:          \(run.entries["phase"]?.stringValue ?? "")\n"
        }
        return s
    }

    /// The release as helm encodes it for -o json|yaml; `withChart: false` as `helm status`
    /// prints it (the chart stripped), `resources` as helm 4.3.1 nests them (`info.resources`).
    func value(withChart: Bool, resources: Value? = nil) -> Value {
        var r = release
        if hideSecret { r.manifest = Self.withoutSecrets(r.manifest) }
        guard case .map(let m) = r.json() else { return .null }
        if !withChart { m.entries["chart"] = nil }
        // hrctl's own bookkeeping in the record (digests) is no part of helm's release.
        for k in m.entries.keys where k.hasPrefix("hrctl_") { m.entries[k] = nil }
        if let resources, case .map(let info)? = m.entries["info"] { info.entries["resources"] = resources }
        return .map(m)
    }

    static func trimSpace(_ text: String) -> String {
        var s = Substring(text)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }

    /// The manifest's documents but Secrets (a top-level `kind: Secret` line).
    static func withoutSecrets(_ manifest: String) -> String {
        var docs: [[Substring]] = [[]]
        for line in manifest.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "---" { docs.append([]) } else { docs[docs.count - 1].append(line) }
        }
        let kept = docs.filter { d in !d.isEmpty && !d.contains { $0 == "kind: Secret" || $0 == "kind: \"Secret\"" } }
        return kept.map { "---\n" + $0.joined(separator: "\n") }.joined(separator: "\n")
    }
}
