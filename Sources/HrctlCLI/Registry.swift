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
    @Option(name: .customLong("cert-file"), help: "identify registry client using this SSL certificate file") var certFile: String?
    @Option(name: .customLong("key-file"), help: "identify registry client using this SSL key file") var keyFile: String?
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        guard let username, !username.isEmpty else { throw CLIError.invalidOption("--username", "", expected: "a user name") }
        var secret = password ?? ""
        if passwordStdin {
            let bytes = FileSystem.readStandardInput()
            secret = String(decoding: bytes, as: UTF8.self)
            while secret.hasSuffix("\n") || secret.hasSuffix("\r") { secret.removeLast() }
        } else if password != nil {
            Output.error("WARNING: using --password via the CLI is insecure. Use --password-stdin\n")
        }
        guard !secret.isEmpty else { throw CLIError.invalidOption("--password", "", expected: "a password (-p or --password-stdin)") }
        var o = HTTPFetcher.Options()
        o.caFile = caFile
        o.certFile = certFile
        o.keyFile = keyFile
        o.insecureSkipTLSVerify = insecure
        let http = try HTTPFetcher(options: o)
        do {
            try await RegistryLogin(configPath: global.helmPaths.registryConfig).login(host: host, username: username, password: secret, http: http, plainHTTP: plainHTTP)
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
    @OptionGroup var global: GlobalOptions

    func run() throws {
        Output.write(Array("Removing login credentials for \(host)\n".utf8))
        try RegistryLogin(configPath: global.helmPaths.registryConfig).logout(host: host)
    }
}
