import Foundation
import XCTest
import KubeTestServer

/// helm's chart-path flags on show and pull (--devel) and show values --jsonpath, side by side
/// with the official helm CLI.
extension ChartCommandTests {
    func testShowValuesJSONPathPrintsWhatHelmPrints() throws {
        let chart = Self.fixtures + "/jsonpath-values"
        // Each run costs both CLIs a start, so the expressions that evaluate are joined into a
        // few templates (text between them is printed as it is).
        let working = [
            "{.x}", "{.big}", "{.num}", "{.f}", "{.neg}", "{.b}", "{.nul}", "{.m}", "{.m.a}", "{.html}", "{@}", "{$.num}",
            "{.list[*].name}", "{.list[0]['name']}", "{.list[-1:]}", "{.list[0:2:2].name}", "{.list[0,1].name}", "{.m.a[*]}",
            "{..name}", "{..k}", "{.m[\"z\"]}", "{.str2}{\"\\t\"}{.b}", "{\"a\\x41\\u00e9\"}", "{ .x }", "{'q'}",
            "{.list[?(@.port>100.0)].name}", "{.list[?(@.name==\"b\")].port}", "{.list[?(@.port)].name}", "{.list[?(@.name != \"a\")].name}",
        ]
        let templates = [
            working.joined(separator: "|"),
            "{range .list[*]}{.name}={.port}{\"\\n\"}{end}|{range .list[*]}{.name}{end}{.x}|{range .m.a[*]}<{@}>{end}",
            // Evaluation errors: helm prints nothing and succeeds.
            "{.x}{.missing}", "{.x.y}", "{.list[5]}", "{.list[1:5]}", "{end}", "{.list[?(@.port>100)].name}",
            // Parse errors: helm's message.
            "{.x", "{.list[?(@.name=~\"^a\")].port}", "{.list[x]}",
        ]
        for t in templates {
            let h = try helm(["show", "values", chart, "--jsonpath", t])
            let r = try hrctl(["show", "values", chart, "--jsonpath", t])
            XCTAssertEqual(r.code, h.code, "exit code of \(t): \(r.err)")
            XCTAssertEqual(r.out, h.out, "output of \(t)")
            XCTAssertEqual(r.err, h.err, "error of \(t)")
        }
        // Without a template (or an empty one), values.yaml as written.
        try assertSameAsHelm(["show", "values", chart, "--jsonpath", ""])
    }

    func testDevelChoosesPrereleasesAsHelmDoes() throws {
        let repo = dir + "/devel-repo"
        let src = try copyFixture("jsonpath-values", to: dir + "/src")
        for v in ["0.1.0", "0.2.0-rc.1"] { XCTAssertEqual(try helm(["package", src, "--version", v, "-d", repo]).code, 0) }
        XCTAssertEqual(try helm(["repo", "index", repo]).code, 0)
        let s = StaticServer(root: repo)
        let url = "http://127.0.0.1:\(try s.start())"
        server = s
        for args in [["show", "chart", "--repo", url, "jsonpath-values"], ["show", "chart", "--repo", url, "jsonpath-values", "--devel"],
                     ["show", "chart", "--repo", url, "jsonpath-values", "--devel", "--version", "0.1.0"],
                     ["show", "values", "--repo", url, "jsonpath-values", "--devel", "--jsonpath", "{.f}"]] {
            try assertSameAsHelm(args)
        }
        XCTAssertTrue(try hrctl(["show", "chart", "--repo", url, "jsonpath-values", "--devel"]).out.contains("version: 0.2.0-rc.1"))
        let h = dir + "/helm-pull", r = dir + "/hrctl-pull"
        for d in [h, r] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        let pull = ["pull", "--repo", url, "jsonpath-values", "--devel"]
        XCTAssertEqual(try hrctl(pull, cwd: r).code, try helm(pull, cwd: h).code)
        XCTAssertEqual(try tree(r), try tree(h))
        XCTAssertEqual(try tree(r).map { String($0.prefix { $0 != " " }) }, ["jsonpath-values-0.2.0-rc.1.tgz"])
    }
}

