// upx-login against the stand-in, in real bash, with the real kernel keyring.

import Foundation
import Testing

@Suite("upx-login end to end")
struct LoginEndToEndTests {
    @Test("export in bash stores key")
    func exportInBashStoresKey() throws {
        let keyctl = try Keyctl()
        let bash = try requireProgram("bash", package: "bash")
        let standIn = try StandIn()
        let profile = uniqueProfile()
        defer { try? keyctl.remove("upx:\(profile)") }

        let script = """
            eval "$(upx-login --export --profile \(profile))" || exit 9
            printf '%s\\n%s\\n%s\\n' "$UPSTOX_ACCESS_TOKEN" "$UPSTOX_TOKEN_EXPIRES_AT" "$UPSTOX_USER_ID"
            """
        let result = try runCommand(bash, ["-c", script], environment: standIn.loginEnvironment())
        #expect(result.status == 0, "stderr: \(result.stderr)")

        let lines = result.stdout.split(separator: "\n").map(String.init)
        let issued = try standIn.issuedTokens()
        #expect(issued.count == 1)
        #expect(lines.first == issued.first)
        #expect(lines.count == 3)
        #expect(lines.dropFirst(2).first == TestAccount.userID)

        // The stand-in's token expires at the next 03:30 IST, which is 22:00 UTC.
        let expiresAt = Int(lines.dropFirst().first ?? "") ?? 0
        #expect(expiresAt % 86_400 == 22 * 3600)
        let now = Int(Date().timeIntervalSince1970)
        #expect(expiresAt > now)
        #expect(expiresAt <= now + 86_400)

        let id = try #require(try keyctl.search("upx:\(profile)"))
        #expect(try keyctl.describe(id) == "user;0;0;3f0b0000;upx:\(profile)")
        let timeout = try #require(try procKeysTimeout(of: id))
        #expect(timeout != "perm")
    }

    @Test("second run makes no request")
    func secondRunMakesNoRequest() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn()
        let profile = uniqueProfile()
        defer { try? keyctl.remove("upx:\(profile)") }
        let login = builtToolsFolder.appendingPathComponent("upx-login").path

        let first = try runCommand(login, ["--print", "--profile", profile], environment: standIn.loginEnvironment())
        #expect(first.status == 0, "stderr: \(first.stderr)")
        let requestsAfterLogin = try standIn.totalRequests()

        let second = try runCommand(login, ["--print", "--profile", profile], environment: standIn.loginEnvironment())
        #expect(second.status == 0)
        #expect(second.stdout == first.stdout)
        #expect(try standIn.totalRequests() == requestsAfterLogin)
        #expect(second.stderr.contains("cached"))
    }

    @Test("unrelated process reads token")
    func unrelatedProcessReadsToken() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn()
        let profile = uniqueProfile()
        defer { try? keyctl.remove("upx:\(profile)") }
        let login = builtToolsFolder.appendingPathComponent("upx-login").path

        let first = try runCommand(login, ["--print", "--profile", profile], environment: standIn.loginEnvironment())
        #expect(first.status == 0, "stderr: \(first.stderr)")
        let requestsAfterLogin = try standIn.totalRequests()

        // A new anonymous session keyring shares nothing with the one upx-login used.
        let reader = try runCommand(
            keyctl.path, ["session", "-", login, "--print", "--profile", profile], environment: baseEnvironment())
        #expect(reader.status == 0, "stderr: \(reader.stderr)")
        #expect(reader.stdout == first.stdout)
        #expect(try standIn.totalRequests() == requestsAfterLogin)

        let id = try #require(try keyctl.search("upx:\(profile)"))
        let payload = try keyctl.run(["pipe", id]).stdout
        #expect(payload.contains(first.stdout.trimmingCharacters(in: .newlines)))
    }

    @Test("other user cannot read key")
    func otherUserCannotReadKey() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn()
        let profile = uniqueProfile()
        defer { try? keyctl.remove("upx:\(profile)") }
        let login = builtToolsFolder.appendingPathComponent("upx-login").path
        guard let other = try TestUser.make() else {
            Issue.record("this test needs root to create a second user; run the suite as root")
            return
        }

        let result = try runCommand(login, ["--quiet", "--profile", profile], environment: standIn.loginEnvironment())
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let id = try #require(try keyctl.search("upx:\(profile)"))

        let attempt = try keyctl.run(["print", id], as: other)
        #expect(attempt.status != 0)
        #expect(attempt.stdout.isEmpty)
        #expect(attempt.stderr.contains("Permission denied"))
    }

    @Test("each revision logs in", arguments: ["2026", "2025", "2025,2026"])
    func eachRevisionLogsIn(revisions: String) throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn(["--revisions", revisions])
        let profile = uniqueProfile()
        defer { try? keyctl.remove("upx:\(profile)") }
        let login = builtToolsFolder.appendingPathComponent("upx-login").path

        let result = try runCommand(login, ["--print", "--profile", profile], environment: standIn.loginEnvironment())
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(try standIn.issuedTokens() == [result.stdout.trimmingCharacters(in: .newlines)])

        // The newest revision is tried first; only a server without it makes the older one run.
        let onlyOlder = revisions == "2025"
        #expect(try standIn.requestCount("totp_verify_v5") == 1)
        #expect(try standIn.requestCount("twofa_v4") == 1)
        #expect(try standIn.requestCount("totp_verify_v4") == (onlyOlder ? 1 : 0))
        #expect(try standIn.requestCount("twofa_v3") == (onlyOlder ? 1 : 0))
    }
}

