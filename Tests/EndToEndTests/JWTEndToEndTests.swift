// upx-jwt through the built binary: tokens from pipes and from the real kernel keyring,
// and its exit status inside bash's `if`.

import Foundation
import Testing
import UpxCore

@Suite("upx-jwt end to end")
struct JWTEndToEndTests {
    let jwt = builtToolsFolder.appendingPathComponent("upx-jwt").path

    @Test("keyring default after login")
    func keyringDefaultAfterLogin() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn()
        let profile = uniqueProfile("e2e-jwt")
        defer { try? keyctl.remove("upx:\(profile)") }
        let login = builtToolsFolder.appendingPathComponent("upx-login").path
        let stored = try runCommand(login, ["--quiet", "--profile", profile], environment: standIn.loginEnvironment())
        #expect(stored.status == 0, "stderr: \(stored.stderr)")

        var environment = baseEnvironment()
        environment["UPX_PROFILE"] = profile
        let decoded = try runCommand(jwt, ["--json"], environment: environment)
        #expect(decoded.status == 0, "stderr: \(decoded.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(decoded.stdout.utf8)) as? [String: Any]
        let claims = object?["claims"] as? [String: Any]
        let expiry = object?["expiry"] as? [String: Any]
        #expect(claims?["sub"] as? String == TestAccount.userID)
        #expect(expiry?["source"] as? String == "claim")
        #expect(expiry?["valid"] as? Bool == true)
        #expect((expiry?["unix"] as? Int ?? 0) % 86_400 == 22 * 3600)

