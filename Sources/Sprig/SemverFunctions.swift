import Values
import Semver

/// `semver` returns this: Go's *semver.Version with its methods.
final class SemverObject: GoObject, @unchecked Sendable {
    let v: Version
    init(_ v: Version) { self.v = v }
    var goType: GoType { .pointer(.named("semver.Version", .struct)) }
    var formatted: String { v.description }
    func method(_ name: String) -> GoFunction? {
        let v = self.v
        switch name {
        case "Major": return GoFunction(name, []) { _ in .uint(v.major, .uint64) }
        case "Minor": return GoFunction(name, []) { _ in .uint(v.minor, .uint64) }
        case "Patch": return GoFunction(name, []) { _ in .uint(v.patch, .uint64) }
        case "Prerelease": return GoFunction(name, []) { _ in .string(v.prerelease) }
        case "Metadata": return GoFunction(name, []) { _ in .string(v.metadata) }
        case "Original": return GoFunction(name, []) { _ in .string(v.original) }
        case "String": return GoFunction(name, []) { _ in .string(v.description) }
        case "Compare": return GoFunction(name, [.typed(.pointer(.named("semver.Version", .struct)))]) { a in
            guard case .object(let o as SemverObject)? = a[0] else { return .int(0) }
            return .int(Int64(v.compare(o.v)))
        }
        default: return nil
        }
    }
}

enum SemverFunctions {
    static func register(_ t: inout FunctionTable) {
        t.add("semver", [.s]) { a in
            do { return .object(SemverObject(try Version(a.str(0)))) } catch { throw FunctionError("\(error)") }
        }
        t.add("semverCompare", [.s, .s]) { a in
            let c: Constraints
            do { c = try Constraints(a.str(0)) } catch { throw FunctionError("\(error)") }
            let v: Version
            do { v = try Version(a.str(1)) } catch { throw FunctionError("\(error)") }
            return .bool(c.check(v))
        }
    }
}