@Suite("upx-login concurrency")
struct LoginConcurrencyTests {
    @Test("concurrent runs make one login")
    func concurrentRunsMakeOneLogin() throws {
        let keyctl = try Keyctl()
        let bash = try requireProgram("bash", package: "bash")
        let standIn = try StandIn()
        let profile = uniqueProfile()
        defer { try? keyctl.remove("upx:\(profile)") }
        let runtime = try makeTemporaryFolder("upx-e2e-runtime")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: runtime.path)

        // Twenty runs start together; each writes its token to a file of its own.
        let script = """
            for i in $(seq 1 20); do
                upx-login --print --quiet --profile \(profile) >"\(runtime.path)/token-$i" 2>>"\(runtime.path)/errors" &
            done
            wait
            cat "\(runtime.path)"/token-*
            """
        var environment = standIn.loginEnvironment()
        environment["XDG_RUNTIME_DIR"] = runtime.path
        let result = try runCommand(bash, ["-c", script], environment: environment)
        #expect(result.status == 0)

        let tokens = result.stdout.split(separator: "\n").map(String.init)
        let errors = (try? String(contentsOfFile: runtime.path + "/errors", encoding: .utf8)) ?? ""
        #expect(errors.isEmpty, "stderr of the runs: \(errors)")
        #expect(tokens.count == 20)
        #expect(Set(tokens).count == 1)
        #expect(try standIn.requestCount("token") == 1)
        #expect(try standIn.issuedTokens() == Array(Set(tokens)))
    }

    @Test("lock folder of another user rejected")
    func lockFolderOfAnotherUserRejected() throws {
        let standIn = try StandIn()
        let runtime = try makeTemporaryFolder("upx-e2e-runtime")
        // A folder anyone can enter could hold a lock file that blocks every login.
        try FileManager.default.createDirectory(atPath: runtime.path + "/upx", withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: runtime.path + "/upx")
        var environment = standIn.loginEnvironment()
        environment["XDG_RUNTIME_DIR"] = runtime.path
        let login = builtToolsFolder.appendingPathComponent("upx-login").path

        let result = try runCommand(login, ["--print", "--profile", uniqueProfile()], environment: environment)
        #expect(result.status == 3)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("other users can enter it"))
        #expect(try standIn.totalRequests() == 0)
    }
}

@Suite("upx-login output failures")
struct LoginOutputFailureTests {
    @Test("token lost to full disk fails")
    func tokenLostToFullDiskFails() throws {
        let keyctl = try Keyctl()
        let bash = try requireProgram("bash", package: "bash")
        let standIn = try StandIn()
        let profile = uniqueProfile()
        defer { try? keyctl.remove("upx:\(profile)") }

        let result = try runCommand(
            bash, ["-c", "upx-login --print --profile \(profile) >/dev/full"], environment: standIn.loginEnvironment())
        #expect(result.status == 3)
        #expect(result.stderr.contains("upx-login: cannot write to standard output: No space left on device"))
    }
}
