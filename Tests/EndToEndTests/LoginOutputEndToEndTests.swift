// upx-login's output read back by real bash, zsh, fish and tcsh, its env and JSON formats, and
// --exec, against the stand-in and the real kernel keyring.

import Foundation
import Testing

/// A JWT-shaped token whose segments contain every character a JWT can hold: A-Z, a-z, 0-9,
/// "-", "_" and ".". The stand-in issues it through --access-token.
private let everyJWTCharacterToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.ABCDEFGHIJKLMNOPQRSTUVWXYZ-abcdefghijklmnopqrstuvwxyz_0123456789.Zz9-_Yy8xX7wW6vV5"

/// A stand-in that issues `everyJWTCharacterToken`, a profile no other test uses, and a home
/// folder of its own, because fish creates folders in HOME. `deinit` removes the key and the folder.
private final class OutputFixture {
    let keyctl: Keyctl
    let standIn: StandIn
    let profile = uniqueProfile("e2e-out")
    let home: URL
    let login = builtToolsFolder.appendingPathComponent("upx-login").path

    init(_ standInArguments: [String] = []) throws {
        keyctl = try Keyctl()
        standIn = try StandIn(["--access-token", everyJWTCharacterToken] + standInArguments)
        home = try makeTemporaryFolder("upx-e2e-home")
    }

    deinit {
        try? keyctl.remove("upx:\(profile)")
        try? FileManager.default.removeItem(at: home)
    }

    var environment: [String: String] { standIn.loginEnvironment(home: home.path) }

    /// Runs upx-login with `arguments` and this fixture's profile.
    func runLogin(_ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
        try runCommand(login, ["--profile", profile] + arguments, environment: environment ?? self.environment)
    }
}

/// A shell, how to run a script in it, and how its script reads upx-login's export output.
struct EvaluatingShell: Sendable, CustomTestStringConvertible {
    let name: String
    let package: String
    let arguments: [String]
    /// Returns a script that evaluates `upx-login --export` with the given options, then
    /// prints `$UPSTOX_ACCESS_TOKEN` with no line end.
    let script: @Sendable (_ options: String) -> String
    /// The start of the first line that --export writes for this shell.
    let exportPrefix: String

    var testDescription: String { name }

    static let bash = EvaluatingShell(
        name: "bash", package: "bash", arguments: ["--norc", "--noprofile", "-c"],
        script: { options in #"eval "$(upx-login --export \#(options))" || exit 9; printf %s "$UPSTOX_ACCESS_TOKEN""# },
        exportPrefix: "export UPSTOX_ACCESS_TOKEN='")
    static let zsh = EvaluatingShell(
        name: "zsh", package: "zsh", arguments: ["-f", "-c"],
        script: { options in #"eval "$(upx-login --export \#(options))" || exit 9; printf %s "$UPSTOX_ACCESS_TOKEN""# },
        exportPrefix: "export UPSTOX_ACCESS_TOKEN='")
    static let fish = EvaluatingShell(
        name: "fish", package: "fish", arguments: ["--no-config", "-c"],
        script: { options in "upx-login --export \(options) | source; or exit 9; printf %s \"$UPSTOX_ACCESS_TOKEN\"" },
        exportPrefix: "set -gx UPSTOX_ACCESS_TOKEN '")
    static let tcsh = EvaluatingShell(
        name: "tcsh", package: "tcsh", arguments: ["-f", "-c"],
        script: { options in "eval \"`upx-login --export \(options)`\" && printf %s \"$UPSTOX_ACCESS_TOKEN\"" },
        exportPrefix: "setenv UPSTOX_ACCESS_TOKEN '")

    static let all = [bash, zsh, fish, tcsh]

    /// The --shell value for this shell.
    var shellOption: String { name == "tcsh" ? "csh" : name }
}

@Suite("upx-login output for shells")
struct LoginOutputEndToEndTests {
    @Test("eval with --shell reads token", arguments: EvaluatingShell.all)
    func evalWithShellReadsToken(shell: EvaluatingShell) throws {
        let fixture = try OutputFixture()
        let program = try requireProgram(shell.name, package: shell.package)

        let script = shell.script("--shell \(shell.shellOption) --profile \(fixture.profile)")
        let result = try runCommand(program, shell.arguments + [script], environment: fixture.environment)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == everyJWTCharacterToken)
        #expect(try fixture.standIn.issuedTokens() == [everyJWTCharacterToken])
    }

    @Test("eval without --shell reads token", arguments: EvaluatingShell.all)
    func evalWithoutShellReadsToken(shell: EvaluatingShell) throws {
        let fixture = try OutputFixture()
        let program = try requireProgram(shell.name, package: shell.package)

        let script = shell.script("--profile \(fixture.profile)")
        let result = try runCommand(program, shell.arguments + [script], environment: fixture.environment)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == everyJWTCharacterToken)
    }

