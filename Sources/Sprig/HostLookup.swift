import Values
#if canImport(Glibc)
import Glibc
#endif

/// Sprig's getHostByName with DNS enabled (helm's --enable-dns): one of the name's addresses,
/// IPv4 or IPv6, picked at random as Go's net.LookupHost and rand.Intn pick it; a name
/// without addresses fails as Intn(0) panics. Without the flag helm renders "" (Sprig.functions).
public enum HostLookup {
    public static let function = GoFunction("getHostByName", [.typed(.string)]) { a in
        let addresses = lookup(a[0]?.stringValue ?? "")
        guard let pick = addresses.randomElement() else { throw FunctionError("invalid argument to Intn") }
        return .string(GoString(pick))
    }

    /// The distinct addresses of a host name, in the resolver's order.
    static func lookup(_ name: String) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var out: [String] = []
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let info = p {
            var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            if let sa = info.pointee.ai_addr {
                if info.pointee.ai_family == AF_INET {
                    sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { var a = $0.pointee.sin_addr; _ = inet_ntop(AF_INET, &a, &buf, socklen_t(buf.count)) }
                } else if info.pointee.ai_family == AF_INET6 {
                    sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { var a = $0.pointee.sin6_addr; _ = inet_ntop(AF_INET6, &a, &buf, socklen_t(buf.count)) }
                }
            }
            let text = String(cString: buf)
            if !text.isEmpty && !out.contains(text) { out.append(text) }
            p = info.pointee.ai_next
        }
        return out
    }
}
