// upx-login's token lifecycle against the stand-in: a failed login keeps the cache, status,
// purge, the rate limit, the OTP block and the audit trail in syslog.

import Foundation
import Testing

@Suite("upx-login lifecycle end to end")
struct LifecycleEndToEndTests {
    let login = builtToolsFolder.appendingPathComponent("upx-login").path

    @Test("failed login keeps cached token")
    func failedLoginKeepsCachedToken() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn()
        let profile = uniqueProfile("e2e-keep")
        defer { try? keyctl.remove("upx:\(profile)") }
        #expect(try runCommand(login, ["-q", "-P", profile], environment: standIn.loginEnvironment()).status == 0)
        let id = try #require(try keyctl.search("upx:\(profile)"))
        let payload = try keyctl.run(["print", id]).stdout

        let failing = try StandIn(["--fail", "token:http500"])
        let forced = try runCommand(login, ["--force", "--print", "-P", profile], environment: failing.loginEnvironment())
        #expect(forced.status == 5)
        #expect(forced.stdout.isEmpty)
        #expect(try keyctl.search("upx:\(profile)") == id)
        #expect(try keyctl.run(["print", id]).stdout == payload)
    }

    @Test("closed stdout keeps token off disk")
    func closedStandardOutputKeepsTokenOffDisk() throws {
        let keyctl = try Keyctl()
        let bash = try requireProgram("bash", package: "bash")
        let standIn = try StandIn()
        let profile = uniqueProfile("e2e-closed")
        defer { try? keyctl.remove("upx:\(profile)") }
        let runtime = try makeTemporaryFolder("upx-e2e-runtime")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: runtime.path)
        var environment = standIn.loginEnvironment()
        environment["XDG_RUNTIME_DIR"] = runtime.path
        let audit = runtime.appendingPathComponent("audit.log").path

        // With descriptor 1 closed, the lock file or the audit log would otherwise take its number.
        let result = try runCommand(
            bash, ["-c", "upx-login --print --force -P \(profile) --audit-log \(audit) >&-"], environment: environment)
        #expect(result.status == 3, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("cannot write to standard output"))
        let token = try #require(try standIn.issuedTokens().first)
        for file in try FileManager.default.subpathsOfDirectory(atPath: runtime.path) {
            let path = runtime.appendingPathComponent(file).path
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            #expect(!(try String(contentsOfFile: path, encoding: .utf8)).contains(token), "\(file) holds the token")
        }
    }

    @Test("logout waits for a running login")
    func logoutWaitsForRunningLogin() throws {
        let keyctl = try Keyctl()
        let bash = try requireProgram("bash", package: "bash")
        let flock = try requireProgram("flock", package: "util-linux")
        let standIn = try StandIn()
        let profile = uniqueProfile("e2e-logout")
        defer { try? keyctl.remove("upx:\(profile)") }
        let runtime = try makeTemporaryFolder("upx-e2e-runtime")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: runtime.path)
        var environment = standIn.loginEnvironment()
        environment["XDG_RUNTIME_DIR"] = runtime.path

        // flock holds the profile's lock as a running login would. The order of the lines shows
        // that --logout waited for it.
        let script = """
            upx-login -q -P \(profile) || exit 9
            \(flock) "$XDG_RUNTIME_DIR/upx/login-\(profile).lock" sh -c 'echo locked >>order; sleep 1; echo unlocked >>order' &
            until [ -s order ]; do sleep 0.05; done
            upx-login --logout -q -P \(profile) && echo logged-out >>order
            wait
            cat order
            """
        let result = try runCommand(bash, ["-c", script], environment: environment, directory: runtime)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == "locked\nunlocked\nlogged-out\n")
        #expect(try keyctl.search("upx:\(profile)") == nil)
    }

    @Test("status and purge")
    func statusAndPurge() throws {
        let keyctl = try Keyctl()
        // A user of its own: --purge removes every upx key of the user running it.
        guard let user = try TestUser.make("upx-e2e-purge") else {
            throw StandInFailure(reason: "this test needs root to create the ordinary user upx-e2e-purge; run the suite as root")
        }
        let tools = try toolsFolderForAllUsers.get()
        let standIn = try StandIn()
        var environment = standIn.loginEnvironment(home: user.home)
        environment["PATH"] = tools.path + ":/usr/bin:/bin"
        let script = """
            upx-login -q -P desk && upx-login -q -P night --keyring persistent || exit 9
            upx-login --status -P desk
            upx-login --list-profiles
            # A key added by hand: its owner may view it but not search or read it.
            printf '{}' | keyctl padd user upx:planted @u >/dev/null
            upx-login --purge
            upx-login --status -P desk >/dev/null
            echo "status after purge: $?"
            """
        let result = try user.run([keyctl.path, "session", "-", "/bin/bash", "-c", script], environment: environment, directory: tools)
        #expect(result.status == 0, "stderr: \(result.stderr)")

        #expect(result.stdout.contains("profile:  desk\nkeyring:  user keyring, key upx:desk (id "))
        #expect(result.stdout.contains("user:     Test User (\(TestAccount.userID))\n"))
        #expect(result.stdout.contains("status:   valid for "))
        #expect(result.stdout.contains("logins:   1 in the last 5m (limit 5)\n"))
        #expect(!result.stdout.contains(try standIn.issuedTokens().first ?? "no token issued"))

        #expect(result.stdout.hasSuffix("status after purge: 1\n"))
        // desk has a key but no env file; night is in the persistent keyring, which --list-profiles
        // reads only with --keyring persistent.
        #expect(result.stdout.contains("\ndesk  (no env file)  token of \(TestAccount.userID) valid for "))
        #expect(!result.stdout.contains("\nnight "))
        #expect(result.stderr.contains("removed key upx:desk (id "))
        #expect(result.stderr.contains(") from the user keyring\n"))
        #expect(result.stderr.contains("removed key upx:night (id "))
        #expect(result.stderr.contains(") from the persistent keyring\n"))
        #expect(result.stderr.contains("removed key upx:planted (id "))
        #expect(try keyctl.search("upx:desk", as: user) == nil)
        #expect(!(try keyctl.run(["show", "@u"], as: user).stdout.contains("upx:")))
    }

    @Test("sixth login in five minutes rejected")
    func sixthLoginRejected() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn(["--fail", "token:http500"])
        let profile = uniqueProfile("e2e-limit")
        defer { try? keyctl.remove("upx:\(profile):logins") }

        for _ in 0..<5 {
            let failed = try runCommand(login, ["-q", "-P", profile], environment: standIn.loginEnvironment())
            #expect(failed.status == 5)
        }
        let requests = try standIn.totalRequests()
        let rejected = try runCommand(login, ["--print", "-P", profile], environment: standIn.loginEnvironment())
        #expect(rejected.status == 7)
        #expect(rejected.stdout.isEmpty)
        #expect(rejected.stderr.contains("login of profile \(profile) not started: 5 logins in the last 5m already"))
        #expect(try standIn.totalRequests() == requests)

        let forced = try runCommand(login, ["--force", "-q", "-P", profile], environment: standIn.loginEnvironment())
        #expect(forced.status == 5)
        #expect(try standIn.totalRequests() > requests)
    }

    @Test("wrong PIN stops the next login")
    func wrongPINStopsNextLogin() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn()
        let profile = uniqueProfile("e2e-pin")
        defer { try? keyctl.remove("upx:\(profile):logins") }
        var environment = standIn.loginEnvironment()
        environment["UPSTOX_PIN_CODE"] = "000000"

        for expected: Int32 in [4, 7, 7] {
            let result = try runCommand(login, ["-q", "-P", profile], environment: environment)
            #expect(result.status == expected, "stderr: \(result.stderr)")
        }
        let stats = try standIn.stats()
        #expect(stats["wrong_pins"] as? Int == 1)
        #expect(try standIn.requestCount("twofa_v4") + standIn.requestCount("twofa_v3") == 1)
    }

    @Test("wrong PIN stops every profile and keyring")
    func wrongPINStopsEveryProfileAndKeyring() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn()
        let profiles = [uniqueProfile("e2e-pin"), uniqueProfile("e2e-pin")]
        defer { for profile in profiles { try? keyctl.remove("upx:\(profile)") } }
        var environment = standIn.loginEnvironment()
        environment["UPSTOX_PIN_CODE"] = "000000"

        let first = try runCommand(login, ["-q", "-P", profiles[0]], environment: environment)
        #expect(first.status == 4, "stderr: \(first.stderr)")
        let others = [["-P", profiles[1]], ["-P", profiles[0], "--no-keyring"], ["-P", profiles[0], "--keyring", "persistent"]]
        for arguments in others {
            let result = try runCommand(login, ["-q"] + arguments, environment: environment)
            #expect(result.status == 7, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("(1017106) at"), "\(arguments)")
        }
        #expect(try standIn.stats()["wrong_pins"] as? Int == 1)
    }

    @Test("two profiles of one account send one wrong PIN")
    func twoProfilesSendOneWrongPIN() throws {
        // The second login waits for the first on the account's lock, then finds its stop.
        let keyctl = try Keyctl()
        let standIn = try StandIn(["--fail", "twofa:slow=2"])
        let profiles = [uniqueProfile("e2e-pin"), uniqueProfile("e2e-pin")]
        defer { for profile in profiles { try? keyctl.remove("upx:\(profile)") } }
        var environment = standIn.loginEnvironment()
        environment["UPSTOX_PIN_CODE"] = "000000"

        let bash = try requireProgram("bash", package: "bash")
        let script = """
            \(login) -q -P \(profiles[0]) & first=$!
            \(login) -q -P \(profiles[1]) & second=$!
            wait $first; echo "status $?"
            wait $second; echo "status $?"
            """
        let result = try runCommand(bash, ["-c", script], environment: environment)
        let statuses = result.stdout.split(separator: "\n").sorted()
        #expect(statuses == ["status 4", "status 7"], "stderr: \(result.stderr)")
        #expect(try standIn.stats()["wrong_pins"] as? Int == 1)
    }

    @Test("PIN timeout stops the next login")
    func pinTimeoutStopsNextLogin() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn(["--fail", "twofa:slow=3"])
        let profile = uniqueProfile("e2e-pin")
        defer { try? keyctl.remove("upx:\(profile)") }
        let environment = standIn.loginEnvironment()

        let slow = try runCommand(login, ["-q", "-P", profile, "--timeout", "1"], environment: environment)
        #expect(slow.status == 5, "stderr: \(slow.stderr)")
        #expect(slow.stderr.contains("step 4 (PIN) failed: no reply within 1 s (--timeout); Upstox may have counted the PIN"))

        let again = try runCommand(login, ["-q", "-P", profile], environment: environment)
        #expect(again.status == 7, "stderr: \(again.stderr)")
        #expect(again.stderr.contains("got no clear reply"))
        #expect(try standIn.requestCount("twofa_v4") + standIn.requestCount("twofa_v3") == 1)
    }

    @Test("OTP block remembered")
    func otpBlockRemembered() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn(["--fail", "otp_generate:otp_blocked:1"])
        let profile = uniqueProfile("e2e-otp")
        defer { try? keyctl.remove("upx:\(profile):logins") }

        let blocked = try runCommand(login, ["-P", profile], environment: standIn.loginEnvironment())
        #expect(blocked.status == 7)
        #expect(try standIn.requestCount("otp_generate") == 1)

        let again = try runCommand(login, ["-P", profile], environment: standIn.loginEnvironment())
        #expect(again.status == 7)
        #expect(again.stderr.contains("Upstox blocked OTP generation (1017069) until about"))
        #expect(try standIn.requestCount("otp_generate") == 1)
    }

    @Test("audit lines reach syslog and file")
    func auditLinesReachSyslogAndFile() throws {
        guard getuid() == 0 else {
            throw StandInFailure(reason: "this test needs root to put a syslog socket at /dev/log in a mount namespace")
        }
        let unshare = try requireProgram("unshare", package: "util-linux")
        let keyctl = try Keyctl()
        let standIn = try StandIn()
        let profile = uniqueProfile("e2e-audit")
        defer { try? keyctl.remove("upx:\(profile)") }
        let folder = try makeTemporaryFolder("upx-e2e-audit")

        // A private /dev in a private mount namespace, with a socket at /dev/log that writes each
        // datagram it receives to a file, as a syslog daemon would.
        let script = """
            set -e
            mount --make-rprivate /
            mkdir host-dev
            mount --bind /dev host-dev
            mount -t tmpfs tmpfs /dev
            touch /dev/null && mount --bind host-dev/null /dev/null
            python3 -c '
            import socket, sys
            server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            server.bind("/dev/log")
            with open("syslog.txt", "ab", buffering=0) as out:
                while True:
                    out.write(server.recv(4096) + b"\\n")
            ' &
            listener=$!
            for i in $(seq 100); do [ -S /dev/log ] && break; sleep 0.05; done
            upx-login -q -P \(profile) --audit-log "$PWD/audit.log"
            UPSTOX_PIN_CODE=000000 upx-login -q --force -P \(profile) --audit-log "$PWD/audit.log" || true
            sleep 0.2
            # SIGKILL: a process started from a test thread may have SIGTERM blocked.
            kill -KILL $listener
            """
        let result = try runCommand(unshare, ["-m", "/bin/bash", "-c", script], environment: standIn.loginEnvironment(), directory: folder)
        #expect(result.status == 0, "stderr: \(result.stderr)")

        let syslog = try String(contentsOf: folder.appendingPathComponent("syslog.txt"), encoding: .utf8)
        let lines = syslog.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        // Priority 86 is facility authpriv (10) * 8 + info (6); 85 is authpriv with notice (5).
        #expect(lines.first?.hasPrefix("<86>") == true)
        #expect(lines.first?.contains(" upx-login[") == true)
        #expect(lines.first?.contains("]: outcome=login profile=\(profile) keyring=user user=\(TestAccount.userID) expires=") == true)
        #expect(lines.last?.hasPrefix("<85>") == true)
        #expect(lines.last?.contains("outcome=failure profile=\(profile) keyring=user request=WPRO-") == true)
        #expect(lines.last?.hasSuffix(" exit=4 code=1017106") == true)

        let file = try String(contentsOf: folder.appendingPathComponent("audit.log"), encoding: .utf8)
        #expect(file.split(separator: "\n").count == 2)
        for secret in [TestAccount.pin, TestAccount.totpSecret, TestAccount.clientSecret] + (try standIn.issuedTokens()) {
            #expect(!syslog.contains(secret))
            #expect(!file.contains(secret))
        }
    }
}
