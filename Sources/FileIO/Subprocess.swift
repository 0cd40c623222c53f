#if canImport(Glibc)
import Glibc
#endif

/// Runs a program (found on PATH) with arguments and an environment, standard input from
/// /dev/null, and collects its standard output and error.
public enum Subprocess {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// This process's environment.
    public static var environment: [String: String] {
        var out: [String: String] = [:]
        var p = environ
        while let e = p.pointee {
            let s = String(cString: e)
            if let eq = s.firstIndex(of: "=") { out[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return out
    }

    /// The path of `command` on PATH (or itself when it names a path).
    public static func find(_ command: String, environment: [String: String]) -> String? {
        if command.contains("/") { return command }
        let dirs = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return dirs.map { String($0) + "/" + command }.first { access($0, X_OK) == 0 }
    }

    /// Exit status (128+signal when killed), standard output, standard error.
    /// `input`, when given, is written to the child's standard input (else it reads /dev/null).
    public static func run(_ command: String, _ args: [String], input: [UInt8]? = nil,
                           environment: [String: String] = Subprocess.environment) throws -> (status: Int32, out: [UInt8], err: [UInt8]) {
        guard let path = find(command, environment: environment) else { throw Failure(description: "\(command) not found on PATH") }
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0], inPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw Failure(description: "cannot create pipes") }
        if input != nil { guard pipe(&inPipe) == 0 else { throw Failure(description: "cannot create pipes") } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        posix_spawn_file_actions_addclose(&actions, outPipe[0])
        posix_spawn_file_actions_addclose(&actions, errPipe[0])
        if input != nil {
            posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
            posix_spawn_file_actions_addclose(&actions, inPipe[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        let argv = ([path] + args).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        close(outPipe[1]); close(errPipe[1])
        if input != nil { close(inPipe[0]) }
        guard rc == 0 else {
            close(outPipe[0]); close(errPipe[0])
            if input != nil { close(inPipe[1]) }
            throw Failure(description: "cannot run \(path): \(String(cString: strerror(rc)))")
        }
        // Both pipes are read as data arrives, so a chatty stderr cannot block the child.
        var out: [UInt8] = [], err: [UInt8] = []
        // Standard input is written as the child takes it, interleaved with the reads.
        let toWrite = input ?? []
        var written = 0
        var fds = [pollfd(fd: outPipe[0], events: Int16(POLLIN), revents: 0), pollfd(fd: errPipe[0], events: Int16(POLLIN), revents: 0),
                   pollfd(fd: input != nil ? inPipe[1] : -1, events: Int16(POLLOUT), revents: 0)]
        if input != nil && toWrite.isEmpty { close(inPipe[1]); fds[2].fd = -1 }
        var open = 2
        var buf = [UInt8](repeating: 0, count: 65536)
        signal(SIGPIPE, SIG_IGN)
        while open > 0 || fds[2].fd >= 0 {
            if poll(&fds, 3, -1) < 0 { if errno == EINTR { continue }; break }
            for i in 0..<2 where fds[i].fd >= 0 && fds[i].revents != 0 {
                let n = read(fds[i].fd, &buf, buf.count)
                if n > 0 { if i == 0 { out += buf[0..<n] } else { err += buf[0..<n] } }
                else if n == 0 || errno != EINTR { close(fds[i].fd); fds[i].fd = -1; open -= 1 }
            }
            if fds[2].fd >= 0 && fds[2].revents != 0 {
                let n = toWrite[written...].withUnsafeBytes { write(fds[2].fd, $0.baseAddress, min($0.count, 65536)) }
                if n > 0 { written += n }
                if written >= toWrite.count || (n < 0 && errno != EINTR && errno != EAGAIN) { close(fds[2].fd); fds[2].fd = -1 }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return (code, out, err)
    }
}
