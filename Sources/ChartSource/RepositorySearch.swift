import Semver
import GoRegexp

/// `helm search repo`: charts of repository indexes matched against a keyword, scored and sorted
/// as Helm does (the earlier the field the match is in — name, repo/name, description,
/// keywords — the better), newest versions first, filtered by a version constraint.
public enum RepositorySearch {
    public struct Result: Sendable {
        public var name: String
        public var chart: ChartVersion
        var score: Int
    }

    public struct Options: Sendable {
        public var versions = false
        public var devel = false
        public var version = ""
        public var regexp = false
        public init() {}
    }

    static let separator: Character = "\u{0B}"

    public static func search(_ term: String?, in repositories: [(name: String, index: RepositoryIndex)], options: Options) throws -> [Result] {
        var entries: [(name: String, line: String, chart: ChartVersion)] = []
        for (repo, index) in repositories {
            for (name, versions) in index.entries where !versions.isEmpty {
                for cv in sortedNewestFirst(versions) {
                    let line = [cv.name, repo + "/" + cv.name, cv.description, cv.keywords.joined(separator: " ")].joined(separator: String(separator))
                    entries.append((repo + "/" + name, line, cv))
                }
            }
        }
        var results: [Result] = []
        if let term, !term.isEmpty {
            let matcher = try Matcher(term, regexp: options.regexp)
            for e in entries {
                guard let at = matcher.firstMatch(in: e.line) else { continue }
                let score = e.line.utf8.prefix(at).filter { $0 == 0x0B }.count
                if score < 25 { results.append(Result(name: e.name, chart: e.chart, score: score)) }
            }
        } else {
            results = entries.map { Result(name: $0.name, chart: $0.chart, score: 0) }
        }
        results.sort { a, b in
            if a.score != b.score { return a.score < b.score }
            if a.name != b.name { return a.name < b.name }
            guard let va = try? Version(a.chart.version), let vb = try? Version(b.chart.version) else { return false }
            return va > vb
        }
        let wanted = !options.version.isEmpty ? options.version : (options.devel ? ">0.0.0-0" : ">0.0.0")
        let constraint: Constraints
        do { constraint = try Constraints(wanted) } catch {
            throw SourceError.unsupported("an invalid version/constraint format: \(error)")
        }
        var found: Set<String> = []
        return results.filter { r in
            if !options.versions && found.contains(r.name) { return false }
            guard let v = try? Version(r.chart.version), constraint.check(v) else { return false }
            found.insert(r.name)
            return true
        }
    }

    /// Index entries newest first (an index is meant to be sorted so, but need not be).
    static func sortedNewestFirst(_ versions: [ChartVersion]) -> [ChartVersion] {
        versions.enumerated().sorted { a, b in
            switch (try? Version(a.element.version), try? Version(b.element.version)) {
            case let (x?, y?): return x == y ? a.offset < b.offset : x > y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.offset < b.offset
            }
        }.map(\.element)
    }

    /// A literal, case-insensitive substring, or (`--regexp`) Go's regexp as helm compiles it:
    /// as given, case-sensitive, over the line as it is (pkg/cmd/search's SearchRegexp).
    struct Matcher {
        let term: [UInt8]
        let regexp: Regexp?

        init(_ term: String, regexp: Bool) throws {
            if regexp {
                do { self.regexp = try Regexp(term) } catch { throw SourceError.regexp(error) }
                self.term = []
            } else {
                self.term = Array(term.lowercased().utf8)
                self.regexp = nil
            }
        }

        /// The UTF-8 offset of the first match.
        func firstMatch(in line: String) -> Int? {
            if let regexp { return regexp.firstMatch(Array(line.utf8))?.lowerBound }
            let hay = Array(line.lowercased().utf8)
            if term.isEmpty { return 0 }
            guard hay.count >= term.count else { return nil }
            for i in 0...(hay.count - term.count) where hay[i] == term[0] && hay[i..<(i + term.count)].elementsEqual(term) { return i }
            return nil
        }
    }
}
