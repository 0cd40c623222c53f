#if canImport(Glibc)
import Glibc
#endif

/// How deep each template name is being included on this thread (Helm refuses past 1000).
/// Per thread because templates of one render run side by side; every include puts its count
/// back when it returns, so a thread's counts are all zero between templates.
enum IncludeDepth {
    final class Counts { var byName: [String: Int] = [:] }

    static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k) { p in
            if let p { Unmanaged<Counts>.fromOpaque(p).release() }
        }
        return k
    }()

    static var current: Counts {
        if let p = pthread_getspecific(key) { return Unmanaged<Counts>.fromOpaque(p).takeUnretainedValue() }
        let c = Counts()
        pthread_setspecific(key, Unmanaged.passRetained(c).toOpaque())
        return c
    }
}
