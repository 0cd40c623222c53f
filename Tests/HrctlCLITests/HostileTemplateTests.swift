import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Every template in Fixtures/hostile (recursion through tpl/include/template/define, string and
/// list bombs, deep nesting, regular-expression blow-ups, endless loops) rendered by the built
/// hrctl in a fresh process: no crash (no signal), done within a second, peak memory under a few
/// hundred MiB. `NAME.ok.tpl` must render; `NAME.timeout.tpl` runs with HRCTL_RENDER_TIMEOUT;
/// every other one must end in an error that names the template and the limit.
final class HostileTemplateTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/hostile").path

    struct Run { var status: Int32; var signal: Int32; var seconds: Double; var maxRSSKiB: Int; var err: String }

    /// posix_spawn and wait4, for the child's own peak memory.
    func spawn(_ args: [String], env: [String: String], stderrPath: String) throws -> Run {
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = args.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0)=\($1)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, args[0], &actions, nil, argv, envp)
        guard rc == 0 else { throw NSError(domain: "spawn", code: Int(rc)) }
        var status: Int32 = 0
        var usage = rusage()
        // A runaway child is stopped after 20 s so the suite always ends.
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 20, execute: watchdog)
        _ = wait4(pid, &status, 0, &usage)
        watchdog.cancel()
        // CPU time, not wall time: on a loaded machine (CI's two cores, the suite's other
        // processes) a debug build's quick error took over 3 s of wall time for 1.5 s of CPU.
        let seconds = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        let signaled = (status & 0x7f) != 0 && (status & 0x7f) != 0x7f
        let err = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        return Run(status: (status >> 8) & 0xff, signal: signaled ? status & 0x7f : 0, seconds: seconds, maxRSSKiB: usage.ru_maxrss, err: err)
    }

    func testHostileTemplatesEndInErrorsNotCrashes() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures).filter { $0.hasSuffix(".tpl") }.sorted()
        XCTAssertGreaterThan(names.count, 20)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("hrctl-hostile-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: work) }
        for name in names {
            let base = String(name.dropLast(".tpl".count))
            let chart = work + "/" + base
            try FileManager.default.createDirectory(atPath: chart + "/templates", withIntermediateDirectories: true)
            try "apiVersion: v2\nname: hostile\nversion: 0.1.0\n".write(toFile: chart + "/Chart.yaml", atomically: true, encoding: .utf8)
            try FileManager.default.copyItem(atPath: Self.fixtures + "/" + name, toPath: chart + "/templates/t.yaml")
            let values = Self.fixtures + "/" + base + ".values.yaml"
            if FileManager.default.fileExists(atPath: values) { try FileManager.default.copyItem(atPath: values, toPath: chart + "/values.yaml") }
            let env = base.hasSuffix(".timeout") ? ["HRCTL_RENDER_TIMEOUT": "500ms"] : [:]
            let r = try spawn([CLIRunner.binary.path, "template", "x", chart], env: env, stderrPath: work + "/" + base + ".err")
            XCTAssertEqual(r.signal, 0, "\(name): killed by signal \(r.signal)")
            // A runaway render (the took minutes and gigabytes) is what this catches; the
            // release build ends each of these in well under a second of CPU.
            XCTAssertLessThan(r.seconds, 6, "\(name): took \(r.seconds) s of CPU")
            XCTAssertLessThan(r.maxRSSKiB, 400 * 1024, "\(name): peak memory \(r.maxRSSKiB / 1024) MiB")
            if base.hasSuffix(".ok") {
                XCTAssertEqual(r.status, 0, "\(name): \(r.err)")
            } else {
                XCTAssertEqual(r.status, 1, "\(name): expected an error, got exit \(r.status)")
                XCTAssertTrue(r.err.contains("t.yaml:"), "\(name): the error names no template line: \(r.err.prefix(300))")
                XCTAssertTrue(r.err.contains("limit") || r.err.contains("nested reference"), "\(name): the error names no limit: \(r.err.prefix(300))")
            }
        }
    }
}
