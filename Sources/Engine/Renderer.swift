import Values
import Sprig
import Chart
import GoTemplate
import GoFmt
import Dispatch
import Semver
import Synchronization

/// What a render knows of the release and the cluster.
public struct RenderOptions: Sendable {
    public var releaseName = "release-name"
    public var namespace = "default"
    public var revision = 1
    public var isInstall = true
    public var isUpgrade = false
    public var kubeVersion = DefaultCapabilities.kubeVersion
    public var apiVersions = DefaultCapabilities.apiVersions
    public var helmVersion = DefaultCapabilities.helmVersion
    /// missingkey=error instead of zero.
    public var strict = false
    /// Caps on depth, strings, lists and output (RenderLimits.current unless set).
    public var limits = RenderLimits.current
    /// Wall time a render may take; nil for no limit (the operator sets one).
    public var timeout: Duration? = RenderLimits.current.renderTimeout
    /// getHostByName looks names up (helm's --enable-dns); else it renders "".
    public var enableDNS = false
    public init() {}
}

/// A template failed to parse or execute, worded as Helm v4 words it.
public struct RenderError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// The render limit that stopped it, if one did.
    public var limit: RenderLimits.Kind?
    public init(description: String, limit: RenderLimits.Kind? = nil) {
        self.description = description; self.limit = limit
    }
}

/// Helm's pkg/engine: renders every template of a chart and its subcharts with values scoped
/// per chart, `.Release`, `.Chart`, `.Capabilities`, `.Files` and `.Template`.
public enum Renderer {
    struct Renderable {
        let text: String
        let vals: Map
        let basePath: String
    }

    /// Loads a chart folder and prepares its values as `helm template` and `helm install` do:
    /// dependencies checked, disabled subcharts dropped, user values coalesced over defaults.
    public static func prepare(chartPath: String, user: Map) throws -> (Chart, Map) {
        try prepare(chart: try ChartLoader.load(path: chartPath), user: user)
    }

    /// The same for a chart already loaded (it is changed: disabled subcharts are dropped).
    public static func prepare(chart: Chart, user: Map) throws -> (Chart, Map) {
        try Dependencies.check(chart)
        Dependencies.process(chart, user)
        Dependencies.importValues(chart)
        let values = Coalesce.values(chart, user)
        if let problem = try SchemaValidator.validate(chart, values) { throw ChartError(problem) }
        return (chart, values)
    }

    /// Renders all templates; returns each non-partial template's output by its full name
    /// ("chart/templates/x.yaml").
    public static func render(_ chart: Chart, values: Map, options: RenderOptions = RenderOptions()) throws -> [String: String] {
        try LargeStack.run { try renderOnThisThread(chart, values: values, options: options) }
    }

    /// Renders one extra template text as if it were `name` in the chart (hrctl render --chart).
    public static func renderOne(_ chart: Chart, values: Map, name: String, text: String, options: RenderOptions = RenderOptions()) throws -> String {
        try LargeStack.run {
            let out = try renderOnThisThread(chart, values: values, options: options, extra: (name, text))
            return out[chart.fullPath + "/" + name] ?? ""
        }
    }

    /// A chart's kubeVersion constraint must accept the cluster's (or --kube-version's) version.
    static func checkKubeVersion(_ chart: Chart, _ options: RenderOptions) throws {
        let want = chart.metadata.kubeVersion
        guard !want.isEmpty else { return }
        guard let c = try? Constraints(want), let v = try? Version(options.kubeVersion), c.check(v) else {
            throw RenderError(description: "chart requires kubeVersion: \(want) which is incompatible with Kubernetes \(options.kubeVersion)")
        }
    }

    static func topValues(_ options: RenderOptions) -> (release: Value, caps: Value) {
        let release = Value.map([
            "Name": .string(options.releaseName), "Namespace": .string(options.namespace),
            "Revision": .int(Int64(options.revision)), "IsUpgrade": .bool(options.isUpgrade),
            "IsInstall": .bool(options.isInstall), "Service": .string("Helm"),
        ])
        let caps = Value.object(CapabilitiesObject(kubeVersion: options.kubeVersion, apiVersions: options.apiVersions, helmVersion: options.helmVersion))
        return (release, caps)
    }

