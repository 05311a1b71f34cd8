// upx-login's keyrings as ordinary users meet them: fresh sessions, su -l, persistent keyrings,
// revoked sessions, quotas and containers that block the keyring system calls.

import Foundation
import Testing

@Suite("upx-login keyrings end to end")
struct KeyringEndToEndTests {
    @Test("fresh session and su -l read token")
    func freshSessionAndLoginShellReadToken() throws {
        let (user, tools, keyctl) = try ordinaryUser("upx-e2e")
        let standIn = try StandIn()
        let profile = uniqueProfile("e2e-su")
        defer { try? keyctl.remove("upx:\(profile)", as: user) }

        let login = tools.appendingPathComponent("upx-login").path
        let first = try user.run([keyctl.path, "session", "-", login, "--print", "-P", profile],
                                 environment: userEnvironment(standIn, user, tools), directory: tools)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        let requests = try standIn.totalRequests()

        // su -l starts a login shell with an environment of its own: no credentials, no stand-in.
        let su = try requireProgram("su", package: "util-linux")
        let viaSu = try runCommand(su, ["-l", user.name, "-c", "\(login) --print -P \(profile)"])
        #expect(viaSu.status == 0, "stderr: \(viaSu.stderr)")
        #expect(viaSu.stdout == first.stdout)
        #expect(try standIn.totalRequests() == requests)
    }

    @Test("persistent keyring survives new sessions")
    func persistentKeyringSurvivesNewSessions() throws {
        let (user, tools, keyctl) = try ordinaryUser("upx-e2e")
        let standIn = try StandIn()
        let profile = uniqueProfile("e2e-persistent")
        let environment = userEnvironment(standIn, user, tools)
        let login = tools.appendingPathComponent("upx-login").path
        defer { try? keyctl.removeFromPersistent("upx:\(profile)", as: user) }

        let first = try user.run([keyctl.path, "session", "-", login, "--print", "--keyring", "persistent", "-P", profile],
                                 environment: environment, directory: tools)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        #expect(first.stderr.contains("key upx:\(profile) in the persistent keyring"))
        #expect(try keyctl.search("upx:\(profile)", as: user) == nil, "the key must not be in the user keyring")
        let requests = try standIn.totalRequests()

        var reader = environment
        reader["UPX_KEYRING"] = "persistent"
        let again = try user.run([keyctl.path, "session", "-", login, "--print", "-P", profile],
                                 environment: reader, directory: tools)
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(again.stdout == first.stdout)
        #expect(try standIn.totalRequests() == requests)
    }

    @Test("revoked session keyring still logs in")
    func revokedSessionKeyringStillLogsIn() throws {
        let keyctl = try Keyctl()
        let bash = try requireProgram("bash", package: "bash")
        let standIn = try StandIn()
        let profile = uniqueProfile("e2e-revoked")
        defer { try? keyctl.remove("upx:\(profile)") }

        // As in tmux after the ssh login that started it ended with pam_keyinit revoke.
        let script = """
            keyctl revoke @s || exit 9
            upx-login --print -P \(profile) >token || exit $?
            upx-login --print -P \(profile) --keyring session
            """
        let folder = try makeTemporaryFolder("upx-e2e-revoked")
        let result = try runCommand(keyctl.path, ["session", "-", bash, "-c", script],
                                    environment: standIn.loginEnvironment(), directory: folder)
        #expect(result.status == 6, "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("in the session keyring: Key has been revoked (the session keyring was revoked"))
        let token = try String(contentsOf: folder.appendingPathComponent("token"), encoding: .utf8)
        #expect(try standIn.issuedTokens() == [token.trimmingCharacters(in: .newlines)])
        #expect(try keyctl.search("upx:\(profile)") != nil)
    }

    @Test("session keyring ignores linked user keyring")
    func sessionKeyringIgnoresLinkedUserKeyring() throws {
        let (user, tools, keyctl) = try ordinaryUser("upx-e2e")
        let standIn = try StandIn()
        let login = tools.appendingPathComponent("upx-login").path
        let profile = uniqueProfile("e2e-linked")
        defer { try? keyctl.remove("upx:\(profile)", as: user) }

        // pam_keyinit links the user keyring into a login's session keyring.
        let script = """
            keyctl link @u @s || exit 9
            \(login) -q -P \(profile) || exit 8
            \(login) --status -P \(profile) --keyring session; echo "status: $?"
            \(login) --logout -P \(profile) --keyring session; echo "logout: $?"
            """
        let result = try user.run([keyctl.path, "session", "-", "/bin/sh", "-c", script],
                                  environment: userEnvironment(standIn, user, tools), directory: tools)
        #expect(result.stdout.contains("status: 1\n"), "stderr: \(result.stderr)")
        #expect(result.stdout.contains("logout: 1\n"))
        #expect(try keyctl.search("upx:\(profile)", as: user) != nil, "the user keyring's key must survive")
        #expect(try standIn.requestCount("logout") == 0)
    }

