import CStack

/// Knows where the current thread's stack ends, so that deep template recursion stops
/// with an error while there is still room, whatever stack the caller runs on.
struct StackGuard {
    /// The lowest usable address plus a safety margin; 0 when unknown.
    let floor: UInt

    static let margin: UInt = 512 * 1024

    init() {
        var addr: UnsafeMutableRawPointer? = nil
        var size = 0
        if hrctl_stack_bounds(&addr, &size) == 0, let addr {
            floor = UInt(bitPattern: addr) + StackGuard.margin
        } else {
            floor = 0
        }
    }

    /// Whether the stack has room left for more nesting.
    @inline(never)
    func hasRoom() -> Bool {
        guard floor != 0 else { return true }
        var marker: UInt8 = 0
        return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) > floor }
    }
}
