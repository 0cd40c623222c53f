/// A value as Go's templates see data decoded from YAML or JSON, plus the few other Go
/// values that template functions produce (typed ints, typed slices, host objects).
///
/// `null` is a nil `interface{}`: the value stored in a map or list for YAML `null`.
/// The absence of a value (Go's invalid reflect.Value) is `Optional.none` in the executor.
public enum Value: Sendable {
    case null
    case bool(Bool)
    case int(Int64, GoType = .int)
    case uint(UInt64, GoType = .uint)
    case float(Double, GoType = .float64)
    case complex(Double, Double)
    case string(GoString)
    case list(List)
    case map(Map)
    case object(any GoObject)
    case function(GoFunction)

    public static func list(_ items: [Value], of elem: GoType = .interface) -> Value {
        .list(List(items, elem: elem))
    }
    public static func map(_ entries: [String: Value], of elem: GoType = .interface) -> Value {
        .map(Map(entries, elem: elem))
    }
    /// A Go nil slice (see List.isNil).
    public static func nilList(of elem: GoType = .interface) -> Value { .list(.nilSlice(of: elem)) }

    /// The dynamic Go type of the value.
    public var goType: GoType {
        switch self {
        case .null: return .interface
        case .bool: return .bool
        case .int(_, let t), .uint(_, let t), .float(_, let t): return t
        case .complex: return .complex128
        case .string: return .string
        case .list(let l): return l.type
        case .map(let m): return m.type
        case .object(let o): return o.goType
        case .function: return .function
        }
    }

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// A Go string from Swift text (always valid UTF-8).
    @inline(__always)
    public static func string(_ s: String) -> Value { .string(GoString(s)) }
    @inline(__always)
    public static func string(_ s: Substring) -> Value { .string(GoString(s)) }
    /// A Go string of any bytes.
    public static func string(bytes: some Collection<UInt8>) -> Value { .string(GoString(bytes: bytes)) }

    /// The text of a string, invalid UTF-8 read as U+FFFD; nil for other values.
    public var stringValue: String? { if case .string(let s) = self { return s.string } else { return nil } }
    /// The Go string itself, bytes exact; nil for other values.
    public var goString: GoString? { if case .string(let s) = self { return s } else { return nil } }
}

/// A Go slice: its items and the static type of its elements (`[]interface {}`, `[]string`).
public struct List: Sendable {
    enum Storage: Sendable { case values([Value]), bytes([UInt8]) }
    var storage: Storage
    public var elem: GoType
    /// A named slice type (e.g. `chartutil.Values` style names); nil for plain `[]T`.
    public var name: String?
    /// Methods of a named slice type (Helm's `.Capabilities.APIVersions` has `Has`): a value
    /// with methods is still a slice to every function that takes one, as in Go.
    public var methods: (@Sendable (String) -> GoFunction?)?
    /// A Go nil slice (no backing array), which some functions return for "nothing"
    /// (`regexFindAll` without a match, `rest` of an empty list, `concat` of empty lists).
    /// Every function sees an empty list; only encoding/json and sigs.k8s.io/yaml write it
    /// apart (`null`), and `%#v` and reflect.DeepEqual tell it from an empty slice.
    public private(set) var isNil = false
    public init(_ items: [Value], elem: GoType = .interface, name: String? = nil,
                methods: (@Sendable (String) -> GoFunction?)? = nil) {
        self.storage = .values(items); self.elem = elem; self.name = name; self.methods = methods
    }
    /// A nil slice of the given element type.
    public static func nilSlice(of elem: GoType = .interface) -> List {
        var l = List([], elem: elem)
        l.isNil = true
        return l
    }
    /// A Go []byte, kept as bytes: chart files can be megabytes.
    public init(bytes: [UInt8]) {
        self.storage = .bytes(bytes); self.elem = .uint8; self.name = nil
    }
    public var items: [Value] {
        get {
            switch storage {
            case .values(let v): return v
            case .bytes(let b): return b.map { .uint(UInt64($0), .uint8) }
            }
        }
        set {
            storage = .values(newValue)
            if !newValue.isEmpty { isNil = false }
        }
    }
    /// The bytes of a []byte (or of a list of uint8 values).
    public var bytes: [UInt8]? {
        switch storage {
        case .bytes(let b): return b
        case .values(let v):
            guard elem == .uint8 else { return nil }
            return v.map { if case .uint(let u, _) = $0 { return UInt8(truncatingIfNeeded: u) }; return 0 }
        }
    }
    public var count: Int {
        switch storage {
        case .values(let v): return v.count
        case .bytes(let b): return b.count
        }
    }
    public var isEmpty: Bool { count == 0 }
    public var type: GoType { name.map { .named($0, .slice) } ?? .slice(elem) }
}

