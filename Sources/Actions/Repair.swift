import Values
import Release

/// What an interrupted or older writer can leave in a release's history, and its repair.
///
/// The records are written in this order: the new revision pending (the lock), the objects,
/// the new revision deployed, then the earlier deployed ones superseded. A kill between any two
/// writes leaves one of: a pending revision whose writer is gone, or two revisions deployed
/// (the newer one complete). Both are repaired here before any writer trusts the history.
public enum HistoryProblem: Sendable, Equatable, CustomStringConvertible {
    /// Several revisions marked deployed; only the newest is.
    case severalDeployed(kept: Int, others: [Int])
    /// A pending revision whose writer is gone (or that a newer revision has overtaken).
    case abandonedPending(Int, Release.Status)
    /// An uninstall that stopped halfway (its objects partly deleted) and that no delete resumed.
    case interruptedUninstall(Int)

    public var description: String {
        switch self {
        case .severalDeployed(let kept, let others):
            let list = others.map(String.init).joined(separator: ", ")
            return "revision\(others.count == 1 ? "" : "s") \(list) also marked deployed (an interrupted or older writer); revision \(kept) is the deployed one"
        case .abandonedPending(let v, let s): return "revision \(v) is \(s.rawValue) but the run that wrote it is gone"
        case .interruptedUninstall(let v): return "revision \(v) is uninstalling but the uninstall did not complete"
        }
    }

    /// The problems of a history (oldest first); a live pending lock is none.
    /// `resumingUninstall`: the caller is a delete, which takes over an uninstalling latest revision.
    static func find(_ history: [Release], isStale: (Release) -> Bool, resumingUninstall: Bool = true) -> [HistoryProblem] {
        guard let last = history.last else { return [] }
        return find(history.map { ($0.version, $0.info.status) }, lastIsStale: { isStale(last) }, resumingUninstall: resumingUninstall)
    }

    /// The same from the revisions' statuses alone: only the newest revision's record is
    /// needed, to judge whether its writer is gone.
    static func find(_ statuses: [(version: Int, status: Release.Status)], lastIsStale: () -> Bool, resumingUninstall: Bool = true) -> [HistoryProblem] {
        var out: [HistoryProblem] = []
        for (i, r) in statuses.enumerated() {
            let isLast = i == statuses.count - 1
            if r.status.isPending && (!isLast || lastIsStale()) { out.append(.abandonedPending(r.version, r.status)) }
            if r.status == .uninstalling && (!isLast || !resumingUninstall) { out.append(.interruptedUninstall(r.version)) }
        }
        let deployed = statuses.filter { $0.status == .deployed }.map(\.version)
        if deployed.count > 1, let kept = deployed.last { out.append(.severalDeployed(kept: kept, others: Array(deployed.dropLast()))) }
        return out
    }
}

extension ActionContext {
    /// The problems reading commands report without writing anything.
    public func historyProblems(_ history: [Release], timeout: Double = 300, resumingUninstall: Bool = true) -> [HistoryProblem] {
        HistoryProblem.find(history, isStale: { isStale($0, timeout: timeout) }, resumingUninstall: resumingUninstall)
    }

    /// A reading command changes nothing: it says what the next writing command will repair.
    public func warnReadOnly(_ name: String, _ history: [Release]) {
        for p in historyProblems(history) { progress(ActionContext.readOnlyWarning(name, p)) }
    }

    static func readOnlyWarning(_ name: String, _ p: HistoryProblem) -> String {
        "warning: release \(name): \(p); the next apply, rollback or delete of it repairs this (a read changes nothing)"
    }

    /// The newest revision of each release (as `helm list` shows them, by name then namespace,
    /// read without chart contents, values or manifest: see `ReleaseCodec.decodeHeader`),
    /// with a warning for each history an interrupted or older writer left inconsistent.
    /// `selector`: helm list's -l, on the labels of each release's newest record.
    public func latestReleases(namespace: String?, selector: String? = nil) async throws -> [Release] {
        let wanted = try selector.map(SystemLabelSelector.init)
        var out: [Release] = []
        for summary in try await storage.summaries(namespace: namespace, headersOnly: true) {
            let last = summary.latest
            if let wanted, !wanted.matches(last) { continue }
            let problems = HistoryProblem.find(summary.statuses, lastIsStale: { isStale(last, timeout: 300) })
            for p in problems { progress(ActionContext.readOnlyWarning(namespace == nil ? "\(last.name) in namespace \(last.namespace)" : last.name, p)) }
            out.append(last)
        }
        return out.sorted { ($0.name, $0.namespace) < ($1.name, $1.namespace) }
    }

