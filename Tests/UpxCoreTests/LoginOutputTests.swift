// upx-login's stdout formats, the choice between them and --exec, and the environment an
// exec'd command gets.

import FoundationEssentials
import Glibc
import Testing
@testable import UpxCore

/// 2026-03-10 00:00:00 UTC.
private let now: Int64 = 1_773_100_800

private let record = TokenRecord(
    accessToken: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3QUIxMjMifQ.sig-_nature", extendedToken: nil,
    userID: "7AB123", userName: "Asha Rao", issuedAt: now - 600, expiresAt: now + 3_600)

private let freshLocation = TokenLocation(
    profile: "work", keyName: "upx:work", keyringName: "user", keyID: 123_456_789, source: .login)

private func request(_ arguments: [String]) throws(UsageError) -> LoginOutputRequest {
    let parsed = try ArgumentParser(options: LoginCommand.info.options, stopAtFirstOperand: true).parse(arguments)
    return try LoginOutputRequest(parsed)
}

private func requestError(_ arguments: [String]) -> UsageError? {
    do throws(UsageError) {
        _ = try request(arguments)
        return nil
    } catch {
        return error
    }
}

// MARK: - Choosing the output

@Test(arguments: [
    ([], nil), (["--export"], LoginOutputFormat.export), (["-e"], .export), (["--print"], .token), (["-p"], .token),
    (["--json"], .json), (["--format", "env"], .env), (["--format=json"], .json), (["--format", "token"], .token),
    (["--export", "--format", "export"], .export), (["-p", "-p"], .token), (["--json", "--format", "json"], .json),
] as [([String], LoginOutputFormat?)])
func loginOutputRequestFormat(_ arguments: [String], _ expected: LoginOutputFormat?) throws {
    let parsed = try request(arguments)
    #expect(parsed.format == expected)
    #expect(parsed.command == nil)
    #expect(parsed.shell == nil)
}

@Test(arguments: [
    (["--export", "--print"], UsageError.conflictingOptions("--export", "--print")),
    (["--print", "--json"], .conflictingOptions("--print", "--json")),
    (["--json", "--format", "env"], .conflictingOptions("--json", "--format env")),
    (["--format", "env", "--format", "token"], .conflictingOptions("--format env", "--format token")),
    (["--export", "--format", "json"], .conflictingOptions("--export", "--format json")),
    (["--print", "--exec", "true"], .conflictingOptions("--print", "--exec")),
    (["--json", "exec", "true"], .conflictingOptions("--json", "exec")),
    (["--format", "yaml"], .invalidValue(option: "--format", value: "yaml", reason: "expected export, env, json or token")),
])
func loginOutputRequestConflict(_ arguments: [String], _ expected: UsageError) {
    #expect(requestError(arguments) == expected)
}

@Test func loginOutputRequestConflictExitsTwo() {
    #expect(requestError(["--export", "--json"])?.exitCode == .usage)
}

@Test(arguments: [("fish", ShellKind.fish), ("tcsh", .csh), ("csh", .csh), ("zsh", .zsh), ("sh", .sh)])
func loginOutputRequestShell(_ name: String, _ expected: ShellKind) throws {
    #expect(try request(["--export", "--shell", name]).shell == expected)
    #expect(try request(["--format", "export", "--shell=\(name)"]).shell == expected)
}

@Test func loginOutputRequestShellInvalid() {
    #expect(requestError(["--export", "--shell", "powershell"]) == .invalidValue(
        option: "--shell", value: "powershell", reason: "expected \(ShellKind.optionValues)"))
}

@Test(arguments: [["--shell", "fish"], ["--print", "--shell", "fish"], ["--json", "--shell", "sh"], ["--shell", "sh", "--exec", "true"]])
func loginOutputRequestShellNeedsExport(_ arguments: [String]) {
    #expect(requestError(arguments) == .requiresOption("--shell", "--export"))
}

// MARK: - The command for --exec

