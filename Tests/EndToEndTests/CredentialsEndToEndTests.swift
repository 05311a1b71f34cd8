// upx-login's credential sources through the built binary, against the stand-in: files,
// commands, systemd credentials, profiles, --check-config, and a hunt for leaked secrets.

import Foundation
import Testing

/// Writes `text` to `folder/name` with `mode` and returns the path.
@discardableResult
private func writeFile(_ text: String, _ name: String, in folder: URL, mode: Int = 0o600) throws -> String {
    let url = folder.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: false, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
    return url.path
}

/// Returns every regular file below `folder` with its content.
private func filesBelow(_ folder: URL) -> [(path: String, content: Data)] {
    guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
    var files: [(String, Data)] = []
    for case let url as URL in walker {
        if let data = try? Data(contentsOf: url) { files.append((url.path, data)) }
    }
    return files
}

@Suite("upx-login credential sources end to end")
struct CredentialsEndToEndTests {
    static let login = builtToolsFolder.appendingPathComponent("upx-login").path

    @Test("login takes each credential from another source")
    func loginFromEverySource() throws {
        let standIn = try StandIn()
        let keyctl = try Keyctl()
        let profile = uniqueProfile("creds")
        defer { try? keyctl.remove("upx:\(profile)") }
        let home = try makeTemporaryFolder("upx-e2e-creds")
        let secrets = try makeTemporaryFolder("upx-e2e-secrets")

        // PIN from a NAME_FILE, TOTP secret from a NAME_CMD, client secret from systemd's
        // credentials folder, the rest from the profile's env file, hosts from the environment.
        let pinFile = try writeFile(TestAccount.pin + "\n", "pin", in: secrets)
        try writeFile(TestAccount.totpSecret, "totp", in: secrets)
        try writeFile(TestAccount.clientSecret, "credentials/UPSTOX_CLIENT_SECRET", in: secrets, mode: 0o400)
        try writeFile(
            """
            UPSTOX_USERNAME=\(TestAccount.mobile)
            export UPSTOX_CLIENT_ID="\(TestAccount.clientID)"
            UPSTOX_REDIRECT_URI=\(TestAccount.redirectURI)  # the app's callback
            UPSTOX_TOTP_SECRET_CMD=cat '\(secrets.path)/totp'
            UPSTOX_SLEEP_TIME=10

            """, ".config/upx/\(profile).env", in: home)

        var environment = baseEnvironment(home: home.path)
        environment["UPSTOX_API_BASE_URL"] = standIn.baseURL
        environment["UPSTOX_SERVICE_BASE_URL"] = standIn.baseURL
        environment["UPSTOX_PIN_CODE_FILE"] = pinFile
        environment["CREDENTIALS_DIRECTORY"] = secrets.path + "/credentials"

        let check = try runCommand(Self.login, ["--check-config", "--profile", profile], environment: environment, directory: home)
        #expect(check.status == 0, "stdout: \(check.stdout) stderr: \(check.stderr)")
        #expect(check.stdout.contains("from UPSTOX_PIN_CODE_FILE (\(pinFile))"), "stdout: \(check.stdout)")
        #expect(check.stdout.contains("from UPSTOX_TOTP_SECRET_CMD"), "stdout: \(check.stdout)")
        #expect(check.stdout.contains("from \(secrets.path)/credentials/UPSTOX_CLIENT_SECRET"), "stdout: \(check.stdout)")
        #expect(try standIn.totalRequests() == 0, "--check-config sent a request")

        let result = try runCommand(Self.login, ["--print", "--profile", profile], environment: environment, directory: home)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.split(separator: ".").count == 3, "stdout: \(result.stdout)")
        #expect(try standIn.requestCount("token") == 1)
    }

    @Test("env file option and variable")
    func envFileOptionAndVariable() throws {
        let standIn = try StandIn()
        let keyctl = try Keyctl()
        let profile = uniqueProfile("envfile")
        defer { try? keyctl.remove("upx:\(profile)") }
        let folder = try makeTemporaryFolder("upx-e2e-envfile")
        var environment = standIn.loginEnvironment(home: folder.path)
        let pin = environment.removeValue(forKey: "UPSTOX_PIN_CODE")!
        let file = try writeFile("UPSTOX_PIN_CODE=\(pin)\n", "chosen.env", in: folder)

        let missing = try runCommand(Self.login, ["--print", "-P", profile, "--env-file", "absent.env"], environment: environment, directory: folder)
        #expect(missing.status == 3)
        #expect(missing.stderr == "upx-login: cannot read \(folder.path)/absent.env: no such file (named by --env-file)\n")

        environment["UPSTOX_ENV_FILE"] = file
        let viaVariable = try runCommand(Self.login, ["--print", "-P", profile], environment: environment, directory: folder)
        #expect(viaVariable.status == 0, "stderr: \(viaVariable.stderr)")
        #expect(try standIn.requestCount("token") == 1)
    }

    @Test("check-config exits 3 on invalid credential")
    func checkConfigInvalid() throws {
        let folder = try makeTemporaryFolder("upx-e2e-check")
        var environment = baseEnvironment(home: folder.path)
        environment["UPSTOX_USERNAME"] = "98765"
        environment["UPSTOX_PIN_CODE"] = TestAccount.pin

        let result = try runCommand(Self.login, ["--check-config", "-P", uniqueProfile()], environment: environment, directory: folder)
        #expect(result.status == 3)
        #expect(result.stdout.contains("UPSTOX_USERNAME"), "stdout: \(result.stdout)")
        #expect(result.stdout.contains("expected a 10-digit mobile number"), "stdout: \(result.stdout)")
        #expect(result.stdout.contains("missing"), "stdout: \(result.stdout)")
        #expect(result.stdout.contains(TestAccount.pin) == false)
    }

    @Test("unsafe env file rejected before requests")
    func unsafeEnvFileRejected() throws {
        let standIn = try StandIn()
        let folder = try makeTemporaryFolder("upx-e2e-unsafe")
        var environment = standIn.loginEnvironment(home: folder.path)
        environment["UPSTOX_PIN_CODE"] = nil
        let file = try writeFile("UPSTOX_PIN_CODE=\(TestAccount.pin)\n", ".env", in: folder, mode: 0o644)

        // The default profile is the one that reads ./.env. A fresh session keyring keeps a token
        // cached in the user keyring by someone else out of the way.
        let keyctl = try Keyctl()
        environment["UPX_KEYRING"] = "session"
        let result = try runCommand(
            keyctl.path, ["session", "-", Self.login, "--print", "-P", "default"], environment: environment, directory: folder)
        #expect(result.status == 3)
        #expect(result.stdout.isEmpty)
        // keyctl session reports the keyring it joined on the first line.
        let message = result.stderr.split(separator: "\n").dropFirst().joined(separator: "\n")
        #expect(message.hasPrefix("upx-login: cannot use \(file): mode 0644"), "stderr: \(result.stderr)")
        #expect(message.hasSuffix("(run: upx-perm --fix \(file))"), "stderr: \(result.stderr)")
        #expect(try standIn.totalRequests() == 0)
    }

    @Test("file of another user rejected for ordinary user")
    func otherUsersFileRejected() throws {
        guard let user = try TestUser.make() else {
            Issue.record("needs root to create the test user")
            return
        }
        let folder = try makeTemporaryFolder("upx-e2e-owner")
        // Readable by everyone, so only the owner check can reject it.
        let file = try writeFile("UPSTOX_PIN_CODE=\(TestAccount.pin)\n", "root.env", in: folder, mode: 0o600)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        let tools = try toolsFolderForAllUsers.get()

        var environment = baseEnvironment(home: user.home)
        environment["UPSTOX_ENV_FILE"] = file
        let result = try user.run([tools.appendingPathComponent("upx-login").path, "--check-config"], environment: environment)
        #expect(result.status == 3)
        #expect(result.stdout.contains("cannot use \(file): it is owned by uid 0, not by you"), "stdout: \(result.stdout)")
    }

    @Test("list profiles shows files and tokens")
    func listProfiles() throws {
        let home = try makeTemporaryFolder("upx-e2e-list")
        try writeFile("", ".config/upx/zeta.env", in: home)
        try writeFile("", ".config/upx/alpha.env", in: home)

        let result = try runCommand(Self.login, ["--list-profiles"], environment: baseEnvironment(home: home.path), directory: home)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        // Profiles with a file come first; keys that other tests left in root's user keyring follow.
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count >= 2, "stdout: \(result.stdout)")
        #expect(lines.first?.hasPrefix("alpha ") == true, "stdout: \(result.stdout)")
        #expect(lines.dropFirst().first?.contains("\(home.path)/.config/upx/zeta.env") == true, "stdout: \(result.stdout)")
        #expect(lines.dropFirst(2).allSatisfy { $0.contains("(no env file)") }, "stdout: \(result.stdout)")
    }

    @Test("canary secrets never leak")
    func canariesNeverLeak() throws {
        let canary = (
            pin: "739146", totp: "CANARYTOTPSECRETCANARYTOTPSECRET", clientSecret: "canary-client-secret-5f1c9e",
            password: "canary-password-d41d")
        let standIn = try StandIn([
            "--pin", canary.pin, "--totp-secret", canary.totp, "--client-secret", canary.clientSecret,
        ])
        let keyctl = try Keyctl()
        let profile = uniqueProfile("canary")
        defer { try? keyctl.remove("upx:\(profile)") }
        let work = try makeTemporaryFolder("upx-e2e-canary-work")
        let secrets = try makeTemporaryFolder("upx-e2e-canary-secrets")
        try writeFile(canary.clientSecret + "\n", "client-secret", in: secrets)

        // The command records its own command line and environment, and upx-login's command
        // line, into the work folder, whose files are all searched below.
        let recorder = """
            tr '\\0' ' ' < /proc/$$/cmdline > '\(work.path)/command-cmdline'
            tr '\\0' ' ' < /proc/$PPID/cmdline > '\(work.path)/upx-cmdline'
            tr '\\0' '\\n' < /proc/$$/environ > '\(work.path)/command-environ'
            cat '\(secrets.path)/client-secret'
            """
        var environment = standIn.loginEnvironment(home: work.path)
        environment["UPSTOX_PIN_CODE"] = canary.pin
        environment["UPSTOX_TOTP_SECRET"] = canary.totp
        environment["UPSTOX_CLIENT_SECRET"] = nil
        environment["UPSTOX_CLIENT_SECRET_CMD"] = recorder
        environment["UPSTOX_PASSWORD"] = canary.password
        environment["XDG_RUNTIME_DIR"] = work.path + "/runtime"
        environment["TMPDIR"] = work.path + "/tmp"
        for folder in ["runtime", "tmp"] {
            try FileManager.default.createDirectory(
                at: work.appendingPathComponent(folder), withIntermediateDirectories: false,
                attributes: [.posixPermissions: 0o700])
        }

        let check = try runCommand(Self.login, ["--check-config", "-P", profile, "--debug"], environment: environment, directory: work)
        #expect(check.status == 0, "stdout: \(check.stdout) stderr: \(check.stderr)")
        let run = try runCommand(Self.login, ["--export", "-P", profile, "--debug"], environment: environment, directory: work)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("UPSTOX_PASSWORD"), "the unused password was not reported: \(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count >= 7, "--debug printed too little: \(run.stderr)")

        let recorded = filesBelow(work)
        #expect(recorded.contains { $0.path.hasSuffix("command-environ") }, "the command did not run")
        let upxCommandLine = recorded.first { $0.path.hasSuffix("upx-cmdline") }.map { String(decoding: $0.content, as: UTF8.self) }
        #expect(upxCommandLine?.contains("upx-login") == true, "the command's parent was not upx-login")
        for (label, value) in [("PIN", canary.pin), ("TOTP secret", canary.totp), ("client secret", canary.clientSecret), ("password", canary.password)] {
            for output in [check.stdout, check.stderr, run.stdout, run.stderr] {
                #expect(output.contains(value) == false, "the \(label) appeared in output: \(output)")
            }
            for file in recorded {
                #expect(file.content.range(of: Data(value.utf8)) == nil, "the \(label) appeared in \(file.path)")
            }
        }
    }
}