    @Test("parent shell picks syntax", arguments: EvaluatingShell.all)
    func parentShellPicksSyntax(shell: EvaluatingShell) throws {
        let fixture = try OutputFixture()
        let program = try requireProgram(shell.name, package: shell.package)

        // Each shell starts upx-login itself, so the shell is its parent process.
        let result = try runCommand(
            program, shell.arguments + ["upx-login --export --quiet --profile \(fixture.profile)"],
            environment: fixture.environment)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.hasPrefix(shell.exportPrefix + everyJWTCharacterToken + "'"), "output: \(result.stdout)")
    }

    @Test("other parent gets POSIX syntax", arguments: EvaluatingShell.all)
    func otherParentGetsPOSIXSyntax(shell: EvaluatingShell) throws {
        let fixture = try OutputFixture()
        let program = try requireProgram(shell.name, package: shell.package)

        // timeout(1) forks, so upx-login's parent is timeout and not the shell.
        let result = try runCommand(
            program, shell.arguments + ["timeout 60 upx-login --export --quiet --profile \(fixture.profile)"],
            environment: fixture.environment)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.hasPrefix("export UPSTOX_ACCESS_TOKEN='\(everyJWTCharacterToken)'\n"), "output: \(result.stdout)")
    }

    @Test("dash parent gets POSIX syntax")
    func dashParentGetsPOSIXSyntax() throws {
        let fixture = try OutputFixture()
        let result = try runCommand(
            "/bin/sh", ["-c", #"eval "$(upx-login --export --profile \#(fixture.profile))" && printf %s "$UPSTOX_USER_ID""#],
            environment: fixture.environment)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == TestAccount.userID)
    }

    @Test("export sets all three variables")
    func exportSetsAllThreeVariables() throws {
        let fixture = try OutputFixture()
        let bash = try requireProgram("bash", package: "bash")
        let script = """
            eval "$(upx-login --export --profile \(fixture.profile))" || exit 9
            printf '%s\\n' "$UPSTOX_ACCESS_TOKEN" "$UPSTOX_TOKEN_EXPIRES_AT" "$UPSTOX_USER_ID"
            """
        let result = try runCommand(bash, ["-c", script], environment: fixture.environment)
        #expect(result.status == 0, "stderr: \(result.stderr)")

        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 4)
        #expect(lines.first == everyJWTCharacterToken)
        // A token without an exp claim expires at the next 03:30 IST, which is 22:00 UTC.
        #expect((Int(lines.dropFirst().first ?? "") ?? 0) % 86_400 == 22 * 3600)
        #expect(lines.dropFirst(2).first == TestAccount.userID)
    }

    @Test("failed login leaves stdout empty")
    func failedLoginLeavesStdoutEmpty() throws {
        let fixture = try OutputFixture(["--fail", "token:http500"])
        for format in [["--export"], ["--export", "--shell", "fish"], ["--export", "--shell", "csh"], ["--json"],
                       ["--format", "env"], ["--print"]] {
            // --force passes upx-login's limit of 5 logins in 5 minutes, which these 6 runs would reach.
            let result = try fixture.runLogin(format + ["--force"])
            #expect(result.status == 5, "\(format): stderr: \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(format) printed \(result.stdout)")
            #expect(!result.stderr.isEmpty)
        }
        #expect(try fixture.keyctl.search("upx:\(fixture.profile)") == nil)
    }

    @Test("failed login makes eval do nothing")
    func failedLoginMakesEvalDoNothing() throws {
        let fixture = try OutputFixture(["--fail", "token:http500"])
        let bash = try requireProgram("bash", package: "bash")
        let script = #"eval "$(upx-login --export --profile \#(fixture.profile))"; printf %s "${UPSTOX_ACCESS_TOKEN-unset}""#
        let result = try runCommand(bash, ["-c", script], environment: fixture.environment)
        #expect(result.stdout == "unset")
    }
}