    @discardableResult
    static func collect(_ chart: Chart, parentValues: Map?, release: Value, caps: Value, into tpls: inout [String: Renderable],
                        extra: (String, String)?) -> Map {
        var values = Map([:])
        if let parentValues {
            if case .map(let m)? = parentValues.entries[chart.name] { values = m }
        }
        let subcharts = Map([:])
        let next = Map([
            "Chart": ChartObject.make(chart.metadata, isRoot: chart.isRoot),
            "Files": FilesObject.make(chart.files.map { ($0.name, $0.data) }),
            "Release": release, "Capabilities": caps, "Values": .map(values),
            "Subcharts": .map(subcharts),
        ])
        for child in chart.dependencies {
            let childTop = collect(child, parentValues: values, release: release, caps: caps, into: &tpls, extra: nil)
            subcharts.entries[child.name] = .map(childTop)
        }
        var templates = chart.templates.map { ($0.name, $0.text) }
        if let extra { templates.removeAll { $0.0 == extra.0 }; templates.append(extra) }
        for (name, text) in templates {
            if chart.isLibrary && !baseName(name).hasPrefix("_") { continue }
            tpls[chart.fullPath + "/" + name] = Renderable(text: text, vals: next, basePath: chart.fullPath + "/templates")
        }
        return next
    }

    static func renderOnThisThread(_ chart: Chart, values: Map, options: RenderOptions, extra: (String, String)? = nil) throws -> [String: String] {
        if let problem = RenderLimits.problem { throw RenderError(description: problem) }
        try checkKubeVersion(chart, options)
        let (release, caps) = topValues(options)
        var tpls: [String: Renderable] = [:]
        // The root chart's .Values are the whole coalesced values.
        let rootHolder = Map([chart.name: .map(values)])
        collect(chart, parentValues: rootHolder, release: release, caps: caps, into: &tpls, extra: extra)

        let set = TemplateSet(funcs: HelmFunctions.base())
        // Freeing thousands of parse trees takes a few percent of a render; another thread
        // does it while the caller goes on (and a one-shot process may exit first).
        defer { Disposal.later(set) }
        set.name = "gotpl"
        set.missingKey = options.strict ? .error : .zero
        set.limits = options.limits
        set.maxDepth = options.limits.maxDepth
        if let timeout = options.timeout { set.deadline = .now + timeout }
        installContextFunctions(set, strict: options.strict)
        if options.enableDNS { set.addFuncs(["getHostByName": HostLookup.function]) }

        // Parse every file on all cores, then add them in Helm's order (later definitions win).
        let order = sortTemplates(Array(tpls.keys))
        let texts = order.map { tpls[$0]!.text }
        let results = ParallelParse.run(set: set, names: order, texts: texts)
        for (i, name) in order.enumerated() {
            switch results[i] {
            case .success(let parsed): set.add(parsed)
            case .failure(let e): throw RenderError(description: cleanupParseError(name, e.message))
            }
        }
        // Helm executes in the parse order too; partials are not executed.
        let names = order.filter { !baseName($0).hasPrefix("_") }
        var rendered: [String: String] = [:]
        var total = 0
        do {
            // Side by side until a template changes a shared value; that one runs alone, in
            // order, where the change is allowed, and the rest go on side by side after it.
            var next = 0, alone = 0
            while next < names.count {
                if alone < maxRunsAlone {
                    let from = next
                    next = try executeSideBySide(set, names, from: from, tpls, into: &rendered)
                    for name in names[from..<next] { total += rendered[name]?.utf8.count ?? 0 }
                    try checkTotal(total, options.limits)
                }
                guard next < names.count else { break }
                total += try executeAlone(set, names[next], tpls[names[next]]!, into: &rendered)
                try checkTotal(total, options.limits)
                next += 1
                alone += 1
            }
        } catch let e as LimitError {
            throw RenderError(description: e.description, limit: e.kind)
        }
        return rendered
    }

    /// After this many templates that changed shared values, the rest run one by one: each
    /// restart costs a new freeze of the values and the work in flight when it tripped.
    static let maxRunsAlone = 32

