#if canImport(Glibc)
import Glibc
#endif

/// Runs work on a thread with a large stack: charts nest `include` deeply (Helm allows 1000
/// levels) and each level costs stack.
public enum LargeStack {
    static let size = 1 << 30

    final class Box<T>: @unchecked Sendable {
        let body: () throws -> T
        var result: Result<T, Error>?
        init(_ body: @escaping () throws -> T) { self.body = body }
    }

    public static func run<T>(_ body: @escaping () throws -> T) throws -> T {
        let box = Box(body)
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setstacksize(&attr, size)
        var thread = pthread_t()
        let unmanaged = Unmanaged.passRetained(box as AnyObject)
        let rc = pthread_create(&thread, &attr, { arg in
            let obj = Unmanaged<AnyObject>.fromOpaque(arg!).takeRetainedValue()
            (obj as! Runnable).runBody()
            return nil
        }, unmanaged.toOpaque())
        if rc != 0 {
            unmanaged.release()
            return try body()
        }
        pthread_join(thread, nil)
        return try box.result!.get()
    }
}

protocol Runnable { func runBody() }
extension LargeStack.Box: Runnable {
    func runBody() { result = Result { try body() } }
}

extension LargeStack {
    /// Runs `body(0)` on this thread and `body(1) … body(count - 1)` on threads of their own
    /// with large stacks, and returns when all are done. A thread that cannot be made leaves
    /// its share to the others (the bodies take work from a common pool).
    static func together(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        var threads: [pthread_t] = []
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setstacksize(&attr, size)
        for i in 1..<max(count, 1) {
            let box = Box<Void> { body(i) }
            let unmanaged = Unmanaged.passRetained(box as AnyObject)
            var thread = pthread_t()
            let rc = pthread_create(&thread, &attr, { arg in
                let obj = Unmanaged<AnyObject>.fromOpaque(arg!).takeRetainedValue()
                (obj as! Runnable).runBody()
                return nil
            }, unmanaged.toOpaque())
            if rc == 0 { threads.append(thread) } else { unmanaged.release() }
        }
        body(0)
        for t in threads { pthread_join(t, nil) }
    }

    /// Online processors, at least one.
    static var processors: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
