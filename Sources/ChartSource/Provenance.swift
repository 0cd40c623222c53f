import Chart
import FileIO
import Values
import YAML
#if canImport(Glibc)
import Glibc
#endif

/// Helm's provenance files (NAME-VERSION.tgz.prov): an OpenPGP clear-signed message made of the
/// archive's Chart.yaml (as helm marshals its metadata), the YAML end marker `...` and the
/// archive's sha256 (`files: {NAME-VERSION.tgz: sha256:HEX}`).
///
/// The OpenPGP part is GnuPG's (`gpg` to sign, `gpgv` to verify; Debian's gnupg package):
/// signatures and key handling are left to that audited implementation rather than written
/// here. Keyrings are helm's: a file of keys (GnuPG's binary export, or a keybox), never the
/// user's GnuPG home, which is not touched.
public enum Provenance {
    public struct Verification: Sendable {
        /// The signer's user ID (the primary one, as gpgv reports it).
        public var signedBy: String
        /// The signing key's primary-key fingerprint, upper-case hex.
        public var fingerprint: String
        /// `sha256:HEX` of the verified archive.
        public var fileHash: String
    }

    /// Failures, worded as helm's provenance package words them where it has words.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
        init(_ d: String) { description = d }
    }

    /// helm's default keyring: $GNUPGHOME/pubring.gpg, else ~/.gnupg/pubring.gpg.
    public static func defaultKeyring(environment: [String: String]) -> String {
        if let g = environment["GNUPGHOME"] { return g + "/pubring.gpg" }
        return (environment["HOME"] ?? "") + "/.gnupg/pubring.gpg"
    }

    /// The text helm signs for an archive.
    public static func messageBlock(archive: [UInt8], fileName: String) throws -> String {
        let chart = try ChartLoader.load(archive: archive, name: fileName)
        let sums = try YAMLWriter.marshal(.map(["files": .map([fileName: .string("sha256:" + ChartCache.sha256(archive))])]))
        return try ChartShow.metadataYAML(chart.metadata) + "\n...\n" + sums
    }

    // MARK: signing

    /// The .prov text for an archive, signed with the secret key of `keyring` whose user ID is
    /// `key` or (helm's rule) the one user ID containing it.
    public static func sign(archive path: String, key: String, keyring: String, passphrase: [UInt8]?) throws -> String {
        if FileSystem.kind(path) == .directory { throw Failure("cannot sign a directory") }
        let archive = try FileSystem.read(path)
        let message = try messageBlock(archive: archive, fileName: String(path.split(separator: "/").last ?? ""))
        return try withGnuPGHome { home in
            guard FileSystem.kind(keyring) != .missing else { throw Failure("open \(keyring): no such file or directory") }
            _ = try gpg(home, ["--import", absolute(keyring)])
            let secret = try keys(home, secret: true)
            guard let signer = try pick(secret, id: key) else {
                if try pick(try keys(home, secret: false), id: key) != nil {
                    throw Failure("provided key is not a private key. Try providing a keyring with secret keys")
                }
                throw Failure("private key not found")
            }
            let input = home + "/message"
            // A trailing blank line, as helm's clear-signer leaves one: the signed text ends
            // with the message's own newline.
            try FileSystem.write(input, Array((message + "\n").utf8))
            var args = ["--pinentry-mode", "loopback", "--passphrase-fd", "0", "--digest-algo", "SHA512", "--local-user", signer.fingerprint,
                        "--clearsign", "--output", "-", input]
            if passphrase == nil { args.insert("--no-tty", at: 0) }
            let r = try Subprocess.run("gpg", ["--homedir", home, "--batch"] + args, input: (passphrase ?? []) + [0x0A], environment: environment(home))
            guard r.status == 0 else {
                let why = String(decoding: r.err, as: UTF8.self)
                if why.contains("Bad passphrase") || why.contains("No passphrase given") || why.contains("bad passphrase") {
                    throw Failure(passphrase == nil ? "the key \"\(signer.userIDs.first ?? key)\" is protected by a passphrase: give it with --passphrase-file (hrctl does not prompt)"
                                                    : "openpgp: invalid data: private key checksum failure")
                }
                throw Failure("gpg could not sign: " + why.trimmingCharacters())
            }
            return String(decoding: r.out, as: UTF8.self)
        }
    }

    // MARK: verifying

    /// Checks a .prov against an archive as helm's Verify does: the signature by a key of
    /// `keyring`, then the archive's sha256 under its file name.
    public static func verify(archive: [UInt8], fileName: String, provenance: [UInt8], keyring: String) throws -> Verification {
        guard FileSystem.kind(keyring) != .missing else { throw Failure("failed to load keyring: open \(keyring): no such file or directory") }
        guard let signed = clearSigned(provenance) else { throw Failure("failed to decode signature: signature block not found") }
        let verification = try withGnuPGHome { home -> Verification in
            let prov = home + "/chart.prov"
            try FileSystem.write(prov, provenance)
            let r = try Subprocess.run("gpgv", ["--homedir", home, "--status-fd", "1", "--keyring", absolute(keyring), prov], environment: environment(home))
            let status = String(decoding: r.out, as: UTF8.self).split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            func line(_ tag: String) -> [String]? { status.first { $0.count > 1 && $0[0] == "[GNUPG:]" && $0[1] == tag } }
            if line("NO_PUBKEY") != nil { throw Failure("openpgp: signature made by unknown entity") }
            if line("BADSIG") != nil { throw Failure("openpgp: invalid signature: hash tag doesn't match") }
            guard r.status == 0, let good = line("GOODSIG"), let valid = line("VALIDSIG"), valid.count > 11 else {
                throw Failure("openpgp: " + String(decoding: r.err, as: UTF8.self).trimmingCharacters())
            }
            return Verification(signedBy: percentDecoded(good.dropFirst(3).joined(separator: " ")), fingerprint: valid[11], fileHash: "")
        }
        guard let marker = signed.firstRange(of: "\n...\n") else { throw Failure("message block must have at least two parts") }
        let rest = signed[marker.upperBound...]
        let sums = try YAML.load(String(rest.firstRange(of: "\n...\n").map { rest[..<$0.lowerBound] } ?? rest))
        let sum = "sha256:" + ChartCache.sha256(archive)
        guard case .map(let root)? = sums, case .map(let files)? = root.entries["files"], let want = files.entries[fileName]?.stringValue else {
            throw Failure("provenance does not contain a SHA for a file named \"\(fileName)\"")
        }
        if want != sum { throw Failure("sha256 sum does not match for \(fileName): \"\(want)\" != \"\(sum)\"") }
        var v = verification
        v.fileHash = sum
        return v
    }

    /// The signed text of a clear-signed message (dash-escaping undone, line endings as they
    /// are), or nil when there is none.
    static func clearSigned(_ bytes: [UInt8]) -> String? {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        guard let start = lines.firstIndex(of: "-----BEGIN PGP SIGNED MESSAGE-----"),
              let blank = lines[start...].firstIndex(of: ""),
              let end = lines[blank...].firstIndex(of: "-----BEGIN PGP SIGNATURE-----") else { return nil }
        return lines[(blank + 1)..<end].map { $0.hasPrefix("- ") ? String($0.dropFirst(2)) : String($0) }.joined(separator: "\n")
    }

    // MARK: GnuPG

    struct Key { var fingerprint: String; var userIDs: [String] }

    /// helm's NewFromKeyring: an exact user ID wins; else the one key with a user ID containing
    /// `id` (two such keys are an error); nil when none.
    static func pick(_ keys: [Key], id: String) throws -> Key? {
        var candidate: Key?, vague = false
        for k in keys {
            for uid in k.userIDs {
                if uid == id { return k }
                if uid.contains(id) { if candidate != nil { vague = true }; candidate = k }
            }
        }
        if vague { throw Failure("more than one key contain the id \"\(id)\"") }
        return candidate
    }

    static func keys(_ home: String, secret: Bool) throws -> [Key] {
        let out = try gpg(home, ["--with-colons", "--fixed-list-mode", secret ? "--list-secret-keys" : "--list-keys"])
        var keys: [Key] = []
        var expectFingerprint = false
        for line in out.split(separator: "\n") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            switch f.first {
            case "pub", "sec": keys.append(Key(fingerprint: "", userIDs: [])); expectFingerprint = true
            case "sub", "ssb": expectFingerprint = false
            case "fpr" where expectFingerprint && f.count > 9: keys[keys.count - 1].fingerprint = f[9]; expectFingerprint = false
            case "uid" where !keys.isEmpty && f.count > 9: keys[keys.count - 1].userIDs.append(unescapeColons(f[9]))
            default: break
            }
        }
        return keys
    }

    /// A status line's %XX escapes undone.
    static func percentDecoded(_ s: String) -> String {
        var out: [UInt8] = [], b = Array(s.utf8), i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "%"), i + 2 < b.count, let v = UInt8(String(decoding: b[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                out.append(v); i += 3
            } else { out.append(b[i]); i += 1 }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// gpg's --with-colons escapes (`\x3a` for a colon and the like).
    static func unescapeColons(_ s: String) -> String {
        var out = "", i = s.startIndex
        while i < s.endIndex {
            if s[i] == "\\", s.distance(from: i, to: s.endIndex) >= 4, s[s.index(after: i)] == "x",
               let v = UInt8(s[s.index(i, offsetBy: 2)..<s.index(i, offsetBy: 4)], radix: 16) {
                out.append(Character(Unicode.Scalar(v)))
                i = s.index(i, offsetBy: 4)
            } else {
                out.append(s[i])
                i = s.index(after: i)
            }
        }
        return out
    }

    static func gpg(_ home: String, _ args: [String]) throws -> String {
        let r = try Subprocess.run("gpg", ["--homedir", home, "--batch", "--no-tty"] + args, environment: environment(home))
        guard r.status == 0 else { throw Failure("gpg \(args.last ?? ""): " + String(decoding: r.err, as: UTF8.self).trimmingCharacters()) }
        return String(decoding: r.out, as: UTF8.self)
    }

    static func environment(_ home: String) -> [String: String] {
        var env = Subprocess.environment
        env["GNUPGHOME"] = home
        env["LC_ALL"] = "C"
        return env
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buf = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buf, buf.count) != nil else { return path }
        return String(cString: buf) + "/" + path
    }

    /// A throw-away GnuPG home (mode 0700), its agent stopped and the folder removed after.
    static func withGnuPGHome<T>(_ body: (String) throws -> T) throws -> T {
        var template = Array("/tmp/hrctl-gnupg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure("cannot create a temporary GnuPG home") }
        let home = String(cString: made)
        defer {
            _ = try? Subprocess.run("gpgconf", ["--homedir", home, "--kill", "gpg-agent"], environment: environment(home))
            FileSystem.removeTree(home)
        }
        return try body(home)
    }
}