@Suite("upx-login env and JSON output")
struct LoginRecordOutputEndToEndTests {
    @Test("env format parses back")
    func envFormatParsesBack() throws {
        let fixture = try OutputFixture()
        let result = try fixture.runLogin(["--format", "env"])
        #expect(result.status == 0, "stderr: \(result.stderr)")

        var values: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            try #require(parts.count == 2, "not KEY=VALUE: \(line)")
            values[parts[0]] = parts[1]
        }
        #expect(values.count == 3)
        #expect(values["UPSTOX_ACCESS_TOKEN"] == everyJWTCharacterToken)
        #expect(values["UPSTOX_USER_ID"] == TestAccount.userID)
        #expect(Int(values["UPSTOX_TOKEN_EXPIRES_AT"] ?? "") != nil)
    }

    @Test("env format read by env")
    func envFormatReadByEnv() throws {
        let fixture = try OutputFixture()
        let bash = try requireProgram("bash", package: "bash")
        // Each KEY=VALUE line is an assignment that env(1) takes as it is.
        let script = #"env $(upx-login --format env --quiet --profile \#(fixture.profile)) printenv UPSTOX_ACCESS_TOKEN"#
        let result = try runCommand(bash, ["-c", script], environment: fixture.environment)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == everyJWTCharacterToken + "\n")
    }

    @Test("json after login and from cache")
    func jsonAfterLoginAndFromCache() throws {
        let fixture = try OutputFixture()
        let first = try fixture.runLogin(["--json"])
        #expect(first.status == 0, "stderr: \(first.stderr)")
        #expect(first.stdout.hasSuffix("}\n"))
        #expect(first.stdout.dropLast().contains("\n") == false)

        let fresh = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let keyID = try #require(try fixture.keyctl.search("upx:\(fixture.profile)"))
        #expect(fresh["access_token"] as? String == everyJWTCharacterToken)
        #expect(fresh["source"] as? String == "login")
        #expect(fresh["key_id"] as? Int == Int(keyID))
        #expect(fresh["profile"] as? String == fixture.profile)
        #expect(fresh["key"] as? String == "upx:\(fixture.profile)")
        #expect(fresh["keyring"] as? String == "user")
        #expect(fresh["user_id"] as? String == TestAccount.userID)
        #expect(fresh["user_name"] as? String == "Test User")
        #expect(fresh["extended_token"] is NSNull)
        let expiresAt = try #require(fresh["expires_at"] as? Int)
        let secondsLeft = try #require(fresh["seconds_left"] as? Int)
        #expect(abs(expiresAt - Int(Date().timeIntervalSince1970) - secondsLeft) <= 2)
        #expect(fresh["issued_at"] as? Int ?? 0 <= Int(Date().timeIntervalSince1970))

        let second = try fixture.runLogin(["--json"])
        let cached = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        #expect(cached["source"] as? String == "cache")
        #expect(cached["key_id"] as? Int == fresh["key_id"] as? Int)
        #expect(cached["access_token"] as? String == everyJWTCharacterToken)
        #expect(cached["expires_at"] as? Int == expiresAt)
        #expect(try fixture.standIn.requestCount("token") == 1)
    }

    @Test("two output options exit 2")
    func twoOutputOptionsExitTwo() throws {
        let fixture = try OutputFixture()
        let result = try fixture.runLogin(["--json", "--format", "env"])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "upx-login: options '--json' and '--format env' cannot be used together (see 'upx-login --help')\n")
        #expect(try fixture.standIn.totalRequests() == 0)
    }
}

/// How a process ended: its exit status, or the signal that ended it.
private struct Ending: Equatable {
    var exitStatus: Int32?
    var signal: Int32?
}

/// Runs a program with Foundation's Process and returns how it ended.
private func ending(of executable: String, _ arguments: [String], environment: [String: String]) throws -> Ending {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = environment
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationReason == .uncaughtSignal
        ? Ending(signal: process.terminationStatus) : Ending(exitStatus: process.terminationStatus)
}

@Suite("upx-login --exec")
struct LoginExecEndToEndTests {
    @Test("exit status is the command's")
    func exitStatusIsTheCommands() throws {
        let fixture = try OutputFixture()
        let result = try fixture.runLogin(["--exec", "--", "sh", "-c", "exit 42"])
        #expect(result.status == 42, "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)

        // A second run takes the cached token and still passes the status on.
        let again = try fixture.runLogin(["-q", "exec", "sh", "-c", "exit 42"])
        #expect(again.status == 42, "stderr: \(again.stderr)")
        #expect(try fixture.standIn.requestCount("token") == 1)
    }

    @Test("SIGTERM ends the command")
    func sigtermEndsTheCommand() throws {
        let fixture = try OutputFixture()
        let arguments = ["--profile", fixture.profile, "--exec", "--", "sh", "-c", "kill -TERM $$; exit 3"]
        let direct = try ending(of: fixture.login, arguments, environment: fixture.environment)
        #expect(direct == Ending(signal: SIGTERM))

        let bash = try requireProgram("bash", package: "bash")
        let script = #"upx-login -q --profile \#(fixture.profile) --exec -- sh -c 'kill -TERM $$; exit 3'; echo "status $?""#
        let result = try runCommand(bash, ["-c", script], environment: fixture.environment)
        #expect(result.stdout == "status 143\n")
    }

