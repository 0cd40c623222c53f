import HrctlCLI
#if canImport(Glibc)
import Glibc
#endif

// Errors print as Helm prints them ("Error: …") and exit 1; usage errors keep
// swift-argument-parser's wording and exit code.
do {
    var command = try Hrctl.parseAsRoot()
    try command.run()
} catch {
    let code = Hrctl.exitCode(for: error)
    if code.rawValue == 0 || Hrctl.isUsageOrHelp(error) {
        Hrctl.exit(withError: error)
    }
    Hrctl.printError(error)
    exit(1)
}
