import ArgumentParser
import FileIO
import ChartSource
#if canImport(Glibc)
import Glibc
#endif

/// `hrctl registry login|logout HOST`: the credentials helm and hrctl use for OCI registries,
/// in helm's registry config.json.
struct Registry: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "registry", abstract: "Log in to or out of an OCI registry.", subcommands: [RegistryLoginCommand.self, RegistryLogoutCommand.self])

    static var configPath: String { HelmPaths(environment: Subprocess.environment).registryConfig }
}

struct RegistryLoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "login", abstract: "Log in to an OCI registry.")

    @Argument(help: "The registry: HOST[:PORT].") var host: String
    @Option(name: [.short, .long], help: "Registry user name.") var username: String?
    @Option(name: [.short, .long], help: "Registry password or identity token.") var password: String?
    @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input.") var passwordStdin = false
    @Flag(name: .long, help: "Allow a TLS registry without a verifiable certificate.") var insecure = false
    @Flag(name: .customLong("plain-http"), help: "Talk to the registry over plain HTTP.") var plainHTTP = false
    @Option(name: .customLong("ca-file"), help: "Verify the registry with this CA bundle.") var caFile: String?

    func run() async throws {
        guard let username, !username.isEmpty else { throw CLIError.invalidOption("--username", "", expected: "a user name") }
        var secret = password ?? ""
        if passwordStdin {
            var bytes: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(0, &buf, buf.count)
                if n <= 0 { break }
                bytes += buf[0..<n]
            }
            secret = String(decoding: bytes, as: UTF8.self)
            while secret.hasSuffix("\n") || secret.hasSuffix("\r") { secret.removeLast() }
        } else if password != nil {
            Output.error("WARNING: using --password via the CLI is insecure. Use --password-stdin\n")
        }
        guard !secret.isEmpty else { throw CLIError.invalidOption("--password", "", expected: "a password (-p or --password-stdin)") }
        var o = HTTPFetcher.Options()
        o.caFile = caFile
        o.insecureSkipTLSVerify = insecure
        let http = try HTTPFetcher(options: o)
        do {
            try await RegistryLogin(configPath: Registry.configPath).login(host: host, username: username, password: secret, http: http, plainHTTP: plainHTTP)
            await http.shutdown()
        } catch {
            await http.shutdown()
            throw error
        }
        Output.write(Array("Login Succeeded\n".utf8))
    }
}

struct RegistryLogoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "Log out of an OCI registry.")

    @Argument(help: "The registry: HOST[:PORT].") var host: String

    func run() throws {
        Output.write(Array("Removing login credentials for \(host)\n".utf8))
        try RegistryLogin(configPath: Registry.configPath).logout(host: host)
    }
}