    /// Runs one template on the chart's own top-level map, as Helm does: what it changes there
    /// (`set $ …`) is seen by the templates after it. Returns the bytes it wrote.
    static func executeAlone(_ set: TemplateSet, _ name: String, _ r: Renderable, into rendered: inout [String: String]) throws -> Int {
        r.vals.entries["Template"] = templateObject(name, r)
        var out: [UInt8] = []
        do {
            try set.execute(name, data: .map(r.vals), output: &out)
        } catch let e as ExecError {
            throw RenderError(description: cleanupExecError(name, e))
        } catch let e as LimitError {
            throw naming(e, name)
        }
        rendered[name] = String(decoding: NoValue.strip(out), as: UTF8.self)
        return out.count
    }

    /// A limit reached inside `tpl` names tpl's own template ("gotpl"): the chart file it ran
    /// from is named first.
    static func naming(_ e: LimitError, _ file: String) -> LimitError {
        var e = e
        if !e.message.contains(file + ":") { e.message = file + ": " + e.message }
        return e
    }

    static func checkTotal(_ total: Int, _ limits: RenderLimits) throws {
        if total > limits.maxOutputBytes {
            throw LimitError("rendered output of \(total) bytes exceeds the limit of \(limits.maxOutputBytes) bytes", .output)
        }
    }

    static func templateObject(_ name: String, _ r: Renderable) -> Value {
        .map(["Name": .string(name), "BasePath": .string(r.basePath)])
    }

    /// Runs `names[from...]` on all cores while they only read what they share, each with its
    /// own top-level map (`.Template` differs), and returns the index of the first template
    /// not rendered into `rendered`. A template that changes a shared map is refused (see
    /// Freeze): it must then run alone, as Helm runs it, so that later templates see the
    /// change; everything before it saw exactly what it would have seen in order, since
    /// nothing was changed. Errors are those of the first failing template in order, as in
    /// the sequential run.
    static func executeSideBySide(_ set: TemplateSet, _ all: [String], from start: Int, _ tpls: [String: Renderable],
                                  into rendered: inout [String: String]) throws -> Int {
        let workers = min(LargeStack.processors, 8)
        let names = Array(all[start...])
        guard workers > 1, names.count >= 8 else { return start }
        let tops = names.map { name -> Map in
            let r = tpls[name]!
            let top = Map(r.vals.entries)
            top.entries["Template"] = templateObject(name, r)
            return top
        }
        let freeze = Freeze()
        let frozen = freeze.freeze(tops.map { .map($0) })
        defer { Freeze.thaw(frozen) }
        enum Outcome { case notRun, refused, rendered([UInt8]), failed(any Error) }
        let slots = ParallelParse.Slots<Outcome>(names.count, .notRun)
        let next = WorkCounter()
        LargeStack.together(workers) { _ in
            while !freeze.isTripped, let i = next.take(below: names.count) {
                var out: [UInt8] = []
                let r: Outcome
                do {
                    try set.execute(names[i], data: .map(tops[i]), output: &out)
                    r = .rendered(out)
                } catch {
                    r = Freeze.refused(error) ? .refused : .failed(error)
                }
                (slots.base + i).pointee = r
            }
        }
        for (i, name) in names.enumerated() {
            switch slots.base[i] {
            case .rendered(let out): rendered[name] = String(decoding: NoValue.strip(out), as: UTF8.self)
            case .failed(let e as ExecError): throw RenderError(description: cleanupExecError(name, e))
            case .failed(let e as LimitError): throw naming(e, name)
            case .failed(let e): throw e
            case .notRun, .refused: return start + i
            }
        }
        return all.count
    }