@Test(arguments: [
    (["--exec", "--", "sh", "-c", "exit 42"], ["sh", "-c", "exit 42"]),
    (["--exec", "sh", "-c", "exit 42"], ["sh", "-c", "exit 42"]),
    (["exec", "--", "sh", "-c", "exit 42"], ["sh", "-c", "exit 42"]),
    (["exec", "sh", "-c", "exit 42"], ["sh", "-c", "exit 42"]),
    (["--profile", "work", "-q", "exec", "env"], ["env"]),
    (["--exec", "--", "-dash-first"], ["-dash-first"]),
    (["exec", "--", "-dash-first", "--"], ["-dash-first", "--"]),
    (["--exec", "exec", "--", "printenv"], ["printenv"]),
    (["exec", "--", "--"], ["--"]),
])
func loginOutputRequestCommand(_ arguments: [String], _ expected: [String]) throws {
    let parsed = try request(arguments)
    #expect(parsed.command == expected)
    #expect(parsed.format == nil)
}

@Test(arguments: [["--exec"], ["--exec", "--"], ["exec"], ["exec", "--"], ["-q", "exec", "--"]])
func loginOutputRequestExecWithoutCommand(_ arguments: [String]) {
    #expect(requestError(arguments) == .missingArgument("COMMAND to run with the token"))
}

@Test func loginOutputRequestOptionAfterExec() {
    #expect(requestError(["exec", "--force", "true"]) == .invalidValue(
        option: "exec", value: "--force",
        reason: "put upx-login's options before exec, and a command starting with '-' after '--'"))
}

@Test(arguments: [["work"], ["--export", "work"], ["env", "true"]])
func loginOutputRequestOperandWithoutExec(_ arguments: [String]) {
    #expect(requestError(arguments) == .unexpectedArgument(arguments.last == "true" ? "env" : "work"))
}

// MARK: - Formats

@Test func loginOutputToken() throws {
    let text = try LoginOutput.text(.token, shell: .sh, record: record, location: freshLocation, now: Date(unixSeconds: now))
    #expect(text == record.accessToken + "\n")
}