    @Test("session keyring needs own session")
    func sessionKeyringNeedsOwnSession() throws {
        let (user, tools, keyctl) = try ordinaryUser("upx-e2e")
        let standIn = try StandIn()
        let login = tools.appendingPathComponent("upx-login").path

        // setpriv starts the user with no session keyring of their own, as cron may.
        let result = try user.run([login, "--print", "--keyring", "session", "-P", uniqueProfile()],
                                  environment: userEnvironment(standIn, user, tools), directory: tools)
        #expect(result.status == 6)
        #expect(result.stderr.contains("no session keyring"))
        #expect(try standIn.totalRequests() == 0)

        let profile = uniqueProfile("e2e-session")
        let inSession = try user.run(
            [keyctl.path, "session", "-", "/bin/sh", "-c", "\(login) -q -P \(profile) --keyring session && \(login) --status -P \(profile) --keyring session"],
            environment: userEnvironment(standIn, user, tools), directory: tools)
        #expect(inSession.status == 0, "stderr: \(inSession.stderr)")
        #expect(inSession.stdout.contains("keyring:  session keyring, key upx:\(profile) (id "))
        #expect(try keyctl.search("upx:\(profile)", as: user) == nil)
    }

    @Test("exhausted quota fails before any request")
    func exhaustedQuotaFailsBeforeAnyRequest() throws {
        let (user, tools, keyctl) = try ordinaryUser("upx-e2e-quota")
        let standIn = try StandIn()
        let bash = try requireProgram("bash", package: "bash")

        // Fill the quota with keys in this session's keyring, which vanish with the session.
        let script = """
            for i in $(seq 1 400); do
                printf '%0100d' 0 | keyctl padd user filler-$i @s >/dev/null 2>&1 || break
            done
            upx-login --print -P quota
            """
        let result = try user.run([keyctl.path, "session", "-", bash, "-c", script],
                                  environment: userEnvironment(standIn, user, tools), directory: tools)
        #expect(result.status == 6)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("Disk quota exceeded (the key quota is exhausted"))
        #expect(try standIn.totalRequests() == 0)
    }

