// upx-login's retries, timeouts, --verify-online and --logout against the stand-in's
// injected failures, with the real kernel keyring.

import Foundation
import Testing
import UpxCore

/// A loopback TCP port that no other test can take while this value lives.
///
/// `.refusing` binds the port without listening, so every connection is refused.
/// `.stalled` listens with a backlog of 0 and fills it with connections it never
/// accepts, so that Linux drops further connection requests and a client's connect
/// times out.
private final class TestPort {
    enum Behaviour { case refusing, stalled }

    let url: String
    private var descriptors: [Int32] = []

    init(_ behaviour: Behaviour) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        descriptors.append(listener)
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = Self.withSocketAddress(&address) { socketAddress in
            bind(listener, socketAddress, length) == 0 && getsockname(listener, socketAddress, &length) == 0
        }
        guard listener >= 0, bound else {
            throw StandInFailure(reason: "could not bind a loopback port: \(String(cString: strerror(errno)))")
        }
        url = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        guard behaviour == .stalled else { return }

        guard listen(listener, 0) == 0 else {
            throw StandInFailure(reason: "listen failed: \(String(cString: strerror(errno)))")
        }
        for _ in 0..<3 {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            descriptors.append(client)
            var target = address
            _ = Self.withSocketAddress(&target) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        // Let the handshakes of the filler connections finish before a test connects.
        usleep(200_000)
    }

    deinit {
        descriptors.forEach { close($0) }
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return address
    }

    private static func withSocketAddress<Result>(
        _ address: inout sockaddr_in, _ body: (UnsafeMutablePointer<sockaddr>) -> Result
    ) -> Result {
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1, body)
        }
    }
}

private let login = builtToolsFolder.appendingPathComponent("upx-login").path

@Suite("upx-login retries and timeouts")
struct LoginRetryEndToEndTests {
    @Test("rate limit on dialog retried")
    func rateLimitOnDialogRetried() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn(["--fail", "dialog:http429:1"])
        let profile = uniqueProfile()
        defer { try? keyctl.remove("upx:\(profile)") }

        let result = try runCommand(login, ["--print", "--profile", profile], environment: standIn.loginEnvironment())
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(try standIn.requestCount("dialog") == 2)
        #expect(try standIn.issuedTokens() == [result.stdout.trimmingCharacters(in: .newlines)])
        #expect(result.stderr.contains("upx-login: step 1 (authorization dialog): HTTP 429, retrying in 1.0 s (1 of 2)\n"))
    }

    @Test("reset on PIN not retried")
    func resetOnPINNotRetried() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn(["--fail", "twofa:reset:1"])
        let profile = uniqueProfile()
        defer { try? keyctl.remove("upx:\(profile)") }

        let result = try runCommand(login, ["--print", "--profile", profile], environment: standIn.loginEnvironment())
        #expect(result.status == 5, "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(try standIn.requestCount("twofa_v4") == 1)
        #expect(try standIn.requestCount("twofa_v3") == 0)
        #expect(try standIn.requestCount("authorize") == 0)
        #expect(result.stderr.hasPrefix("upx-login: step 4 (PIN) failed: "))
        #expect(try keyctl.search("upx:\(profile)") == nil)
    }

    @Test("server error on authorize retried")
    func serverErrorOnAuthorizeRetried() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn(["--fail", "authorize:http503:1"])
        let profile = uniqueProfile()
        defer { try? keyctl.remove("upx:\(profile)") }

        let result = try runCommand(login, ["--print", "--profile", profile], environment: standIn.loginEnvironment())
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(try standIn.requestCount("authorize") == 2)
        #expect(try standIn.requestCount("twofa_v4") == 1)
        #expect(try standIn.requestCount("token") == 1)
        #expect(result.stderr.contains("upx-login: step 5 (OAuth approval): HTTP 503, retrying in "))
    }

    @Test("timeout on OTP generation fails fast")
    func timeoutOnOTPGenerationFailsFast() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn(["--fail", "otp_generate:slow=3"])
        let profile = uniqueProfile()
        defer { try? keyctl.remove("upx:\(profile)") }

        // Without the limit the reply would come after 3 s and the login would succeed.
        let result = try runCommand(
            login, ["--print", "--timeout", "1", "--profile", profile], environment: standIn.loginEnvironment())

        #expect(result.status == 5, "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "upx-login: step 2 (OTP generate) failed: no reply within 1 s (--timeout); "
            + "Upstox may be slow or down: try again later, or allow more time with --timeout\n")
        #expect(try standIn.requestCount("otp_generate") == 1)
    }

    @Test("connect timeout names its option")
    func connectTimeoutNamesItsOption() throws {
        let port = try TestPort(.stalled)
        let environment = TestAccount.loginEnvironment(baseURL: port.url)

        // Without the limit the connection would wait past runCommand's 60 s, which records an issue.
        let result = try runCommand(
            login, ["--print", "--connect-timeout", "1", "--retries", "0", "--profile", uniqueProfile()],
            environment: environment)

        #expect(result.status == 5, "stderr: \(result.stderr)")
        #expect(result.stderr == "upx-login: step 1 (authorization dialog) failed: no connection within 1 s "
            + "(--connect-timeout); check the network and the base URLs, or allow more time with --connect-timeout\n")
    }

    @Test("wrong PIN sent once")
    func wrongPINSentOnce() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn()
        let profile = uniqueProfile()
        defer { try? keyctl.remove("upx:\(profile)") }
        var environment = standIn.loginEnvironment()
        environment["UPSTOX_PIN_CODE"] = "111111"

        let result = try runCommand(login, ["--print", "--profile", profile], environment: environment)
        #expect(result.status == 4, "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(try standIn.requestCount("twofa_v4") == 1)
        #expect(try standIn.stats()["wrong_pins"] as? Int == 1)
        #expect(result.stderr.hasPrefix("upx-login: step 4 (PIN) rejected by Upstox: incorrect PIN (1017106: "))
    }

    @Test("OTP block names time")
    func otpBlockNamesTime() throws {
        let standIn = try StandIn(["--fail", "otp_generate:otp_blocked"])
        let result = try runCommand(login, ["--print", "--profile", uniqueProfile()], environment: standIn.loginEnvironment())

        #expect(result.status == 7, "stderr: \(result.stderr)")
        #expect(try standIn.requestCount("otp_generate") == 1)
        #expect(try standIn.requestCount("totp_verify_v5") == 0)
        #expect(result.stderr.contains("; try again after "))
        #expect(result.stderr.hasSuffix(" (about 10 minutes)\n"))
    }
}