@Test func loginOutputExportPOSIX() throws {
    let text = try LoginOutput.text(.export, shell: .bash, record: record, location: freshLocation, now: Date(unixSeconds: now))
    #expect(text == """
        export UPSTOX_ACCESS_TOKEN='\(record.accessToken)'
        export UPSTOX_TOKEN_EXPIRES_AT=\(now + 3_600)
        export UPSTOX_USER_ID='7AB123'

        """)
}

@Test func loginOutputExportFish() throws {
    let text = try LoginOutput.exportCommands(record, shell: .fish)
    #expect(text == """
        set -gx UPSTOX_ACCESS_TOKEN '\(record.accessToken)'
        set -gx UPSTOX_TOKEN_EXPIRES_AT \(now + 3_600)
        set -gx UPSTOX_USER_ID '7AB123'

        """)
}

@Test func loginOutputExportCsh() throws {
    let text = try LoginOutput.exportCommands(record, shell: .csh)
    #expect(text == """
        setenv UPSTOX_ACCESS_TOKEN '\(record.accessToken)';
        setenv UPSTOX_TOKEN_EXPIRES_AT \(now + 3_600);
        setenv UPSTOX_USER_ID '7AB123';

        """)
}

@Test func loginOutputCshRejectsLineFeed() {
    var withLineFeed = record
    withLineFeed.userID = "7AB\n123"
    #expect(throws: LoginOutputError(
        variable: "UPSTOX_USER_ID", format: "--shell csh", reason: "the value contains a line break, which csh cannot quote")) {
        try LoginOutput.exportCommands(withLineFeed, shell: .csh)
    }
}

@Test(arguments: ShellKind.allCases)
func loginOutputExportRejectsNUL(_ shell: ShellKind) {
    var withNUL = record
    withNUL.userID = "7AB\u{0}123"
    #expect(throws: LoginOutputError.self) { try LoginOutput.exportCommands(withNUL, shell: shell) }
}

@Test func loginOutputEnvironmentLines() throws {
    let text = try LoginOutput.text(.env, shell: .fish, record: record, location: freshLocation, now: Date(unixSeconds: now))
    #expect(text == """
        UPSTOX_ACCESS_TOKEN=\(record.accessToken)
        UPSTOX_TOKEN_EXPIRES_AT=\(now + 3_600)
        UPSTOX_USER_ID=7AB123

        """)
}

@Test(arguments: [
    ("7AB\n123", "line break"), ("7AB\r123", "line break"), ("\"7AB\"", "quote"), ("7'AB", "quote"),
    (#"7AB\"#, "backslash"), (" 7AB", "blank"), ("7AB\t", "blank"), ("7AB\u{0}", "NUL"),
])
func loginOutputEnvironmentRejects(_ userID: String, _ reasonWord: String) {
    var unusual = record
    unusual.userID = userID
    do {
        _ = try LoginOutput.environmentLines(unusual)
        Issue.record("\(userID.debugDescription) was written")
    } catch {
        #expect(error.variable == "UPSTOX_USER_ID")
        #expect(error.reason.contains(reasonWord), "reason: \(error.reason)")
        #expect(error.exitCode == .badInput)
    }
}

@Test(arguments: ["7AB 123", "$HOME", "ünï", "a#b", "a=b"])
func loginOutputEnvironmentAccepts(_ userID: String) throws {
    var unusual = record
    unusual.userID = userID
    #expect(try LoginOutput.environmentLines(unusual).hasSuffix("UPSTOX_USER_ID=\(userID)\n"))
}

// MARK: - JSON

@Test func loginOutputJSONOneLine() throws {
    let text = try LoginOutput.text(.json, shell: .sh, record: record, location: freshLocation, now: Date(unixSeconds: now))
    #expect(text.hasSuffix("}\n"))
    #expect(text.dropLast().contains("\n") == false)
}

@Test func loginOutputJSONFields() throws {
    let text = try LoginOutput.text(.json, shell: .sh, record: record, location: freshLocation, now: Date(unixSeconds: now))
    let object = try #require(JSONValue.parse(Array(text.utf8))?.object)
    #expect(object == [
        "profile": .string("work"), "key": .string("upx:work"), "keyring": .string("user"),
        "key_id": .number(123_456_789), "source": .string("login"),
        "user_id": .string("7AB123"), "user_name": .string("Asha Rao"),
        "access_token": .string(record.accessToken), "extended_token": .null,
        "issued_at": .number(Double(now - 600)), "expires_at": .number(Double(now + 3_600)),
        "seconds_left": .number(3_600),
    ])
}

@Test func loginOutputJSONCachedWithoutKeyID() throws {
    var withExtended = record
    withExtended.extendedToken = "extended-token-1"
    let location = TokenLocation(profile: "default", keyName: "upx:default", keyringName: "persistent", keyID: nil, source: .cache)
    let object = LoginOutput.json(withExtended, location: location, now: Date(unixSeconds: now), includingTokens: true)
    #expect(object["key_id"] == .null)
    #expect(object["source"] == .string("cache"))
    #expect(object["keyring"] == .string("persistent"))
    #expect(object["extended_token"] == .string("extended-token-1"))
}

@Test func loginOutputJSONWithoutTokens() throws {
    var withExtended = record
    withExtended.extendedToken = "extended-token-1"
    let object = try #require(
        LoginOutput.json(withExtended, location: freshLocation, now: Date(unixSeconds: now), includingTokens: false).object)
    #expect(object["access_token"] == nil)
    #expect(object["extended_token"] == nil)
    #expect(object.count == 10)
    let text = JSONValue.object(object).serialized()
    #expect(!text.contains(record.accessToken))
    #expect(!text.contains("extended-token-1"))
}

@Test func loginOutputJSONExpiredSecondsLeft() {
    let object = LoginOutput.json(record, location: freshLocation, now: Date(unixSeconds: now + 3_700), includingTokens: false)
    #expect(object["seconds_left"] == .number(-100))
}

@Test func loginOutputJSONEscapesUserName() throws {
    var unusual = record
    unusual.userName = "Ö \"quoted\"\n\\"
    let text = try LoginOutput.text(.json, shell: .sh, record: unusual, location: freshLocation, now: Date(unixSeconds: now))
    #expect(text.dropLast().contains("\n") == false)
    #expect(JSONValue.parse(Array(text.utf8))?["user_name"] == .string(unusual.userName))
}

// MARK: - The environment of an exec'd command

@Test func execEnvironmentRemovesSecrets() {
    var environment = ["PATH": "/usr/bin", "HOME": "/home/me", "UPSTOX_USERNAME": "9876543210", "UPSTOX_CLIENT_ID": "id"]
    for name in ["UPSTOX_PIN_CODE", "UPSTOX_TOTP_SECRET", "UPSTOX_CLIENT_SECRET", "UPSTOX_PASSWORD"] {
        environment[name] = "secret"
        environment[name + "_FILE"] = "/run/secrets/x"
        environment[name + "_CMD"] = "pass show x"
    }
    let result = ExecEnvironment.forCommand(environment, record: record)
    #expect(result == [
        "PATH": "/usr/bin", "HOME": "/home/me", "UPSTOX_USERNAME": "9876543210", "UPSTOX_CLIENT_ID": "id",
        "UPSTOX_ACCESS_TOKEN": record.accessToken, "UPSTOX_TOKEN_EXPIRES_AT": String(now + 3_600),
        "UPSTOX_USER_ID": "7AB123",
    ])
}

@Test func execEnvironmentReplacesOldToken() {
    let result = ExecEnvironment.forCommand(["UPSTOX_ACCESS_TOKEN": "old", "UPSTOX_USER_ID": "OLD"], record: record)
    #expect(result["UPSTOX_ACCESS_TOKEN"] == record.accessToken)
    #expect(result["UPSTOX_USER_ID"] == "7AB123")
}

@Test func execEnvironmentKeepsSimilarNames() {
    let environment = ["UPSTOX_PIN_CODE_HINT": "keep", "MY_UPSTOX_PIN_CODE": "keep", "upstox_pin_code": "keep"]
    #expect(ExecEnvironment.withoutSecrets(environment) == environment)
}

@Test func execEnvironmentCoversEverySecretSetting() {
    // Every setting that --check-config shows by length only is a secret.
    for rule in LoginSettings.rules where rule.display == .length {
        #expect(ExecEnvironment.secretNames.contains(rule.name), "\(rule.name) would reach the command")
    }
}

// MARK: - Exec failures

@Test func execErrorNotFound() {
    let error = ExecError(program: "no-such-upx-command", errorNumber: ENOENT)
    #expect(error.exitCode == .commandNotFound)
    #expect(error.exitCode.rawValue == 127)
    #expect(error.message == "cannot run 'no-such-upx-command': command not found in PATH; check its name or give its path")
}

@Test func execErrorNotExecutable() {
    let error = ExecError(program: "/etc/passwd", errorNumber: EACCES)
    #expect(error.exitCode == .commandNotExecutable)
    #expect(error.exitCode.rawValue == 126)
    #expect(error.message.hasPrefix("cannot run '/etc/passwd': Permission denied; "))
}

@Test func execErrorMissingPath() {
    let error = ExecError(program: "./missing", errorNumber: ENOENT)
    #expect(error.exitCode.rawValue == 127)
    #expect(error.message == "cannot run './missing': No such file or directory; check the path")
}

private extension Date {
    init(unixSeconds: Int64) {
        self.init(timeIntervalSince1970: Double(unixSeconds))
    }
}