/// Provenance (.prov files) side by side with helm: each verifies what the other signs, and
/// both refuse the same bad inputs with the same words. Keys are made for the test by gpg.
extension ChartCommandTests {
    /// A GnuPG home with an unprotected and a passphrase-protected RSA key; their secret and
    /// public keyrings exported as helm takes them.
    func makeKeyrings() throws -> (secret: String, pub: String, home: String) {
        let home = dir + "/gnupg"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // One batch each: %no-protection holds for the rest of a batch.
        let batches = ["%no-protection\nKey-Type: RSA\nKey-Length: 2048\nName-Real: Chart Signer\nName-Email: signer@example.com\nExpire-Date: 0\n%commit\n",
                       "Key-Type: RSA\nKey-Length: 2048\nName-Real: Protected Signer\nName-Email: protected@example.com\nPassphrase: open sesame\nExpire-Date: 0\n%commit\n"]
        let gpg = URL(fileURLWithPath: "/usr/bin/gpg")
        guard FileManager.default.isExecutableFile(atPath: gpg.path) else { throw XCTSkip("gpg is not installed (.ci/run installs gnupg)") }
        let env = ["GNUPGHOME": home, "PATH": "/usr/bin:/bin"]
        for params in batches { XCTAssertEqual(try CLIRunner.exec(gpg, ["--batch", "--gen-key"], env: env, stdin: params).code, 0) }
        // Binary keyrings, written by gpg itself.
        XCTAssertEqual(try CLIRunner.exec(gpg, ["--batch", "--pinentry-mode", "loopback", "--passphrase", "open sesame", "--output", dir + "/secring.gpg",
                                                "--export-secret-keys"], env: env).code, 0)
        XCTAssertEqual(try CLIRunner.exec(gpg, ["--batch", "--output", dir + "/pubring.gpg", "--export"], env: env).code, 0)
        _ = try? CLIRunner.exec(URL(fileURLWithPath: "/usr/bin/gpgconf"), ["--kill", "gpg-agent"], env: env)
        return (dir + "/secring.gpg", dir + "/pubring.gpg", home)
    }