@Suite("upx-login verify-online and logout")
struct LoginTokenCallEndToEndTests {
    /// Logs in to `standIn` for `profile` and returns the token printed.
    private func logIn(_ standIn: StandIn, profile: String) throws -> String {
        let result = try runCommand(login, ["--print", "--profile", profile], environment: standIn.loginEnvironment())
        #expect(result.status == 0, "stderr: \(result.stderr)")
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    @Test("verify online keeps valid token")
    func verifyOnlineKeepsValidToken() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn()
        let profile = uniqueProfile()
        defer { try? keyctl.remove("upx:\(profile)") }
        let token = try logIn(standIn, profile: profile)

        let result = try runCommand(
            login, ["--verify-online", "--print", "--profile", profile], environment: standIn.loginEnvironment())
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == token + "\n")
        #expect(try standIn.requestCount("profile") == 1)
        #expect(try standIn.requestCount("token") == 1)
        #expect(try standIn.requestCount("dialog") == 1)
    }

    @Test("verify online replaces revoked token")
    func verifyOnlineReplacesRevokedToken() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn()
        let profile = uniqueProfile()
        defer { try? keyctl.remove("upx:\(profile)") }
        let token = try logIn(standIn, profile: profile)

        // Revoke the token behind upx-login's back, as a logout from another machine would.
        let revoke = try CurlTransport().send(HTTPRequest(
            method: "DELETE", url: standIn.baseURL + "/v2/logout", headers: [("authorization", "Bearer " + token)],
            usesCookies: false))
        #expect(revoke.status == 200)

        let result = try runCommand(
            login, ["--verify-online", "--print", "--profile", profile], environment: standIn.loginEnvironment())
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let newToken = result.stdout.trimmingCharacters(in: .newlines)
        #expect(newToken != token)
        #expect(try standIn.issuedTokens() == [token, newToken])
        #expect(try standIn.requestCount("profile") == 1)
        #expect(result.stderr.contains("upx-login: Upstox rejected the cached token of key upx:\(profile) (UDAPI100050: "))
        #expect(!result.stderr.contains(token))
    }

    @Test("logout revokes and removes key")
    func logoutRevokesAndRemovesKey() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn()
        let profile = uniqueProfile()
        defer { try? keyctl.remove("upx:\(profile)") }
        let token = try logIn(standIn, profile: profile)
        #expect(try keyctl.search("upx:\(profile)") != nil)

        let result = try runCommand(login, ["--logout", "--profile", profile], environment: standIn.loginEnvironment())
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(try standIn.stats()["revoked_tokens"] as? [String] == [token])
        #expect(try keyctl.search("upx:\(profile)") == nil)
        #expect(result.stderr.hasSuffix("Upstox revoked the token; removed key upx:\(profile)\n"))

        let again = try runCommand(login, ["--logout", "--profile", profile], environment: standIn.loginEnvironment())
        #expect(again.status == 1)
        #expect(again.stderr == "upx-login: no cached token for profile \(profile): no key upx:\(profile) in the user keyring\n")
    }

    @Test("logout while server down keeps key")
    func logoutWhileServerDownKeepsKey() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn()
        let profile = uniqueProfile()
        defer { try? keyctl.remove("upx:\(profile)") }
        _ = try logIn(standIn, profile: profile)

        let down = try TestPort(.refusing)
        var environment = standIn.loginEnvironment()
        environment["UPSTOX_API_BASE_URL"] = down.url
        environment["UPSTOX_SERVICE_BASE_URL"] = down.url
        let result = try runCommand(login, ["--logout", "--profile", profile], environment: environment)

        #expect(result.status == 5, "stderr: \(result.stderr)")
        #expect(try keyctl.search("upx:\(profile)") != nil)
        #expect(try standIn.requestCount("logout") == 0)
        #expect(result.stderr.contains("retrying in "))
        #expect(result.stderr.hasSuffix("key upx:\(profile) kept, so that --logout can be tried again "
            + "('upx-login --purge' removes keys without revoking their tokens)\n"))
    }
}
