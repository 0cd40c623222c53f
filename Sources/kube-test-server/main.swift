// kube-test-server --kubeconfig PATH [--port N] [--token T]... [--serve DIR [--serve-port N]]:
// the loopback Kubernetes API server for tests and the demo. Writes a kubeconfig that reaches
// it, prints its URL (and, with --serve, the URL of a plain HTTP server for DIR, a chart
// repository), serves until SIGTERM or SIGINT.
import KubeTestServer
import FileIO
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

var args = Array(CommandLine.arguments.dropFirst())
var kubeconfig: String? = nil
var port = 0
var tokens: Set<String> = []
var serveDir: String? = nil
var servePort = 0
var verbose = false
var stateDir: String? = nil
while !args.isEmpty {
    let a = args.removeFirst()
    switch a {
    case "--kubeconfig": kubeconfig = args.isEmpty ? nil : args.removeFirst()
    case "--port": port = Int(args.isEmpty ? "" : args.removeFirst()) ?? 0
    case "--token": if !args.isEmpty { tokens.insert(args.removeFirst()) }
    case "--serve": serveDir = args.isEmpty ? nil : args.removeFirst()
    case "-v", "--verbose": verbose = true
    case "--state": stateDir = args.isEmpty ? nil : args.removeFirst()
    case "--serve-port": servePort = Int(args.isEmpty ? "" : args.removeFirst()) ?? 0
    case "-h", "--help":
        print("usage: kube-test-server --kubeconfig PATH [--port N] [--token T]... [--state DIR] [--serve DIR [--serve-port N]] [--verbose]")
        exit(0)
    default:
        FileSystem.writeError("kube-test-server: unknown argument \(a)\n")
        exit(2)
    }
}
guard let kubeconfig else {
    FileSystem.writeError("kube-test-server: --kubeconfig PATH is required\n")
    exit(2)
}
do {
    let server = try KubeTestServer(tokens: tokens)
    if verbose { server.requestLog = { FileSystem.writeError($0 + "\n") } }
    // --state DIR: objects survive restarts (saved each second when changed, and at exit).
    var saver: DispatchSourceTimer? = nil
    var save: () -> Void = {}
    if let stateDir {
        try FileSystem.makeDirectories(stateDir)
        let file = stateDir + "/state.json"
        if FileSystem.kind(file) == .file { try server.core.restore(try FileSystem.read(file)) }
        nonisolated(unsafe) var saved = server.core.currentResourceVersion
        let core = server.core
        save = {
            let rv = core.currentResourceVersion
            guard rv != saved, let bytes = try? core.snapshot() else { return }
            do { try FileSystem.writeAtomically(file, bytes); saved = rv } catch { FileSystem.writeError("kube-test-server: cannot save state: \(error)\n") }
        }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "state"))
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler { save() }
        timer.resume()
        saver = timer
    }
    let bound = try server.start(port: port)
    let url = server.url(port: bound)
    try FileSystem.write(kubeconfig, Array(server.credentials.kubeconfig(url: url).utf8), mode: 0o600)
    var text = url + "\n"
    var files: StaticServer? = nil
    if let serveDir {
        let s = StaticServer(root: serveDir)
        text += "http://127.0.0.1:\(try s.start(port: servePort))\n"
        files = s
    }
    // Unbuffered: whoever started the server reads the URLs at once.
    let line = Array(text.utf8)
    line.withUnsafeBufferPointer { _ = write(1, $0.baseAddress, $0.count) }
    signal(SIGPIPE, SIG_IGN)
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGTERM)
    sigaddset(&set, SIGINT)
    pthread_sigmask(SIG_BLOCK, &set, nil)
    var sig: Int32 = 0
    sigwait(&set, &sig)
    saver?.cancel()
    save()
    files?.stop()
    server.stop()
} catch {
    FileSystem.writeError("kube-test-server: \(error)\n")
    exit(1)
}
