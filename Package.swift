// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "hrctl",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hrctl", targets: ["hrctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // System C libraries (Debian: libyaml-dev, zlib1g-dev, libgmp-dev).
        .systemLibrary(name: "CYaml", path: "Sources/CYaml", pkgConfig: "yaml-0.1",
                       providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        // GMP's modular exponentiation for RSA key generation's prime search.
        .systemLibrary(name: "CGmp", path: "Sources/CGmp", providers: [.apt(["libgmp-dev"])]),

        // RE2 (Debian: libre2-dev) behind a small C interface: Go's regexp is RE2's syntax and
        // linear-time matching.
        .target(name: "CRE2", path: "Sources/CRE2", linkerSettings: [.linkedLibrary("re2")]),
        // Go's regexp package (Compile's errors, FindAll, ReplaceAll with Expand, Split) on RE2.
        .target(name: "GoRegexp", dependencies: ["CRE2", "Values"]),

        // The data model shared by templates, YAML and JSON: Go's view of decoded data.
        .target(name: "Values"),
        // YAML reading through libyaml, guarded against deep nesting and alias bombs.
        .target(name: "YAML", dependencies: ["CYaml", "Values"]),
        // Go's fmt verbs over Values (printf, print, %v of maps and lists).
        .target(name: "GoFmt", dependencies: ["Values"]),
        // Semantic versions and constraints as Masterminds/semver reads them.
        .target(name: "Semver", dependencies: ["GoFmt"]),
        // Sprig's template functions, with Go's types and messages.
        .target(name: "Sprig", dependencies: [
            "Values", "GoFmt", "YAML", "Semver", "CGmp", "GoRegexp", .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ]),
        // Go's text/template: lexer, parser, executor, builtins. Knows nothing of Helm.
        .target(name: "GoTemplate", dependencies: ["Values", "GoFmt", "CStack"]),
        // Where the thread's stack ends, so deep recursion stops with an error.
        .target(name: "CStack"),

        // Plain file access without Foundation.
        .target(name: "FileIO"),
        // Archives: gzip through zlib (capped) and a tar reader that refuses unsafe entries.
        .target(name: "Archive", dependencies: ["CZlib"]),
        // Charts: loading, metadata, values coalescing, dependencies. Knows nothing of clusters.
        .target(name: "Chart", dependencies: ["Values", "YAML", "Semver", "Archive", "FileIO", "GoRegexp"]),

        // Helm's rendering engine: charts through templates with Sprig and Helm's functions.
        .target(name: "Engine", dependencies: ["Values", "Chart", "GoTemplate", "GoFmt", "Sprig", "YAML", "Semver"]),

        // Where charts come from: Helm HTTP repositories (streamed index parsing, digests),
        // git, local paths; a bounded, atomic download cache.
        .target(name: "ChartSource", dependencies: [
            "CYaml", "Values", "YAML", "Semver", "Chart", "Archive", "FileIO", "GoRegexp",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),

        // HelmRelease documents (Helm Operator v1 and Flux v2).
        .target(name: "HelmRelease", dependencies: ["Values", "YAML", "Chart"]),

        // Kubernetes access: kubeconfig files and in-cluster configuration (the client grows here).
        .target(name: "Kube", dependencies: [
            "Values", "YAML", "FileIO",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),

        // Release records in Helm's storage format (Secrets driver), readable by Helm and hrctl.
        .target(name: "Release", dependencies: [
            "Values", "Chart", "Archive", "Kube",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),

        // Helm's SQL storage driver on PostgreSQL (its schema, migrations and rows), apart so only
        // it links the PostgreSQL client.
        .target(name: "ReleaseSQL", dependencies: [
            "Release", "Values",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),

        // Helm's actions over a cluster: install/upgrade (apply), rollback, uninstall, status, diff.
        .target(name: "Actions", dependencies: ["Values", "YAML", "GoFmt", "Chart", "Engine", "Kube", "Release", "ReleaseSQL", "ChartSource", "HelmRelease"]),

        // Operator mode: HelmRelease objects in the cluster reconciled by a control loop.
        .target(name: "Operator", dependencies: [
            "Values", "YAML", "Kube", "Release", "Actions", "HelmRelease", "ChartSource",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),

        // The loopback test API server's request handling (transport comes with the server).
        .target(name: "KubeAPIServer", dependencies: ["Values", "YAML", "GoFmt"]),

        // The loopback Kubernetes API server over HTTPS (NIO), for tests and the demo.
        .target(name: "KubeTestServer", dependencies: [
            "KubeAPIServer", "Values", "FileIO",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ]),
        .executableTarget(name: "kube-test-server", dependencies: ["KubeTestServer", "FileIO"]),

        // The command line: parses arguments, calls modules, prints.
        .target(name: "HrctlCLI", dependencies: [
            "GoTemplate", "YAML", "Values", "Chart", "Engine", "HelmRelease", "FileIO", "Sprig",
            "Kube", "Release", "Actions", "ChartSource", "Operator", "GoRegexp",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The release binary (`make release`: static Swift runtime) is linked at a fixed address
        // (non-PIE): as a PIE of this size it starts by applying ~138,000 relocations, a few ms of
        // every command (issue 23's list/history rows). Not in debug builds: against the shared
        // Swift runtime the loader warns about protected symbols on every start.
        .executableTarget(name: "hrctl", dependencies: ["HrctlCLI", "CStack"],
                          linkerSettings: [.unsafeFlags(["-Xclang-linker", "-no-pie"], .when(platforms: [.linux], configuration: .release))]),
        // `make bench`: engine throughput and memory on generated input, whole-process runs, and
        // side by side with the helm CLI on the genuine kube-apiserver.
        .executableTarget(name: "hrctl-bench", dependencies: ["GoTemplate", "Values", "YAML", "Engine", "Chart", "ChartSource", "KubeTestServer", "FileIO",
                                                              "Kube", "Actions", "Operator", "Release"]),

        .testTarget(name: "ValuesTests", dependencies: ["Values"]),
        .testTarget(name: "ChartTests", dependencies: ["Chart", "Values"]),
        .testTarget(name: "ReleaseTests", dependencies: ["Release", "ReleaseSQL", "Values", "Chart", "Kube", "KubeTestServer", "FileIO"]),
        .testTarget(name: "ChartSourceTests", dependencies: ["ChartSource", "Chart", "KubeTestServer", "FileIO", "Archive"]),
        .testTarget(name: "ActionsTests", dependencies: ["Actions", "Release", "Values", "Chart", "Kube", "KubeTestServer", "KubeAPIServer"]),
        .testTarget(name: "YAMLTests", dependencies: ["YAML", "Values", "GoFmt"]),
        .testTarget(name: "GoFmtTests", dependencies: ["GoFmt", "Values"]),
        .testTarget(name: "GoTemplateTests", dependencies: ["GoTemplate", "GoFmt", "Values", "YAML"]),
        .testTarget(name: "OperatorTests", dependencies: ["Operator", "Actions", "Release", "Values", "YAML", "Kube", "KubeTestServer", "KubeAPIServer", "ChartSource"]),
        .testTarget(name: "HrctlCLITests", dependencies: ["HrctlCLI", "KubeTestServer", "KubeAPIServer", "Values", "Kube", "Release"]),
        .testTarget(name: "KubeTests", dependencies: ["Kube", "KubeAPIServer", "KubeTestServer", "Values", "YAML"]),
        .testTarget(name: "HelmReleaseTests", dependencies: ["HelmRelease", "Values"]),
        .testTarget(name: "ArchiveTests", dependencies: ["Archive", "Chart"]),
        .testTarget(name: "SprigTests", dependencies: ["Sprig", "Values", "Semver", "GoTemplate", .product(name: "_CryptoExtras", package: "swift-crypto")]),
        // The genuine kube-apiserver and the official helm CLI (skipped when they are not installed).
        .testTarget(name: "ClusterTests", dependencies: ["Kube", "KubeAPIServer", "KubeTestServer", "Values", "YAML", "Release", "ReleaseSQL",
                                                       .product(name: "NIOHTTP1", package: "swift-nio")]),
        .testTarget(name: "GoRegexpTests", dependencies: ["GoRegexp"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Chart", "Values", "Sprig", "Semver"]),
    ]
)
