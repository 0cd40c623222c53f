import Synchronization

/// Marks the maps that templates running side by side share. Helm runs a chart's templates one
/// after another, so a template that changes a shared map (`set .Values …`, `set $ …`, `merge`
/// into a value) is seen by the templates after it; run side by side they would see it in no
/// set order. Such a change is refused before it happens and trips the freeze, and the caller
/// renders again one template at a time, where the change is allowed.
public final class Freeze: Sendable {
    private let tripped = Atomic<Bool>(false)

    public init() {}

    public var isTripped: Bool { tripped.load(ordering: .acquiring) }

    func trip() { tripped.store(true, ordering: .releasing) }

    /// The error a refused change raises; never shown, as the render is done again.
    public struct Refused: Error, CustomStringConvertible, Sendable {
        public var description: String { "a value shared between templates changed while they ran side by side" }
    }

    /// Freezes every map reachable from `roots` (once each) and returns them for `thaw`.
    public func freeze(_ roots: [Value]) -> [Map] {
        var seen = Set<ObjectIdentifier>()
        var maps: [Map] = []
        var stack = roots
        while let v = stack.popLast() {
            switch v {
            case .map(let m):
                guard seen.insert(ObjectIdentifier(m)).inserted else { continue }
                m.freeze = self
                maps.append(m)
                stack.append(contentsOf: m.entries.values)
            case .list(let l):
                if case .values(let items) = l.storage { stack.append(contentsOf: items) }
            default:
                continue
            }
        }
        return maps
    }

    /// Whether `error`, or one it wraps, is a refused change.
    public static func refused(_ error: any Error) -> Bool {
        var cur: (any Error)? = error
        while let e = cur {
            if e is Refused { return true }
            cur = (e as? any WrappingError)?.wrapped
        }
        return false
    }

    public static func thaw(_ maps: [Map]) {
        for m in maps { m.freeze = nil }
    }
}

extension Map {
    /// Every function that changes a map in place asks first: a frozen map refuses.
    public func willChange() throws {
        if let f = freeze {
            f.trip()
            throw Freeze.Refused()
        }
    }
}

extension Value {
    /// Whether storing `other` where `self` is stored would change nothing any template can
    /// see: equal scalars of one type, or the very same map. A template that sets a shared
    /// value to what it already is (a password helper storing the password it just read)
    /// changes nothing, so it need not stop templates running side by side.
    public func isIdentical(to other: Value) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a, let t), .int(let b, let u)): return a == b && t == u
        case (.uint(let a, let t), .uint(let b, let u)): return a == b && t == u
        case (.float(let a, let t), .float(let b, let u)): return a.bitPattern == b.bitPattern && t == u
        case (.string(let a), .string(let b)): return a == b
        case (.map(let a), .map(let b)): return a === b
        default: return false
        }
    }
}

/// An error that carries the one that caused it (a template error and the function's).
public protocol WrappingError: Error {
    var wrapped: (any Error)? { get }
}