/// A Go map with string keys: its entries and the static type of its values. A reference type,
/// as Go maps are: `set`, `unset` and `merge` change the map every holder sees.
public final class Map: @unchecked Sendable {
    public var entries: [String: Value]
    public var elem: GoType
    /// A named map type such as Helm's `chartutil.Values`; nil for plain `map[string]T`.
    public var name: String?
    /// Methods of a named map type (Helm's `.Files.Glob` result has AsConfig and AsSecrets).
    public var methods: (@Sendable (String) -> GoFunction?)?
    /// Set while templates that share this map run side by side (see Freeze).
    var freeze: Freeze?
    /// A Go nil map (`fromJson "null"`): read as an empty map, written `null` by encoding/json
    /// and sigs.k8s.io/yaml; `set` on it is Go's "assignment to entry in nil map" (mergo, which
    /// makes a new map for a nil one, fills it here: then it is no longer nil).
    public var isNil: Bool { nilMap && entries.isEmpty }
    private let nilMap: Bool
    public init(_ entries: [String: Value], elem: GoType = .interface, name: String? = nil,
                methods: (@Sendable (String) -> GoFunction?)? = nil) {
        self.entries = entries; self.elem = elem; self.name = name; self.methods = methods; self.nilMap = false
    }
    /// A nil map of the given value type.
    public init(nilOf elem: GoType) {
        self.entries = [:]; self.elem = elem; self.name = nil; self.methods = nil; self.nilMap = true
    }
    public var type: GoType { name.map { .named($0, .map) } ?? .map(.string, elem) }

    /// Keys in Go's sorted order (byte-wise), as fmt and range visit them.
    public var sortedKeys: [String] { entries.keys.sorted(by: goLess) }
}

/// Go compares strings byte by byte.
@inline(__always)
public func goLess(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}

/// A host value with fields and methods: Helm's `.Release`, `.Chart`, `.Files`, time values.
public protocol GoObject: AnyObject, Sendable {
    var goType: GoType { get }
    /// A field of the struct, or nil when there is none.
    func field(_ name: String) -> Value?
    /// A method bound to this receiver, or nil when there is none.
    func method(_ name: String) -> GoFunction?
    /// The text fmt prints for `%v` (a Stringer's String(), or Go's struct form).
    var formatted: String { get }
}

extension GoObject {
    public func field(_ name: String) -> Value? { nil }
    public func method(_ name: String) -> GoFunction? { nil }
}

/// A Go function as templates call it: its parameter types decide how literal
/// arguments convert and which values are accepted, as reflection does in Go.
public struct GoFunction: Sendable {
    public enum Param: Sendable, Hashable {
        /// `interface{}`: any value, nil for an absent one.
        case any
        /// Go's builtins take `reflect.Value`: an absent value stays absent.
        case reflectValue
        /// A concrete type: the value must be of exactly this type.
        case typed(GoType)
    }
    public let name: String
    public let params: [Param]
    /// The element type of a trailing `...` parameter.
    public let variadic: Param?
    public let call: @Sendable ([Value?]) throws -> Value?

    public init(_ name: String, _ params: [Param], variadic: Param? = nil,
                _ call: @escaping @Sendable ([Value?]) throws -> Value?) {
        self.name = name; self.params = params; self.variadic = variadic; self.call = call
    }
}

/// An error a template function returns; the executor wraps it as Go does
/// (`error calling NAME: MESSAGE`).
public struct FunctionError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
