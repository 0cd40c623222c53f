/// A semantic version as Masterminds/semver v3 reads it: `v` prefix, missing minor and patch
/// allowed (`1.2` is 1.2.0), prerelease and build metadata.
public struct Version: Sendable, Comparable, CustomStringConvertible {
    public let major: UInt64
    public let minor: UInt64
    public let patch: UInt64
    public let prerelease: String
    public let metadata: String
    public let original: String

    public enum ParseError: Error, CustomStringConvertible, Sendable {
        case invalid
        case leadingZero
        public var description: String {
            switch self {
            case .invalid: return "invalid semantic version"
            case .leadingZero: return "version segment starts with 0"
            }
        }
    }

    public init(major: UInt64, minor: UInt64, patch: UInt64, prerelease: String = "", metadata: String = "") {
        self.major = major; self.minor = minor; self.patch = patch
        self.prerelease = prerelease; self.metadata = metadata
        self.original = "\(major).\(minor).\(patch)" + (prerelease.isEmpty ? "" : "-" + prerelease) + (metadata.isEmpty ? "" : "+" + metadata)
    }

    public init(_ text: String) throws {
        original = text
        var s = Substring(text)
        if s.hasPrefix("v") { s = s.dropFirst() }
        var meta = ""
        if let plus = s.firstIndex(of: "+") {
            meta = String(s[s.index(after: plus)...])
            s = s[..<plus]
            guard Version.validIdentifiers(meta) else { throw ParseError.invalid }
        }
        var pre = ""
        if let dash = s.firstIndex(of: "-") {
            pre = String(s[s.index(after: dash)...])
            s = s[..<dash]
            guard Version.validIdentifiers(pre) else { throw ParseError.invalid }
            for part in pre.split(separator: ".") where part.count > 1 && part.hasPrefix("0") && part.allSatisfy(\.isASCIINumber) {
                throw ParseError.leadingZero
            }
        }
        let nums = s.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(nums.count) else { throw ParseError.invalid }
        var values: [UInt64] = []
        for n in nums {
            guard !n.isEmpty, n.allSatisfy(\.isASCIINumber), let v = UInt64(n) else { throw ParseError.invalid }
            values.append(v)
        }
        while values.count < 3 { values.append(0) }
        major = values[0]; minor = values[1]; patch = values[2]
        prerelease = pre; metadata = meta
    }

    static func validIdentifiers(_ s: String) -> Bool {
        guard !s.isEmpty else { return false }
        for part in s.split(separator: ".", omittingEmptySubsequences: false) {
            guard !part.isEmpty, part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { return false }
        }
        return true
    }

    public var description: String {
        "\(major).\(minor).\(patch)" + (prerelease.isEmpty ? "" : "-" + prerelease) + (metadata.isEmpty ? "" : "+" + metadata)
    }

    /// -1, 0 or 1; metadata is ignored.
    public func compare(_ o: Version) -> Int {
        if major != o.major { return major < o.major ? -1 : 1 }
        if minor != o.minor { return minor < o.minor ? -1 : 1 }
        if patch != o.patch { return patch < o.patch ? -1 : 1 }
        return Version.comparePrerelease(prerelease, o.prerelease)
    }

    static func comparePrerelease(_ a: String, _ b: String) -> Int {
        if a == b { return 0 }
        if a.isEmpty { return 1 }
        if b.isEmpty { return -1 }
        let pa = a.split(separator: "."), pb = b.split(separator: ".")
        for i in 0..<max(pa.count, pb.count) {
            if i >= pa.count { return -1 }
            if i >= pb.count { return 1 }
            let x = pa[i], y = pb[i]
            if x == y { continue }
            let xn = UInt64(x), yn = UInt64(y)
            switch (xn, yn) {
            case let (p?, q?): return p < q ? -1 : 1
            case (_?, nil): return -1
            case (nil, _?): return 1
            default: return x < y ? -1 : 1
            }
        }
        return 0
    }

    public static func < (a: Version, b: Version) -> Bool { a.compare(b) < 0 }
    public static func == (a: Version, b: Version) -> Bool { a.compare(b) == 0 }
}

extension Character {
    var isASCIINumber: Bool { isASCII && isNumber }
}
