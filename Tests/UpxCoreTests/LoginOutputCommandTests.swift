// upx-login run in-process with the output options: what reaches stdout after a cached
// token, a login or a failure.

import FoundationEssentials
import Testing
@testable import UpxCore

/// 2026-03-10 00:00:00 UTC.
private let now: Int64 = 1_773_100_800

/// Runs upx-login with a fixed clock, `keyring` and the fake Upstox, and returns the exit
/// status, stdout and stderr.
private func runLogin(
    _ arguments: [String], keyring: MemoryKeyring = MemoryKeyring(), server: FakeUpstox = FakeUpstox()
) -> (status: Int32, output: String, error: String) {
    var output = ""
    var error = ""
    let streams = Streams(out: { output += $0 }, err: { error += $0 }, readInput: { nil })
    let status = runLoginCommand(arguments, environment: loginEnvironment) { environment in
        Context(
            environment: environment, clock: FixedClock(unixSeconds: Double(now)), streams: streams, keyring: keyring,
            makeTransport: { server.makeTransport() }, workingDirectory: "/nonexistent-upx-test")
    }
    return (status, output, error)
}

/// Returns a keyring containing a record for profile `default` with an hour left.
private func cachedKeyring(userID: String = "CACHED1") -> MemoryKeyring {
    let record = TokenRecord(
        accessToken: "cached-token", extendedToken: nil, userID: userID, userName: "Cached User",
        issuedAt: now - 3_600, expiresAt: now + 3_600)
    let keyring = MemoryKeyring()
    _ = try? keyring.store(name: "upx:default", payload: record.encoded(), timeoutSeconds: 3_600)
    return keyring
}

@Test func loginOutputCommandJSONAfterLogin() throws {
    let keyring = MemoryKeyring()
    let run = runLogin(["--json", "--quiet"], keyring: keyring)
    #expect(run.status == 0, "stderr: \(run.error)")
    #expect(run.error.isEmpty)

    let object = try #require(JSONValue.parse(Array(run.output.utf8)))
    #expect(object["source"] == .string("login"))
    #expect(object["profile"] == .string("default"))
    #expect(object["key"] == .string("upx:default"))
    #expect(object["keyring"] == .string("user"))
    #expect(object["access_token"] == .string(FakeAccount.accessToken))
    let keyID = try #require(try keyring.keyID(name: "upx:default"))
    #expect(object["key_id"] == .number(Double(keyID)))
}

@Test func loginOutputCommandJSONFromCache() throws {
    let keyring = cachedKeyring()
    let run = runLogin(["--json", "--profile", "default"], keyring: keyring)
    #expect(run.status == 0)
    let object = try #require(JSONValue.parse(Array(run.output.utf8)))
    #expect(object["source"] == .string("cache"))
    let keyID = try #require(try keyring.keyID(name: "upx:default"))
    #expect(object["key_id"] == .number(Double(keyID)))
    #expect(object["access_token"] == .string("cached-token"))
    #expect(object["seconds_left"] == .number(3_600))
    #expect(run.error.hasPrefix("upx-login: using the cached token of Cached User (CACHED1)"))
}

@Test func loginOutputCommandEnvFromCache() {
    let run = runLogin(["--format", "env"], keyring: cachedKeyring())
    #expect(run.status == 0)
    #expect(run.output == "UPSTOX_ACCESS_TOKEN=cached-token\nUPSTOX_TOKEN_EXPIRES_AT=\(now + 3_600)\nUPSTOX_USER_ID=CACHED1\n")
}

@Test func loginOutputCommandExportForFish() {
    let run = runLogin(["--export", "--shell", "fish"], keyring: cachedKeyring())
    #expect(run.status == 0)
    #expect(run.output.hasPrefix("set -gx UPSTOX_ACCESS_TOKEN 'cached-token'\n"))
}

@Test func loginOutputCommandCshLineFeedPrintsNothing() {
    let run = runLogin(["--export", "--shell", "tcsh"], keyring: cachedKeyring(userID: "CACHED\n1"))
    #expect(run.status == 3)
    #expect(run.output.isEmpty)
    #expect(run.error == "upx-login: cannot write UPSTOX_USER_ID for --shell csh: the value contains a line break, "
        + "which csh cannot quote; use --json or --export --shell sh instead\n")
}

@Test func loginOutputCommandConflictSendsNothing() {
    let keyring = MemoryKeyring()
    let run = runLogin(["--export", "--json"], keyring: keyring)
    #expect(run.status == 2)
    #expect(run.output.isEmpty)
    #expect(keyring.keys.isEmpty)
}

@Test(arguments: [["--export"], ["--json"], ["--format", "env"], ["--print"], ["--export", "--shell", "csh"]])
func loginOutputCommandFailedLoginPrintsNothing(_ arguments: [String]) {
    var server = FakeUpstox()
    server.overrides[FakeUpstox.tokenRoute] = jsonReply(500, #"{"status":"error","errors":[]}"#)
    let run = runLogin(arguments, server: server)
    #expect(run.status != 0)
    #expect(run.output.isEmpty)
}

@Test func loginOutputCommandExecNeedsCommand() {
    let keyring = MemoryKeyring()
    let run = runLogin(["--exec"], keyring: keyring)
    #expect(run.status == 2)
    #expect(run.error == "upx-login: missing argument COMMAND to run with the token (see 'upx-login --help')\n")
    #expect(keyring.keys.isEmpty)
}

@Test func loginOutputCommandHelpListsExecStatuses() {
    let run = runLogin(["--help"])
    #expect(run.output.contains("  126  upx-login --exec: the command was found but could not be run\n"))
    #expect(run.output.contains("  127  upx-login --exec: the command was not found\n"))
    for option in ["--shell SHELL", "--format FORMAT", "--json", "--exec"] {
        #expect(run.output.contains("      \(option)"), "--help lacks \(option)")
    }
}