    /// Reads the history a writer may trust: abandoned pending revisions become failed, and
    /// of several deployed revisions the newest stays deployed and the others are superseded.
    /// Each repair is reported. Throws when a live run holds the lock.
    /// `readOnly` (a dry run or diff): the same repairs in memory only, so the plan is the one
    /// the real run would make, each said as a warning; nothing is written.
    /// `read`: the history as the caller just read it (not read again).
    func repairedHistory(_ name: String, namespace: String, timeout: Double, resumingUninstall: Bool = false,
                         readOnly: Bool = false, read: [Release]? = nil) async throws -> [Release] {
        var history: [Release]
        if let read { history = read } else { history = try await storage.history(name, namespace: namespace) }
        for p in historyProblems(history, timeout: timeout, resumingUninstall: resumingUninstall) {
            if !readOnly && !mayWrite() { throw ActionError.lockTakenOver(name, (history.last?.version ?? 0) + 1) }
            progress(readOnly ? ActionContext.readOnlyWarning(name, p) : "repairing release \(name): \(p)")
            var changed: [Int] = []
            switch p {
            case .abandonedPending(let v, _):
                guard let i = history.firstIndex(where: { $0.version == v }) else { continue }
                history[i].info.status = .failed
                history[i].info.description = "interrupted: the run that held the lock is gone (\(history[i].info.description))"
                changed = [i]
            case .interruptedUninstall(let v):
                guard let i = history.firstIndex(where: { $0.version == v }) else { continue }
                history[i].info.status = .failed
                history[i].info.description = "interrupted: the uninstall did not complete (\(history[i].info.description))"
                changed = [i]
            case .severalDeployed(_, let others):
                for v in others {
                    guard let i = history.firstIndex(where: { $0.version == v }) else { continue }
                    history[i].info.status = .superseded
                    changed.append(i)
                }
            }
            if !readOnly { for i in changed { try await storage.update(history[i]) } }
        }
        if let last = history.last, last.info.status.isPending {
            throw ActionError.inProgress(last.name, holder: "revision \(last.version) is \(last.info.status.rawValue) since \(last.info.lastDeployed): \(last.info.description)")
        }
        return history
    }

    /// Revisions after the deployed one that did not complete: their objects may be live (an
    /// interrupted or failed run applied some) and belong to no deployed manifest.
    static func unfinished(_ history: [Release], after current: Release?) -> [Release] {
        let from = current?.version ?? (history.last(where: { $0.info.status == .uninstalled })?.version ?? 0)
        return history.filter { $0.version > from && ($0.info.status == .failed || $0.info.status.isPending) }
    }
}

/// `key=value`, `key==value`, `key!=value`, `key` and `!key`, comma-separated: helm list's -l,
/// over the labels of each release's newest record (the drivers' own and the custom ones).
public struct SystemLabelSelector: Sendable {
    enum Term: Sendable { case equal(String, String), notEqual(String, String), exists(String), absent(String) }
    let terms: [Term]

    public init(_ text: String) throws {
        var terms: [Term] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: " ") }) where !part.isEmpty {
            if let r = part.range(of: "!=") { terms.append(.notEqual(String(part[..<r.lowerBound]), String(part[r.upperBound...]))) }
            else if let r = part.range(of: "==") { terms.append(.equal(String(part[..<r.lowerBound]), String(part[r.upperBound...]))) }
            else if let r = part.range(of: "=") { terms.append(.equal(String(part[..<r.lowerBound]), String(part[r.upperBound...]))) }
            else if part.hasPrefix("!"), !part.dropFirst().contains(" ") { terms.append(.absent(String(part.dropFirst()))) }
            else if !part.contains(" ") { terms.append(.exists(part)) }
            else { throw ActionError.failed("unable to parse requirement: \"\(part)\": only key=value, key==value, key!=value, key and !key are supported") }
        }
        self.terms = terms
    }

    public func matches(_ r: Release) -> Bool {
        var labels = r.labels
        labels["name"] = r.name; labels["owner"] = "helm"; labels["status"] = r.info.status.rawValue; labels["version"] = String(r.version)
        return terms.allSatisfy { t in
            switch t {
            case .equal(let k, let v): return labels[k] == v
            case .notEqual(let k, let v): return labels[k] != v
            case .exists(let k): return labels[k] != nil
            case .absent(let k): return labels[k] == nil
            }
        }
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
