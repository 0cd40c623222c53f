#if canImport(Glibc)
import Glibc
#endif

/// How deeply executions nest on this thread: `template` calls and executions started by
/// functions (include, tpl) count together, so a recursion through any mix of them meets one
/// limit. Per thread because templates of one render run side by side.
final class ExecDepth {
    var value = 0

    static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k) { p in
            if let p { Unmanaged<ExecDepth>.fromOpaque(p).release() }
        }
        return k
    }()

    static var current: ExecDepth {
        if let p = pthread_getspecific(key) { return Unmanaged<ExecDepth>.fromOpaque(p).takeUnretainedValue() }
        let c = ExecDepth()
        pthread_setspecific(key, Unmanaged.passRetained(c).toOpaque())
        return c
    }
}