    @Test("nearly full quota never loses a token")
    func nearlyFullQuotaNeverLosesToken() throws {
        // A user of its own, because this test fills the quota as the one above does.
        let (user, tools, keyctl) = try ordinaryUser("upx-e2e-quota2")
        let standIn = try StandIn()
        let bash = try requireProgram("bash", package: "bash")

        // For 1 to 4 free keys: fill the quota, free some, log in, then empty the session keyring.
        let script = """
            for free in 1 2 3 4; do
                ids=()
                while id=$(keyctl add user "filler-${#ids[@]}" x @s 2>/dev/null); do ids+=("$id"); done
                for i in $(seq 1 $free); do keyctl unlink "${ids[-$i]}" @s >/dev/null; done
                sleep 0.3
                token=$(upx-login --print --force -q -P "quota-$free")
                echo "free=$free status=$? printed=${#token}"
                keyctl clear @s
                upx-login --purge -q
                sleep 0.3
            done
            """
        let result = try user.run([keyctl.path, "session", "-", bash, "-c", script],
                                  environment: userEnvironment(standIn, user, tools), directory: tools)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 4, "stdout: \(result.stdout) stderr: \(result.stderr)")
        let succeeded = lines.filter { $0.contains(" status=0 ") }
        // Every token the stand-in issued reached stdout: a login either fails before its
        // first request or keeps its token.
        #expect(try standIn.issuedTokens().count == succeeded.count, "stdout: \(result.stdout)")
        #expect(lines.last?.contains(" status=0 ") == true, "stdout: \(result.stdout) stderr: \(result.stderr)")
    }

    @Test("blocked keyring calls fail, no-keyring works")
    func blockedKeyringCallsFail() throws {
        let standIn = try StandIn()
        let blocked = try runWithoutKeyringCalls(["--print", "-P", uniqueProfile()], environment: standIn.loginEnvironment())
        #expect(blocked.status == 6, "stderr: \(blocked.stderr)")
        #expect(blocked.stdout.isEmpty)
        #expect(blocked.stderr.contains("keyring system calls are blocked"))
        #expect(blocked.stderr.contains("--no-keyring"))
        #expect(try standIn.totalRequests() == 0)

        // --no-keyring counts logins in a file of the runtime folder, so each test takes its own.
        var environment = standIn.loginEnvironment()
        environment["XDG_RUNTIME_DIR"] = try makeTemporaryFolder("upx-e2e-runtime").path
        let unstored = try runWithoutKeyringCalls(["--print", "--no-keyring"], environment: environment)
        #expect(unstored.status == 0, "stderr: \(unstored.stderr)")
        #expect(try standIn.issuedTokens() == [unstored.stdout.trimmingCharacters(in: .newlines)])
    }

    @Test("wrong PIN without keyring stops restarts")
    func wrongPINWithoutKeyringStopsRestarts() throws {
        // A container whose seccomp profile blocks the keyring, restarted after each failure.
        let standIn = try StandIn()
        var environment = standIn.loginEnvironment()
        environment["XDG_RUNTIME_DIR"] = try makeTemporaryFolder("upx-e2e-runtime").path
        environment["UPSTOX_PIN_CODE"] = "000000"

        for expected: Int32 in [4, 7, 7, 7, 7, 7] {
            let result = try runWithoutKeyringCalls(["--print", "--no-keyring"], environment: environment)
            #expect(result.status == expected, "stderr: \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        #expect(try standIn.stats()["wrong_pins"] as? Int == 1)
    }

    @Test("container uid without passwd entry")
    func containerUIDWithoutPasswdEntry() throws {
        // A container often runs a uid that /etc/passwd does not know, with HOME set and the
        // keyring calls blocked.
        let standIn = try StandIn()
        let setpriv = try requireProgram("setpriv", package: "util-linux")
        let python = try requireProgram("python3", package: "python3")
        let blocker = packageRoot.appendingPathComponent("Tests/support/without-keyring-calls.py").path
        let tools = try toolsFolderForAllUsers.get()
        let home = try makeTemporaryFolder("upx-e2e-container")
        #expect(chown(home.path, 54_321, 54_321) == 0)
        var environment = TestAccount.loginEnvironment(baseURL: standIn.baseURL, home: home.path)
        environment["XDG_RUNTIME_DIR"] = nil

        let result = try runCommand(
            setpriv, ["--reuid=54321", "--regid=54321", "--clear-groups", python, blocker,
                      tools.appendingPathComponent("upx-login").path, "--print", "--no-keyring"],
            environment: environment)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(try standIn.issuedTokens() == [result.stdout.trimmingCharacters(in: .newlines)])
        #expect(FileManager.default.fileExists(atPath: home.path + "/.cache/upx/login-default.limits"))
    }

    /// Runs upx-login under a seccomp filter that fails every keyring system call with EPERM,
    /// as Docker's default profile does.
    private func runWithoutKeyringCalls(_ arguments: [String], environment: [String: String]) throws -> CommandResult {
        let python = try requireProgram("python3", package: "python3")
        let blocker = packageRoot.appendingPathComponent("Tests/support/without-keyring-calls.py").path
        let login = builtToolsFolder.appendingPathComponent("upx-login").path
        return try runCommand(python, [blocker, login] + arguments, environment: environment)
    }

    /// Returns an ordinary test user, the tools in a folder it can read, and keyctl.
    private func ordinaryUser(_ name: String) throws -> (TestUser, URL, Keyctl) {
        let keyctl = try Keyctl()
        guard let user = try TestUser.make(name) else {
            throw StandInFailure(reason: "this test needs root to create the ordinary user \(name); run the suite as root")
        }
        return (user, try toolsFolderForAllUsers.get(), keyctl)
    }

    private func userEnvironment(_ standIn: StandIn, _ user: TestUser, _ tools: URL) -> [String: String] {
        var environment = standIn.loginEnvironment(home: user.home)
        environment["PATH"] = tools.path + ":/usr/bin:/bin"
        return environment
    }
}
