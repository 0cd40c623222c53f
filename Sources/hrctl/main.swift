import HrctlCLI
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

// Errors print as Helm prints them ("Error: …") and exit 1; usage errors keep
// swift-argument-parser's wording and exit code.
do {
    var command = try Hrctl.parseAsRoot(Hrctl.normalize(Array(CommandLine.arguments.dropFirst())))
    if let asyncCommand = command as? AsyncParsableCommand {
        try await Hrctl.runAsync(asyncCommand)
    } else {
        try command.run()
    }
} catch {
    let code = Hrctl.exitCode(for: error)
    if code.rawValue == 0 || Hrctl.isUsageOrHelp(error) {
        Hrctl.exit(withError: error)
    }
    if let e = error as? ExitCode { exit(e.rawValue) }
    Hrctl.printError(error)
    exit(1)
}