    /// include and tpl close over the template set; each clone made by tpl gets its own.
    static func installContextFunctions(_ set: TemplateSet, strict: Bool) {
        unowned(unsafe) let weakSet = set
        set.addFuncs([
            "include": GoFunction("include", [.typed(.string), .any]) { a in
                let name = a[0]?.stringValue ?? ""
                let counts = IncludeDepth.current
                let n = counts.byName[name, default: 0]
                if n > 1000 {
                    throw FunctionError("rendering template has a nested reference name: \(name): unable to execute template")
                }
                counts.byName[name] = n + 1
                defer { counts.byName[name] = n }
                var out: [UInt8] = []
                try weakSet.execute(name, data: a[1], output: &out)
                return .string(bytes: out)
            },
            // Helm v4's tpl takes its data as interface{}: any value, a list or a string too.
            "tpl": GoFunction("tpl", [.typed(.string), .any]) { a in
                let text = a[0]?.stringValue ?? ""
                let clone = weakSet.clone()
                installContextFunctions(clone, strict: strict)
                let parsed: TemplateSet.Parsed
                do {
                    parsed = try clone.parseDetached(name: "gotpl", text: text)
                } catch let e as ParseError {
                    throw FunctionError("cannot parse template \(GoQuote.quote(text)): \(e.message)")
                }
                clone.add(parsed)
                var out: [UInt8] = []
                do {
                    // The text just parsed runs, even when it is empty and the set keeps an
                    // older "gotpl" (Go executes the new template, not the set's entry).
                    try clone.execute(parsed, data: a[1], output: &out)
                } catch let e as ExecError {
                    throw TplError(message: "error during tpl function execution for \(GoQuote.quote(text)): \(e.message)", inner: e)
                }
                return .string(bytes: NoValue.strip(out))
            },
        ])
    }

    struct TplError: WrappingError, CustomStringConvertible, Sendable {
        let message: String
        let inner: ExecError
        var description: String { message }
        var wrapped: (any Error)? { inner }
    }

    /// Deepest paths first, then reverse-alphabetical: the root chart's definitions are
    /// parsed last and win, as in Helm.
    static func sortTemplates(_ names: [String]) -> [String] {
        let keyed = names.map { ($0, $0.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "/") ? 1 : 0) }) }
        return keyed.sorted { a, b in
            if a.1 == b.1 { return goLess(b.0, a.0) }
            return a.1 > b.1
        }.map(\.0)
    }

    static func baseName(_ p: String) -> String { String(p.split(separator: "/").last ?? "") }

    static func cleanupParseError(_ filename: String, _ message: String) -> String {
        let tokens = message.components(separatedBy: ": ")
        if tokens.count == 1 { return "parse error in (\(filename)): \(message)" }
        return "parse error at (\(tokens[1])): \(tokens[tokens.count - 1])"
    }

    static func cleanupExecError(_ filename: String, _ e: ExecError) -> String {
        let tokens = e.message.components(separatedBy: ": ", maxSplits: 2)
        if tokens.count != 3 { return "execution error in (\(filename)): \(e.message)" }
        if let warn = Warn.unwrap(tokens[2]) { return "execution error at (\(tokens[1])): \(warn)" }
        return ErrorTrace.format(e) ?? e.message
    }
}

/// Parses templates concurrently; each result lands in its own slot.
enum ParallelParse {
    typealias Outcome = Result<TemplateSet.Parsed, ParseError>

    /// One slot per template, written by exactly one worker.
    final class Slots<T>: @unchecked Sendable {
        let base: UnsafeMutablePointer<T>
        let count: Int
        init(_ n: Int, _ initial: T) {
            count = n
            base = .allocate(capacity: max(n, 1))
            base.initialize(repeating: initial, count: n)
        }
        deinit { base.deinitialize(count: count); base.deallocate() }
    }

    /// Each distinct text is parsed once (an umbrella chart holds the same subchart under
    /// many aliases); the other files with that text get the same nodes under their own names.
    /// A text that fails to parse is parsed again under each name, for the name in its error.
    static func run(set: TemplateSet, names: [String], texts: [String]) -> [Outcome] {
        let functions = set.funcs.keys.sorted().joined(separator: " ")
        let slots = Slots<Outcome>(names.count, .failure(ParseError(message: "not parsed")))
        let keys = texts.map(TextKey.init)
        var firstWithText: [TextKey: Int] = [:]
        var distinct: [Int] = []
        for i in names.indices where firstWithText[keys[i]] == nil {
            firstWithText[keys[i]] = i
            if let known = cache.parsed(keys[i], functions: functions) {
                slots.base[i] = .success(set.parsed(known, renamedTo: names[i]))
            } else {
                distinct.append(i)
            }
        }
        let parse: @Sendable (Int) -> Void = { i in
            let r: Outcome
            do { r = .success(try set.parseDetached(name: names[i], text: texts[i])) }
            catch let e as ParseError { r = .failure(e) }
            catch { r = .failure(ParseError(message: "\(error)")) }
            (slots.base + i).pointee = r
        }
        if distinct.count < 8 {
            for i in distinct { parse(i) }
        } else {
            let order = distinct
            DispatchQueue.concurrentPerform(iterations: order.count) { parse(order[$0]) }
        }
        for i in distinct { if case .success(let parsed) = slots.base[i] { cache.keep(parsed, for: keys[i], functions: functions) } }
        for i in names.indices {
            let first = firstWithText[keys[i]]!
            guard first != i else { continue }
            if case .success(let parsed) = slots.base[first] {
                slots.base[i] = .success(set.parsed(parsed, renamedTo: names[i]))
            } else {
                parse(i)
            }
        }
        return Array(UnsafeBufferPointer(start: slots.base, count: slots.count))
    }
}

