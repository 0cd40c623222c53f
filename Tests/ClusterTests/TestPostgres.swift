import Foundation
import XCTest

/// A real PostgreSQL server from Debian's `postgresql` package (`initdb` and `pg_ctl` in a
/// temporary folder, on a free loopback port), for the SQL driver's tests. As root (CI), the
/// server runs as the package's `postgres` user, since PostgreSQL refuses to run as root.
final class TestPostgres: @unchecked Sendable {
    static var bin: String? {
        let fm = FileManager.default
        var dirs = ((try? fm.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).sorted().reversed().map { "/usr/lib/postgresql/\($0)/bin" }
        dirs += (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        return dirs.first { fm.isExecutableFile(atPath: $0 + "/initdb") && fm.isExecutableFile(atPath: $0 + "/pg_ctl") }
    }

    nonisolated(unsafe) static var announced = false
    static func skip() throws -> Never {
        if !announced {
            announced = true
            FileHandle.standardError.write(Data("PostgreSQL tests skipped: no initdb/pg_ctl (Debian package postgresql; bash .ci/run installs it)\n".utf8))
        }
        throw XCTSkip("no initdb/pg_ctl")
    }

    let dir: String
    let port: Int
    let bin: String
    let asUser: [String]

    /// "postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable"
    var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=disable" }

    init(name: String) throws {
        guard let bin = TestPostgres.bin else { try TestPostgres.skip() }
        self.bin = bin
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hrctl-pg-\(getpid())-\(name)").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        asUser = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []
        if getuid() == 0 { _ = try Run.exec("/bin/chown", ["-R", "postgres:", dir]) }
        port = try TestPostgres.freePort()
        var r = try run(bin + "/initdb", ["-D", dir + "/data", "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        guard r.code == 0 else { throw Failure("initdb failed: \(r.err)") }
        // Not through Run.exec (Foundation's Process): the server it leaves running holds the
        // output pipes open, and the exit went unnoticed; a plain spawn and waitpid instead.
        let args = asUser + [bin + "/pg_ctl", "-D", dir + "/data", "-l", dir + "/log", "-w", "-t", "30",
                             "-o", "-p \(port) -k \(dir) -c listen_addresses=127.0.0.1 -c fsync=off", "start"]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd in Int32(0)...2 { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        let argv = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, args[0], &actions, nil, argv, environ) == 0 else { throw Failure("cannot run \(args[0])") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        r = Run.Result(out: "", err: "pg_ctl start exited with \(status)", code: status)
        guard r.code == 0 else { throw Failure("pg_ctl start failed: \(r.err) \((try? String(contentsOfFile: dir + "/log", encoding: .utf8)) ?? "")") }
    }

    func run(_ program: String, _ args: [String]) throws -> Run.Result {
        asUser.isEmpty ? try Run.exec(program, args) : try Run.exec(asUser[0], Array(asUser.dropFirst()) + [program] + args)
    }

    /// Runs SQL through psql (the package's client), tab-separated rows out.
    func psql(_ sql: String, database: String = "postgres") throws -> String {
        let r = try Run.exec("/usr/bin/psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", database, "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        guard r.code == 0 else { throw Failure("psql \(sql): \(r.err)") }
        return r.out
    }

    func stop() {
        _ = try? run(bin + "/pg_ctl", ["-D", dir + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// A port nobody listens on now (bound once by the kernel's choice, then let go).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw Failure("no free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
