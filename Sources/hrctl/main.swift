import HrctlCLI
import ArgumentParser
import CStack
#if canImport(Glibc)
import Glibc
#endif

// A command exits when its one job is done, so its memory need never go back to the system
// before then: glibc's default of giving it back whenever 128 KiB sit free at the top of a
// heap made the render threads' arenas shrink and grow again some 1,800 times in one
// kube-prometheus-stack render (an mprotect and fresh zeroed pages each time). The operator,
// which runs for days, keeps the default.
if !CommandLine.arguments.dropFirst().contains("operator") {
    hrctl_keep_freed_memory()
}

// Every error prints as helm prints it ("Error: …") and exits 1, usage errors included;
// help and version exit 0 with swift-argument-parser's text.
let arguments = Hrctl.normalize(Array(CommandLine.arguments.dropFirst()))
if let unknown = Hrctl.unknownCommand(arguments) {
    Hrctl.printError(message: unknown)
    exit(1)
}
do {
    var command = try Hrctl.parseAsRoot(arguments)
    if let asyncCommand = command as? AsyncParsableCommand {
        try await Hrctl.runAsync(asyncCommand)
    } else {
        try command.run()
    }
} catch {
    if let e = error as? ExitCode { exit(e.rawValue) }
    if Hrctl.exitCode(for: error).rawValue == 0 { Hrctl.exit(withError: error) }
    Hrctl.printError(error)
    exit(1)
}