extension ParallelParse {
    /// Parses kept across renders of one process (an operator renders the same chart for
    /// every release of it), by text and the function names the parse checked against; the
    /// least recently used go first past `limit` bytes of text.
    static let cache = ParseCache(limit: 32 << 20)

    /// A template's text, hashed once: keyed by the text itself, the dictionaries here hashed
    /// all of it on every lookup and store (five times per template, a few percent of a
    /// kube-prometheus-stack render).
    struct TextKey: Hashable, Sendable {
        let text: String
        let digest: Int
        init(_ text: String) {
            var h = Hasher()
            h.combine(text)
            self.text = text
            digest = h.finalize()
        }
        func hash(into hasher: inout Hasher) { hasher.combine(digest) }
        static func == (a: TextKey, b: TextKey) -> Bool { a.digest == b.digest && a.text == b.text }
    }

    final class ParseCache: @unchecked Sendable {
        private struct Entry { let parsed: TemplateSet.Parsed; var used: Int }
        private var entries: [TextKey: Entry] = [:]
        /// The function names the kept parses were checked against; another set empties the cache.
        private var functions = ""
        private var held = 0, clock = 0
        private let limit: Int
        private let lock = Mutex(())
        init(limit: Int) { self.limit = limit }

        func parsed(_ key: TextKey, functions: String) -> TemplateSet.Parsed? {
            lock.withLock { _ in
                guard functions == self.functions else { return nil }
                clock += 1
                let now = clock
                guard let index = entries.index(forKey: key) else { return nil }
                entries.values[index].used = now
                return entries.values[index].parsed
            }
        }

        func keep(_ p: TemplateSet.Parsed, for key: TextKey, functions: String) {
            let size = key.text.utf8.count
            guard size < limit / 4 else { return }
            lock.withLock { _ in
                if functions != self.functions { entries = [:]; held = 0; self.functions = functions }
                clock += 1
                if entries.updateValue(Entry(parsed: p, used: clock), forKey: key) == nil { held += size }
                while held > limit, let oldest = entries.min(by: { $0.value.used < $1.value.used }) {
                    held -= oldest.key.text.utf8.count
                    entries[oldest.key] = nil
                }
            }
        }
    }
}

enum Disposal {
    static func later(_ object: AnyObject) {
        let box = UncheckedBox(object)
        DispatchQueue.global(qos: .utility).async { withExtendedLifetime(box) {} }
    }
    final class UncheckedBox: @unchecked Sendable {
        let object: AnyObject
        init(_ object: AnyObject) { self.object = object }
    }
}

/// Hands out 0, 1, 2, … to workers taking items from a common list.
final class WorkCounter: Sendable {
    private let next = Atomic<Int>(0)
    func take(below n: Int) -> Int? {
        let i = next.add(1, ordering: .relaxed).oldValue
        return i < n ? i : nil
    }
}

/// Helm removes every "<no value>" the zero missingkey option still prints.
enum NoValue {
    static let marker = Array("<no value>".utf8)