    func testProvenanceSignedByEitherIsVerifiedByBoth() throws {
        let keys = try makeKeyrings()
        let chart = try copyFixture("jsonpath-values", to: dir + "/src")
        let h = dir + "/helm-signed", r = dir + "/hrctl-signed"
        XCTAssertEqual(try helm(["package", chart, "--sign", "--key", "Chart Signer", "--keyring", keys.secret, "-d", h]).code, 0)
        var out = try hrctl(["package", chart, "--sign", "--key", "signer@example", "--keyring", keys.secret, "-d", r])
        XCTAssertEqual(out.code, 0, out.err)
        for archive in [h + "/jsonpath-values-0.1.0.tgz", r + "/jsonpath-values-0.1.0.tgz"] {
            try assertSameAsHelm(["verify", archive, "--keyring", keys.pub])
            XCTAssertTrue(try hrctl(["verify", archive, "--keyring", keys.pub]).out.hasPrefix("Signed by: Chart Signer <signer@example.com>\n"))
            try assertSameAsHelm(["template", "x", archive, "--verify", "--keyring", keys.pub])
        }
        // A protected key with its passphrase from a file (or standard input).
        try "open sesame\n".write(toFile: dir + "/pass", atomically: true, encoding: .utf8)
        out = try hrctl(["package", chart, "--sign", "--key", "Protected", "--keyring", keys.secret, "--passphrase-file", dir + "/pass", "-d", dir + "/p"])
        XCTAssertEqual(out.code, 0, out.err)
        XCTAssertTrue(try helm(["verify", dir + "/p/jsonpath-values-0.1.0.tgz", "--keyring", keys.pub]).out.hasPrefix("Signed by: Protected Signer"))
        out = try hrctl(["package", chart, "--sign", "--key", "Protected", "--keyring", keys.secret, "-d", dir + "/q"])
        XCTAssertEqual(out.code, 1)
        XCTAssertTrue(out.err.contains("--passphrase-file"), out.err)
        try "wrong\n".write(toFile: dir + "/wrong", atomically: true, encoding: .utf8)
        let wrong = ["package", chart, "--sign", "--key", "Protected", "--keyring", keys.secret, "--passphrase-file", dir + "/wrong", "-d", dir + "/w"]
        XCTAssertEqual(try hrctl(wrong).err, try helm(wrong).err)

        // Refusals in helm's words.
        let tampered = dir + "/tampered", renamed = dir + "/renamed"
        for d in [tampered, renamed] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: h + "/jsonpath-values-0.1.0.tgz"))
        try bytes.write(to: URL(fileURLWithPath: renamed + "/other-0.1.0.tgz"))
        try FileManager.default.copyItem(atPath: h + "/jsonpath-values-0.1.0.tgz.prov", toPath: renamed + "/other-0.1.0.tgz.prov")
        bytes.append(0)
        try bytes.write(to: URL(fileURLWithPath: tampered + "/jsonpath-values-0.1.0.tgz"))
        try FileManager.default.copyItem(atPath: h + "/jsonpath-values-0.1.0.tgz.prov", toPath: tampered + "/jsonpath-values-0.1.0.tgz.prov")
        try FileManager.default.copyItem(atPath: r + "/jsonpath-values-0.1.0.tgz", toPath: dir + "/unsigned.tgz")
        let signedArchive = h + "/jsonpath-values-0.1.0.tgz"
        for args in [["verify", tampered + "/jsonpath-values-0.1.0.tgz", "--keyring", keys.pub], ["verify", renamed + "/other-0.1.0.tgz", "--keyring", keys.pub],
                     ["verify", dir + "/unsigned.tgz", "--keyring", keys.pub], ["verify", signedArchive, "--keyring", dir + "/nope.gpg"],
                     ["verify", signedArchive, "--keyring", keys.secret + ".missing"], ["verify", chart, "--keyring", keys.pub],
                     ["show", "chart", chart, "--verify", "--keyring", keys.pub], ["install", "x", tampered + "/jsonpath-values-0.1.0.tgz", "--verify", "--keyring", keys.pub, "--dry-run=client"],
                     ["package", chart, "--sign", "--keyring", keys.secret, "-d", dir + "/x"], ["package", chart, "--sign", "--key", "Nobody", "--keyring", keys.secret, "-d", dir + "/x"],
                     ["package", chart, "--sign", "--key", "Signer", "--keyring", keys.secret, "-d", dir + "/x"],
                     ["package", chart, "--sign", "--key", "Chart Signer", "--keyring", keys.pub, "-d", dir + "/x"]] {
            let a = try helm(args), b = try hrctl(args)
            XCTAssertEqual(b.code, a.code, "\(args): \(b.err)")
            XCTAssertEqual(b.err, a.err, "\(args)")
        }
        // A key another keyring lacks.
        let other = try hrctl(["verify", signedArchive, "--keyring", dir + "/empty.gpg"])
        XCTAssertEqual(other.code, 1)
        try Data().write(to: URL(fileURLWithPath: dir + "/empty.gpg"))
        let a = try helm(["verify", signedArchive, "--keyring", dir + "/empty.gpg"]), b = try hrctl(["verify", signedArchive, "--keyring", dir + "/empty.gpg"])
        XCTAssertEqual(b.code, a.code)
        XCTAssertEqual(b.err, a.err)

        // From a repository: the .prov is fetched beside the archive.
        XCTAssertEqual(try helm(["repo", "index", h]).code, 0)
        let s = StaticServer(root: h)
        let url = "http://127.0.0.1:\(try s.start())"
        server = s
        let hp = dir + "/helm-pull", rp = dir + "/hrctl-pull"
        // (helm pull does not create -d.)
        for d in [hp, rp] { for sub in ["v", "p", "u"] { try FileManager.default.createDirectory(atPath: d + "/" + sub, withIntermediateDirectories: true) } }
        for args in [["pull", "--repo", url, "jsonpath-values", "--verify", "--keyring", keys.pub, "-d", "v"],
                     ["pull", "--repo", url, "jsonpath-values", "--prov", "-d", "p"],
                     ["pull", url + "/jsonpath-values-0.1.0.tgz", "--verify", "--keyring", keys.pub, "-d", "u"]] {
            let x = try helm(args, cwd: hp), y = try hrctl(args, cwd: rp)
            XCTAssertEqual(y.code, x.code, "\(args): \(y.err)")
            XCTAssertEqual(y.out, x.out, "\(args)")
        }
        XCTAssertEqual(try tree(rp), try tree(hp))
        XCTAssertTrue(try tree(rp).contains { $0.hasPrefix("v/jsonpath-values-0.1.0.tgz.prov ") })
        try assertSameAsHelm(["template", "x", "--repo", url, "jsonpath-values", "--verify", "--keyring", keys.pub])
    }
}

