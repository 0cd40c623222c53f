import HrctlCLI
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

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