    static func strip(_ b: [UInt8]) -> [UInt8] {
        guard let first = b.firstIndex(of: UInt8(ascii: "<")) else { return b }
        var out: [UInt8] = []
        var i = first
        var copied = 0
        var found = false
        while i + marker.count <= b.count {
            if b[i] == 0x3C && b[i + 1] == 0x6E && b[i..<(i + marker.count)].elementsEqual(marker) {
                if !found { out.reserveCapacity(b.count); found = true }
                out.append(contentsOf: b[copied..<i])
                i += marker.count
                copied = i
                continue
            }
            i += 1
        }
        if !found { return b }
        out.append(contentsOf: b[copied...])
        return out
    }
}

/// Helm v4's multi-line rendering errors: one block per template in the chain of errors,
/// `FILE:LINE:COL`, `executing "NAME" at <NODE>:`, then the message.
enum ErrorTrace {
    struct Entry: Equatable { var location = "", function = "", message = "" }

    static func chain(_ e: ExecError) -> [String] {
        var out = [e.message]
        var cur: (any Error)? = e.underlying
        while let c = cur {
            switch c {
            case let x as ExecError: out.append(x.message); cur = x.underlying
            case let x as Renderer.TplError: out.append(x.message); cur = x.inner
            case let x as FunctionError: out.append(x.message); cur = nil
            default: out.append("\(c)"); cur = nil
            }
        }
        return out
    }

    static func parse(_ m: String) -> Entry? {
        guard m.hasPrefix("template: ") else { return nil }
        let rest = m.dropFirst("template: ".count)
        guard let sep = rest.range(of: ": ") else { return Entry(message: m) }
        let name = String(rest[..<sep.lowerBound])
        let after = rest[sep.upperBound...]
        if after.hasPrefix("executing "), let at = after.range(of: " at "), let colon = after[at.upperBound...].range(of: ": ") {
            let fn = String(after[after.index(after.startIndex, offsetBy: "executing ".count)..<at.lowerBound])
            let loc = String(after[at.upperBound..<colon.lowerBound])
            let tail = after[colon.upperBound...]
            let msg = tail.range(of: " template:").map { String(tail[..<$0.lowerBound]) } ?? String(tail)
            return Entry(location: name, function: "executing \(fn) at \(loc):", message: msg)
        }
        return Entry(location: name, message: String(after))
    }

    static func format(_ e: ExecError) -> String? {
        var entries: [Entry] = []
        for m in chain(e) {
            guard let entry = parse(m) else { return nil }
            if entries.last != entry { entries.append(entry) }
        }
        var prev = ""
        for i in stride(from: entries.count - 1, through: 0, by: -1) {
            let cur = entries[i].message
            if i == entries.count - 1 { prev = cur; continue }
            if !prev.isEmpty && cur.hasSuffix(prev) { entries[i].message = String(cur.dropLast(prev.count)) }
            prev = cur
        }
        var s = ""
        for e in entries {
            if !e.location.isEmpty { s += e.location + "\n  " }
            if !e.function.isEmpty { s += e.function + "\n    " }
            if !e.message.isEmpty { s += e.message + "\n" }
        }
        return s.trimmingCharacters(in: " \n\t")
    }
}

extension String {
    func components(separatedBy sep: String, maxSplits: Int = Int.max) -> [String] {
        var out: [String] = []
        var rest = self[...]
        while out.count < maxSplits, let r = String(rest).range(of: sep) {
            let s = String(rest)
            out.append(String(s[..<r.lowerBound]))
            rest = s[r.upperBound...]
        }
        out.append(String(rest))
        return out
    }

    /// Trims ASCII characters of `set` from both ends, working on UTF-8 bytes.
    func trimmingCharacters(in set: String) -> String {
        let bytes = Set(set.utf8)
        let u = self.utf8
        guard let first = u.firstIndex(where: { !bytes.contains($0) }) else { return "" }
        let last = u.lastIndex(where: { !bytes.contains($0) })!
        if first == u.startIndex && last == u.index(before: u.endIndex) { return self }
        return String(self[first...last])
    }

    func replacingAll(_ old: String, with new: String) -> String {
        guard contains(old) else { return self }
        return components(separatedBy: old).joined(separator: new)
    }
}

extension Substring {
    func range(of needle: String) -> Range<Substring.Index>? {
        guard let first = needle.first else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i] == first, self[i...].hasPrefix(needle) { return i..<index(i, offsetBy: needle.count) }
            i = index(after: i)
        }
        return nil
    }
}