extension ChartCommandTests {
    func testDependencyListColumnWidthAndRefusedVerify() throws {
        for width in ["80", "12", "200"] {
            try assertSameAsHelm(["dependency", "list", Self.fixtures + "/umbrella", "--max-col-width", width])
        }
        // Verifying dependencies is not done: refused before anything is fetched, never skipped.
        let chart = try copyFixture("umbrella", to: dir + "/dep")
        let r = try hrctl(["dependency", "build", chart, "--verify", "--keyring", dir + "/none.gpg"])
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.err.hasPrefix("Error: not supported by hrctl: dependency --verify"), r.err)
    }
}

extension ChartCommandTests {
    func testEnableDNSLooksNamesUpAsHelmDoes() throws {
        let chart = Self.fixtures + "/enable-dns"
        try assertSameAsHelm(["template", "x", chart])
        let on = try hrctl(["template", "x", chart, "--enable-dns"])
        XCTAssertEqual(on.code, 0, on.err)
        // One of the name's addresses, picked at random (as helm picks).
        XCTAssertTrue(on.out.contains("localhost: \"127.0.0.1\"") || on.out.contains("localhost: \"::1\""), on.out)
        XCTAssertTrue(try hrctl(["template", "x", chart]).out.contains("localhost: \"\""))
        // A name without addresses fails the render with helm's words.
        let args = ["template", "x", chart, "--enable-dns", "--set", "unresolvable=true"]
        let h = try helm(args), r = try hrctl(args)
        XCTAssertEqual(r.code, h.code)
        XCTAssertEqual(r.out, h.out)
        XCTAssertEqual(r.err.split(separator: "\n").first, h.err.split(separator: "\n").first)
    }
}

extension ChartCommandTests {
    /// package -u brings charts/ up to Chart.yaml first, as helm's does (same output; the
    /// archive holds the dependencies).
    func testPackageDependencyUpdateAsHelm() throws {
        try configureRepository()
        let (mine, theirs) = try umbrellaPair()
        let h = try helm(["package", theirs, "-u", "-d", dir + "/helm-out"])
        let r = try hrctl(["package", mine, "-u", "-d", dir + "/hrctl-out"])
        XCTAssertEqual(r.code, h.code, r.err)
        XCTAssertEqual(r.out.replacingOccurrences(of: dir + "/hrctl-out", with: "OUT"), h.out.replacingOccurrences(of: dir + "/helm-out", with: "OUT"))
        let listing = try hrctl(["show", "chart", dir + "/hrctl-out/umbrella-1.0.0.tgz"])
        XCTAssertEqual(listing.code, 0, listing.err)
        XCTAssertTrue(FileManager.default.fileExists(atPath: mine + "/charts/kube-state-metrics-8.4.0.tgz"))
    }
}