    @Test("ignored SIGHUP stays ignored")
    func ignoredSIGHUPStaysIgnored() throws {
        let fixture = try OutputFixture()
        // As under nohup: the parent ignores SIGHUP, so the command survives one.
        let script = #"trap '' HUP; exec upx-login -q --profile \#(fixture.profile) --exec -- sh -c 'kill -HUP $$; echo survived'"#
        let result = try runCommand("/bin/sh", ["-c", script], environment: fixture.environment)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == "survived\n")
    }

    @Test("command sees token, not secrets")
    func commandSeesTokenNotSecrets() throws {
        let fixture = try OutputFixture()
        var environment = fixture.environment
        environment["UPSTOX_PIN_CODE_FILE"] = "/nonexistent-upx-pin"
        environment["UPSTOX_CLIENT_SECRET_CMD"] = "false"
        environment["UPX_E2E_MARKER"] = "kept"
        let names = [
            "UPSTOX_ACCESS_TOKEN", "UPSTOX_USER_ID", "UPX_E2E_MARKER", "UPSTOX_USERNAME", "UPSTOX_PIN_CODE",
            "UPSTOX_TOTP_SECRET", "UPSTOX_CLIENT_SECRET", "UPSTOX_PIN_CODE_FILE", "UPSTOX_CLIENT_SECRET_CMD",
        ]
        let script = names.map { "printf '%s\\n' \"${\($0)-unset}\"" }.joined(separator: "; ")

        let result = try fixture.runLogin(["exec", "--", "sh", "-c", script], environment: environment)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [
            everyJWTCharacterToken, TestAccount.userID, "kept", TestAccount.mobile,
            "unset", "unset", "unset", "unset", "unset",
        ])
        #expect(!result.stdout.contains(TestAccount.pin))
        #expect(!result.stdout.contains(TestAccount.totpSecret))
        #expect(!result.stdout.contains(TestAccount.clientSecret))
    }

    @Test("command gets no extra descriptors")
    func commandGetsNoExtraDescriptors() throws {
        let fixture = try OutputFixture()
        let bash = try requireProgram("bash", package: "bash")
        // Descriptors that other tests' pipes leak into this process's children are closed
        // first, so that only descriptors upx-login opens could differ.
        func listing(after prefix: String) -> String {
            """
            for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null
            exec \(prefix) sh -c 'ls /proc/$$/fd'
            """
        }
        let direct = try runCommand(bash, ["-c", listing(after: "")], environment: fixture.environment)
        #expect(direct.status == 0, "stderr: \(direct.stderr)")

        // --force logs in, so the login lock and the HTTP connections were open before the exec.
        let prefix = "upx-login -q --force --profile \(fixture.profile) --exec --"
        let result = try runCommand(bash, ["-c", listing(after: prefix)], environment: fixture.environment)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == direct.stdout)
        #expect(direct.stdout == "0\n1\n2\n")
    }

    @Test("missing command exits 127")
    func missingCommandExits127() throws {
        let fixture = try OutputFixture()
        let result = try fixture.runLogin(["--exec", "--", "upx-e2e-no-such-command", "x"])
        #expect(result.status == 127)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasSuffix(
            "upx-login: cannot run 'upx-e2e-no-such-command': command not found in PATH; check its name or give its path\n"))
    }

    @Test("unexecutable command exits 126")
    func unexecutableCommandExits126() throws {
        let fixture = try OutputFixture()
        let file = fixture.home.appendingPathComponent("not-executable")
        try Data("#!/bin/sh\nexit 0\n".utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)

        // Root may run any file with an execute bit, so this one has none.
        let result = try fixture.runLogin(["-q", "--exec", "--", file.path])
        #expect(result.status == 126)
        #expect(result.stderr.contains("cannot run '\(file.path)': Permission denied"))
    }

    @Test("exec without command exits 2")
    func execWithoutCommandExitsTwo() throws {
        let fixture = try OutputFixture()
        for arguments in [["--exec"], ["exec", "--"]] {
            let result = try fixture.runLogin(arguments)
            #expect(result.status == 2, "\(arguments): stderr: \(result.stderr)")
            #expect(result.stderr.contains("missing argument COMMAND"))
        }
        #expect(try fixture.standIn.totalRequests() == 0)
    }
}