        let text = try runCommand(jwt, ["--profile", profile], environment: baseEnvironment())
        #expect(text.status == 0, "stderr: \(text.stderr)")
        #expect(text.stdout.hasPrefix("Token:       key upx:\(profile) in the user keyring\n"))
        #expect(text.stdout.contains(" 03:30:00 IST\n"))
        #expect(text.stdout.contains("Status:      valid\n"))
    }

    @Test("keyring token without exp")
    func keyringTokenWithoutExpiry() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn(["--no-exp"])
        let profile = uniqueProfile("e2e-jwt")
        defer { try? keyctl.remove("upx:\(profile)") }
        let login = builtToolsFolder.appendingPathComponent("upx-login").path
        let stored = try runCommand(login, ["--quiet", "--profile", profile], environment: standIn.loginEnvironment())
        #expect(stored.status == 0, "stderr: \(stored.stderr)")

        let text = try runCommand(jwt, ["--profile", profile])
        #expect(text.status == 0, "stderr: \(text.stderr)")
        #expect(text.stdout.contains("computed: no exp claim"))
        let remaining = try runCommand(jwt, ["--remaining", "--profile", profile])
        let seconds = try #require(Int(remaining.stdout.trimmingCharacters(in: .newlines)))
        let secondsToCutoff = (22 * 3600 - Int(Date().timeIntervalSince1970) % 86_400 + 86_400) % 86_400
        #expect(abs(seconds - secondsToCutoff) <= 5)
    }

    @Test("check exit codes in bash if")
    func checkExitCodesInBashIf() throws {
        let bash = try requireProgram("bash", package: "bash")
        let keyctl = try Keyctl()
        let now = Int(Date().timeIntervalSince1970)
        let valid = uniqueProfile("e2e-jwt"), expired = uniqueProfile("e2e-jwt")
        defer {
            try? keyctl.remove("upx:\(valid)")
            try? keyctl.remove("upx:\(expired)")
        }
        try storeRecord(profile: valid, token: makeTestToken(claims: #"{"sub":"V","exp":\#(now + 3600)}"#), expiresAt: now + 3600)
        try storeRecord(profile: expired, token: makeTestToken(claims: #"{"sub":"E","exp":\#(now - 60)}"#), expiresAt: now - 60)

        let script = #"""
            if upx-jwt --check --profile "$VALID"; then echo "valid 0"; else echo "valid $?"; fi
            if upx-jwt --check --profile "$EXPIRED"; then echo "expired 0"; else echo "expired $?"; fi
            if upx-jwt --check --min-valid 2h --profile "$VALID"; then echo "min-valid 0"; else echo "min-valid $?"; fi
            if upx-jwt --check --leeway 2m --profile "$EXPIRED"; then echo "leeway 0"; else echo "leeway $?"; fi
            if upx-jwt --check --profile "$VALID-missing" 2>/dev/null; then echo "missing 0"; else echo "missing $?"; fi
            if printf 'Bearer %s\r\n' "$TOKEN" | upx-jwt --check; then echo "piped 0"; else echo "piped $?"; fi
            if echo 'abc.def' | upx-jwt --check 2>/dev/null; then echo "malformed 0"; else echo "malformed $?"; fi
            """#
        var environment = baseEnvironment()
        environment["VALID"] = valid
        environment["EXPIRED"] = expired
        environment["TOKEN"] = makeTestToken(claims: #"{"exp":\#(now + 600)}"#)
        let result = try runCommand(bash, ["--norc", "--noprofile", "-c", script], environment: environment)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.split(separator: "\n") == [
            "valid 0", "expired 1", "min-valid 1", "leeway 0", "missing 1", "piped 0", "malformed 3",
        ])
        #expect(result.stderr.isEmpty)
    }

    @Test("opaque cached token")
    func opaqueCachedToken() throws {
        let keyctl = try Keyctl()
        let profile = uniqueProfile("e2e-jwt")
        defer { try? keyctl.remove("upx:\(profile)") }
        let now = Int(Date().timeIntervalSince1970)
        try storeRecord(profile: profile, token: "opaque-e2e-0123456789", expiresAt: now + 600)

        let remaining = try runCommand(jwt, ["--remaining", "--profile", profile])
        #expect(remaining.status == 0, "stderr: \(remaining.stderr)")
        let seconds = try #require(Int(remaining.stdout.trimmingCharacters(in: .newlines)))
        #expect((595...600).contains(seconds))

        let text = try runCommand(jwt, ["--profile", profile])
        #expect(text.stdout.contains("Token:       opaque (not a JWT), 21 characters\n"))
        #expect(text.stdout.contains("recorded by upx-login at login\n"))
        #expect(!text.stdout.contains("opaque-e2e-0123456789"))
    }

    @Test("session keyring")
    func sessionKeyring() throws {
        let bash = try requireProgram("bash", package: "bash")
        let keyctl = try Keyctl()
        let profile = uniqueProfile("e2e-jwt")
        let environment = try plantingEnvironment(profile: profile, subject: "S")

        // The key lives in an anonymous session keyring that ends with the shell.
        let script = #"""
            printf %s "$RECORD" | keyctl padd user "upx:$PROFILE" @s >/dev/null || exit 9
            upx-jwt --keyring session --profile "$PROFILE" --claim sub
            UPX_KEYRING=session upx-jwt --profile "$PROFILE" --check; echo "environment $?"
            upx-jwt --profile "$PROFILE" --check 2>/dev/null; echo "user $?"
            """#
        let result = try runCommand(keyctl.path, ["session", "-", bash, "--norc", "--noprofile", "-c", script], environment: environment)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.split(separator: "\n") == ["S", "environment 0", "user 1"])
    }

    @Test("persistent keyring from fresh session")
    func persistentKeyringFromFreshSession() throws {
        let bash = try requireProgram("bash", package: "bash")
        let keyctl = try Keyctl()
        let profile = uniqueProfile("e2e-jwt")
        let environment = try plantingEnvironment(profile: profile, subject: "P")

        // Each step runs in a new anonymous session keyring, so only the persistent keyring links them.
        let plant = #"printf %s "$RECORD" | keyctl padd user "upx:$PROFILE" "$(keyctl get_persistent @s)" >/dev/null"#
        let remove = #"persistent=$(keyctl get_persistent @s) && keyctl unlink "$(keyctl search "$persistent" user "upx:$PROFILE")" "$persistent""#
        let planted = try runCommand(keyctl.path, ["session", "-", bash, "-c", plant], environment: environment)
        try #require(planted.status == 0, "stderr: \(planted.stderr)")
        defer { _ = try? runCommand(keyctl.path, ["session", "-", bash, "-c", remove], environment: environment) }

        let read = try runCommand(keyctl.path, ["session", "-", jwt, "--keyring", "persistent", "--profile", profile, "--claim", "sub"])
        #expect(read.status == 0, "stderr: \(read.stderr)")
        #expect(read.stdout == "P\n")

        let user = try runCommand(keyctl.path, ["session", "-", jwt, "--profile", profile, "--check"])
        #expect(user.status == 1)
        #expect(user.stderr.contains("no key upx:\(profile) in the user keyring"))
    }

    @Test("malformed token one line")
    func malformedTokenOneLine() throws {
        let token = makeTestToken(claims: #"{"sub":"ABC123"}"#)
        let parts = token.split(separator: ".")
        for broken in [parts[0] + "." + parts[1], token + ".more.parts", parts[0] + ".e30-x!." + parts[2]] {
            let result = try runCommand(jwt, ["--check"], input: broken + "\n")
            #expect(result.status == 3)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.hasPrefix("upx-jwt: invalid JWT: "))
            #expect(result.stderr.split(separator: "\n").count == 1)
            for part in parts { #expect(!result.stderr.contains(part)) }
        }
    }

    @Test("local time from TZ")
    func localTimeFromTZ() throws {
        var environment = baseEnvironment()
        environment["TZ"] = "CET-1"
        let result = try runCommand(jwt, [], environment: environment, input: makeTestToken(claims: #"{"exp":1764972000}"#))
        #expect(result.status == 1)
        #expect(result.stdout.contains("Expires:     2025-12-05 22:00:00 UTC  (expired "))
        #expect(result.stdout.contains("             2025-12-05 23:00:00 CET  (local time)\n"))
    }

    /// Returns an environment with PROFILE and RECORD, the JSON record of a token for `subject`
    /// that is valid for 10 minutes, for shell scripts that plant the key with keyctl.
    private func plantingEnvironment(profile: String, subject: String) throws -> [String: String] {
        let expiresAt = Int(Date().timeIntervalSince1970) + 600
        var environment = baseEnvironment()
        environment["PROFILE"] = profile
        environment["RECORD"] = try recordJSON(
            token: makeTestToken(claims: #"{"sub":"\#(subject)","exp":\#(expiresAt)}"#), expiresAt: expiresAt)
        return environment
    }

    /// Returns upx-login's JSON record of `token`, issued now.
    private func recordJSON(token: String, expiresAt: Int) throws -> String {
        let record = TokenRecord(
            accessToken: token, extendedToken: nil, userID: TestAccount.userID, userName: "Test User",
            issuedAt: Int64(Date().timeIntervalSince1970), expiresAt: Int64(expiresAt))
        return String(decoding: record.encoded(), as: UTF8.self)
    }

    /// Stores a record as key `upx:PROFILE` in the user keyring, as upx-login does.
    private func storeRecord(profile: String, token: String, expiresAt: Int) throws {
        let payload = Array(try recordJSON(token: token, expiresAt: expiresAt).utf8)
        _ = try KernelKeyring().store(name: "upx:\(profile)", payload: payload, timeoutSeconds: 600)
    }
}

/// Builds an HS256-shaped JWT with the given claims and a made-up signature.
func makeTestToken(claims: String) -> String {
    let encode = { (text: String) in
        Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
    return encode(#"{"alg":"HS256","typ":"JWT"}"#) + "." + encode(claims) + "." + encode("made-up signature")
}
