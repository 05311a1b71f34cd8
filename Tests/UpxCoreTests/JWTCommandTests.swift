// upx-jwt run in-process: its inputs, the keyring default, times, checks, output modes and errors,
// with a fixed clock, a fixed local time zone and an in-memory keyring.

import FoundationEssentials
import Testing
@testable import UpxCore

/// The runs' clock: 2023-11-14 22:13:20 UTC.
private let now: Double = 1_700_000_000

/// exp is one hour after the runs' clock, iat one hour before it.
private let liveToken = makeToken(claims: #"{"sub":"ABC123","iat":1699996400,"exp":1700003600}"#)
/// exp is two days before the runs' clock.
private let expiredToken = makeToken(claims: #"{"sub":"ABC123","exp":1699827200}"#)
/// An Upstox access token without exp, issued at 2023-11-14 13:53:20 UTC, so it ends at
/// 2023-11-14 22:00:00 UTC (1699999200), the next 03:30 IST.
private let upstoxTokenWithoutExpiry = makeToken(claims: #"{"sub":"7AB123","iat":1699970000,"iss":"udapi-gateway-service"}"#)
/// 2023-11-14 19:26:40 UTC: 2h 33m 20s before the Upstox token's computed expiry.
private let upstoxNow: Double = 1_699_990_000

/// Runs upx-jwt through `ToolRunner` with a fixed clock, a fixed local time zone and `keyring`.
private func jwt(
    _ arguments: [String], input: String? = "", inputIsTerminal: Bool = false, outputIsTerminal: Bool = false,
    environment: [String: String] = [:], keyring: MemoryKeyring = MemoryKeyring(),
    zone: ZoneOffset = .utc, at instant: Double = now
) -> ToolRun {
    var output = ""
    var error = ""
    let streams = Streams(
        out: { output += $0 }, err: { error += $0 }, readInput: { input.map { Array($0.utf8) } },
        outputIsTerminal: outputIsTerminal, inputIsTerminal: inputIsTerminal)
    let context = Context(
        environment: environment, clock: FixedClock(unixSeconds: instant), streams: streams, keyring: keyring,
        makeTransport: { CurlTransport() }, workingDirectory: "/nonexistent-upx-test")
    let status = ToolRunner.run(JWTCommand.info, arguments: arguments, context: context) { arguments, context in
        try JWTCommand.run(arguments, context, timeZone: FixedTimeZone(zone))
    }
    return ToolRun(status: status, output: output, error: error)
}

/// Returns a keyring that contains upx-login's record of `token` as key `upx:PROFILE`.
private func keyring(with token: String, profile: String = "default", expiresAt: Int64 = 1_700_003_600) throws -> MemoryKeyring {
    let record = TokenRecord(
        accessToken: token, extendedToken: nil, userID: "7AB123", userName: "Test User",
        issuedAt: 1_699_996_400, expiresAt: expiresAt)
    let keyring = MemoryKeyring()
    _ = try keyring.store(name: "upx:\(profile)", payload: record.encoded(), timeoutSeconds: 3600)
    return keyring
}

// MARK: - Help

@Test func jwtCommandHelpSaysNoVerification() {
    let run = jwt(["--help"])
    #expect(run.status == 0)
    #expect(run.output.contains("never verifies the signature"))
    #expect(run.output.contains(ExitCode.helpTable))
}

@Test func jwtCommandUnknownOption() {
    #expect(jwt(["--bogus"]).status == 2)
}

// MARK: - Input

@Test func jwtCommandArgument() {
    let run = jwt([liveToken])
    #expect(run.status == 0)
    #expect(run.error.isEmpty)
    #expect(run.output == """
        Header:
        {
          "alg": "HS256",
          "typ": "JWT"
        }
        Claims:
        {
          "sub": "ABC123",
          "iat": 1699996400,
          "exp": 1700003600
        }
        Issued at:   2023-11-14 21:13:20 UTC  (1h ago)
        Expires:     2023-11-14 23:13:20 UTC  (expires in 1h)
        Status:      valid
        Signature:   9 bytes, not verified

        """)
}

@Test func jwtCommandPipedInput() {
    #expect(jwt([], input: liveToken + "\r\n").status == 0)
}

@Test func jwtCommandDashReadsStandardInput() {
    #expect(jwt(["-"], input: expiredToken).status == 1)
}

@Test(arguments: [
    "Bearer \(liveToken)", "bearer \(liveToken)", "\"\(liveToken)\"", "'\(liveToken)'",
    "  \"Bearer \(liveToken)\"\r\n", "Bearer '\(liveToken)'\n", "\t\(liveToken)  ",
])
func jwtCommandCleansPastedToken(_ pasted: String) {
    let run = jwt(["--claim", "sub"], input: pasted)
    #expect(run.status == 0, "stderr: \(run.error)")
    #expect(run.output == "ABC123\n")
}

@Test func jwtCommandEmptyDashInput() {
    let run = jwt(["-"], input: " \n")
    #expect(run.status == 3)
    #expect(run.error == "upx-jwt: no token given (pass TOKEN as an argument or on standard input)\n")
}

@Test func jwtCommandUnreadableInput() {
    #expect(jwt(["-"], input: nil).status == 3)
}

@Test func jwtCommandExtraOperandOmitsToken() {
    let run = jwt([liveToken, expiredToken])
    #expect(run.status == 2)
    #expect(!run.error.contains(expiredToken.prefix(10)))
}

// MARK: - Keyring

@Test func jwtCommandEmptyInputReadsKeyring() throws {
    let run = jwt([], input: "", keyring: try keyring(with: liveToken))
    #expect(run.status == 0, "stderr: \(run.error)")
    #expect(run.output.hasPrefix("Token:       key upx:default in the user keyring\n"))
    #expect(run.output.contains("Issuer:      Upstox\n"))
}

@Test func jwtCommandClosedInputReadsKeyring() throws {
    let run = jwt(["--claim", "sub"], input: nil, keyring: try keyring(with: liveToken))
    #expect(run.status == 0, "stderr: \(run.error)")
    #expect(run.output == "ABC123\n")
}

@Test func jwtCommandTerminalInputReadsKeyring() throws {
    // A terminal is never read, so the input given here must not matter.
    let run = jwt(["--claim", "sub"], input: expiredToken, inputIsTerminal: true, keyring: try keyring(with: liveToken))
    #expect(run.status == 0)
    #expect(run.output == "ABC123\n")
}

@Test func jwtCommandProfileOptionSkipsInput() throws {
    let store = try keyring(with: liveToken, profile: "alpha")
    let run = jwt(["--profile", "alpha", "--check"], input: expiredToken, keyring: store)
    #expect(run.status == 0, "stderr: \(run.error)")
}

@Test func jwtCommandProfileFromEnvironment() throws {
    let store = try keyring(with: expiredToken, profile: "beta")
    #expect(jwt(["--check"], environment: ["UPX_PROFILE": "beta"], keyring: store).status == 1)
}

@Test func jwtCommandProfileOptionBeatsEnvironment() throws {
    let store = try keyring(with: liveToken, profile: "alpha")
    #expect(jwt(["-P", "alpha", "--check"], environment: ["UPX_PROFILE": "beta"], keyring: store).status == 0)
}

@Test func jwtCommandNothingCached() {
    let run = jwt(["--check"], environment: ["UPX_KEYRING": "persistent"])
    #expect(run.status == 1)
    #expect(run.error == "upx-jwt: no token cached: no key upx:default in the persistent keyring "
        + "(log in with upx-login, or pass a token)\n")
}

@Test func jwtCommandBadRecord() throws {
    let store = MemoryKeyring()
    _ = try store.store(name: "upx:default", payload: Array("not a record".utf8), timeoutSeconds: 60)
    let run = jwt(["--keyring", "session"], keyring: store)
    #expect(run.status == 3)
    #expect(run.error.contains("key upx:default in the session keyring is not a upx-login token record"))
}

@Test func jwtCommandTokenWithProfileConflicts() {
    let run = jwt([liveToken, "--profile", "alpha"])
    #expect(run.status == 2)
    #expect(run.error == "upx-jwt: options 'TOKEN' and '--profile' cannot be used together (see 'upx-jwt --help')\n")
}

@Test func jwtCommandInvalidProfile() {
    #expect(jwt(["--profile", "../x"]).status == 2)
}

@Test func jwtCommandInvalidKeyringName() {
    let run = jwt(["--keyring", "thread"])
    #expect(run.status == 2)
    #expect(run.error.contains("invalid value 'thread' for '--keyring': expected user, persistent or session"))
    #expect(jwt([], environment: ["UPX_KEYRING": "@u"]).status == 2)
}

// MARK: - Times

@Test func jwtCommandLocalTimeShown() {
    let run = jwt([liveToken], zone: ZoneOffset(seconds: 3600, abbreviation: "CET"))
    #expect(run.output.contains("""
        Expires:     2023-11-14 23:13:20 UTC  (expires in 1h)
                     2023-11-15 00:13:20 CET  (local time)

        """))
}

@Test func jwtCommandLocalZoneWithoutAbbreviation() {
    let run = jwt([liveToken], zone: ZoneOffset(seconds: -12_600, abbreviation: ""))
    #expect(run.output.contains("             2023-11-14 19:43:20 -0330  (local time)\n"))
}

@Test func jwtCommandUpstoxTimesInIST() {
    let token = makeToken(claims: #"{"sub":"7AB123","iat":1699996400,"iss":"udapi-gateway-service","exp":1700003600}"#)
    let run = jwt([token], zone: ZoneOffset(seconds: 3600, abbreviation: "CET"))
    #expect(run.output.contains("Issuer:      Upstox\n"))
    #expect(run.output.contains("""
        Expires:     2023-11-14 23:13:20 UTC  (expires in 1h)
                     2023-11-15 04:43:20 IST
                     2023-11-15 00:13:20 CET  (local time)

        """))
}

@Test func jwtCommandIndianLocalTimeNotRepeated() {
    let token = makeToken(claims: #"{"iss":"https://login.upstox.com","exp":1700003600}"#)
    let run = jwt([token], zone: .india)
    #expect(run.output.contains("Expires:     2023-11-14 23:13:20 UTC  (expires in 1h)\n             2023-11-15 04:43:20 IST\nStatus:"))
}

@Test func jwtCommandOtherIssuerNoIST() {
    let token = makeToken(claims: #"{"iss":"https://accounts.example.com","exp":1700003600}"#)
    #expect(!jwt([token]).output.contains("IST"))
}

@Test func jwtCommandNotBeforeAhead() {
    let run = jwt([makeToken(claims: #"{"nbf":1700000300}"#)])
    #expect(run.status == 1)
    #expect(run.output.contains("Not before:  2023-11-14 22:18:20 UTC  (in 5m)\n"))
    #expect(run.output.contains("Status:      not valid yet (nbf is ahead)\n"))
}

@Test func jwtCommandExpiredAgo() {
    let run = jwt([makeToken(claims: #"{"exp":1699999820}"#)])
    #expect(run.status == 1)
    #expect(run.output.contains("Expires:     2023-11-14 22:10:20 UTC  (expired 3m ago)\n"))
    #expect(run.output.contains("Status:      expired\n"))
}

@Test func jwtCommandNoExpiryNeverExpires() {
    let run = jwt([makeToken(claims: #"{"sub":"A"}"#)])
    #expect(run.status == 0)
    #expect(run.output.contains("Expires:     never (the token has no exp claim)\n"))
}

@Test func jwtCommandMillisecondWarning() {
    let run = jwt([makeToken(claims: #"{"exp":1700003600000}"#)])
    #expect(run.status == 0)
    #expect(run.error == "upx-jwt: warning: the 'exp' claim looks like milliseconds, which would make it "
        + "2023-11-14 23:13:20 UTC; it is read as seconds, as RFC 7519 defines it\n")
}

@Test func jwtCommandStringExpiryNamesClaim() {
    let run = jwt([makeToken(claims: #"{"exp":"1700003600"}"#)])
    #expect(run.status == 3)
    #expect(run.error == "upx-jwt: invalid JWT: the 'exp' claim is not a number of seconds since 1970-01-01 UTC\n")
}

@Test func jwtCommandOutOfRangeNamesClaim() {
    let run = jwt(["--check", makeToken(claims: #"{"nbf":-5}"#)])
    #expect(run.status == 3)
    #expect(run.error.contains("the 'nbf' claim -5 is out of range"))
}

// MARK: - Upstox and opaque tokens

@Test func jwtCommandUpstoxExpiryComputed() {
    let run = jwt([upstoxTokenWithoutExpiry], at: upstoxNow)
    #expect(run.status == 0)
    #expect(run.output.contains("""
        Expires:     2023-11-14 22:00:00 UTC  (expires in 2h 33m)
                     2023-11-15 03:30:00 IST
                     computed: no exp claim, and Upstox ends its access tokens at the first 03:30 IST after iat

        """))
}

@Test func jwtCommandUpstoxComputedJSON() {
    let run = jwt(["--json", upstoxTokenWithoutExpiry], at: upstoxNow)
    #expect(run.output.hasSuffix(#""expiry":{"at":"2023-11-14T22:00:00Z","unix":1699999200,"source":"computed","seconds_left":9200,"expired":false,"not_yet_valid":false,"valid":true}}"# + "\n"))
}

@Test func jwtCommandUpstoxComputedExpiryChecked() {
    #expect(jwt(["--check", upstoxTokenWithoutExpiry], at: 1_699_999_200).status == 1)
    #expect(jwt(["--check", upstoxTokenWithoutExpiry], at: 1_699_999_199).status == 0)
}

@Test func jwtCommandUpstoxWithoutTimesUnknown() {
    let token = makeToken(claims: #"{"iss":"udapi-gateway-service"}"#)
    let run = jwt(["--check", token])
    #expect(run.status == 3)
    #expect(run.error == "upx-jwt: cannot check the token: the Upstox token has neither exp nor iat, "
        + "so its 03:30 IST expiry cannot be computed\n")
}

@Test func jwtCommandOpaqueArgument() {
    let run = jwt(["0123456789abcdef0123"])
    #expect(run.status == 0)
    #expect(run.output.hasPrefix("Token:       opaque (not a JWT), 20 characters\n"))
    #expect(run.output.contains("Expires:     unknown: the token is opaque"))
    #expect(!run.output.contains("0123456789"))
}

@Test func jwtCommandOpaqueArgumentCannotBeChecked() {
    let run = jwt(["--check", "0123456789abcdef0123"])
    #expect(run.status == 3)
    #expect(run.error.hasPrefix("upx-jwt: cannot check the token: the token is opaque (not a JWT)"))
}

@Test func jwtCommandOpaqueCachedUsesRecord() throws {
    let store = try keyring(with: "0123456789abcdef0123", expiresAt: 1_700_000_600)
    let run = jwt([], keyring: store)
    #expect(run.status == 0)
    #expect(run.output.contains("""
        Expires:     2023-11-14 22:23:20 UTC  (expires in 10m)
                     2023-11-15 03:53:20 IST
                     recorded by upx-login at login

        """))
    #expect(jwt(["--remaining"], keyring: store).output == "600\n")
    #expect(jwt(["--check", "--min-valid", "11m"], keyring: store).status == 1)
}

@Test func jwtCommandOpaqueJSON() throws {
    let run = jwt(["--json"], keyring: try keyring(with: "opaque-token-value", expiresAt: 1_700_000_600))
    #expect(run.output == #"{"header":null,"claims":null,"expiry":{"at":"2023-11-14T22:23:20Z","unix":1700000600,"source":"recorded","seconds_left":600,"expired":false,"not_yet_valid":false,"valid":true}}"# + "\n")
}

@Test func jwtCommandOpaqueHasNoClaims() {
    #expect(jwt(["--claim", "sub", "opaque-token-value"]).status == 3)
}

// MARK: - Checks

@Test func jwtCommandCheckValidPrintsNothing() {
    let run = jwt(["--check", liveToken])
    #expect(run.status == 0)
    #expect(run.output.isEmpty)
    #expect(run.error.isEmpty)
}

@Test func jwtCommandCheckExpired() {
    #expect(jwt(["--check", expiredToken]).status == 1)
}

@Test func jwtCommandCheckAtExpiryInstant() {
    let token = makeToken(claims: #"{"exp":1700000000}"#)
    #expect(jwt(["--check", token]).status == 1)
    #expect(jwt(["--check", token], at: now - 1).status == 0)
}

@Test func jwtCommandCheckFractionalExpiry() {
    let token = makeToken(claims: #"{"exp":1700000000.5}"#)
    #expect(jwt(["--check", token]).status == 0)
    #expect(jwt(["--check", token], at: now + 0.5).status == 1)
}

@Test func jwtCommandCheckNotYetValid() {
    #expect(jwt(["--check", makeToken(claims: #"{"nbf":1700000001}"#)]).status == 1)
    #expect(jwt(["--check", makeToken(claims: #"{"nbf":1700000000}"#)]).status == 0)
}

@Test func jwtCommandCheckWithoutExpiry() {
    #expect(jwt(["--check", makeToken(claims: #"{"sub":"A"}"#)]).status == 0)
}

@Test(arguments: [("1h", 0), ("60m", 0), ("3600", 0), ("3601s", 1), ("1h1s", 1), ("2d", 1)])
func jwtCommandMinValid(_ duration: String, _ status: Int32) {
    // liveToken has exactly one hour left.
    #expect(jwt(["--check", "--min-valid", duration, liveToken]).status == status)
}

@Test func jwtCommandMinValidInText() {
    let run = jwt(["--min-valid", "2h", liveToken])
    #expect(run.status == 1)
    #expect(run.output.contains("Status:      valid, but less than 2h left (--min-valid)\n"))
}

@Test func jwtCommandLeewayAfterExpiry() {
    let token = makeToken(claims: #"{"exp":1699999990}"#)
    #expect(jwt(["--check", token]).status == 1)
    #expect(jwt(["--check", "--leeway", "10s", token]).status == 1)
    #expect(jwt(["--check", "--leeway", "11s", token]).status == 0)
    #expect(jwt(["--leeway", "30s", token]).output.contains("Status:      valid with a leeway of 30s\n"))
}

@Test func jwtCommandLeewayBeforeNotBefore() {
    let token = makeToken(claims: #"{"nbf":1700000030}"#)
    #expect(jwt(["--check", "--leeway", "29s", token]).status == 1)
    #expect(jwt(["--check", "--leeway", "30s", token]).status == 0)
}

@Test func jwtCommandLeewayCountsForMinValid() {
    // 1h left plus 5m of leeway meets a minimum of 1h5m.
    #expect(jwt(["--check", "--leeway", "5m", "--min-valid", "1h5m", liveToken]).status == 0)
    #expect(jwt(["--check", "--leeway", "5m", "--min-valid", "1h5m1s", liveToken]).status == 1)
}

@Test(arguments: ["1x", "h", "1m1h", "1h1h", "-5", "1.5h", "1 h", ""])
func jwtCommandBadDuration(_ text: String) {
    let run = jwt(["--check", "--min-valid", text, liveToken])
    #expect(run.status == 2)
    #expect(run.error.contains("invalid value '\(text)' for '--min-valid': expected a duration"))
}

@Test func jwtCommandRemaining() {
    let run = jwt(["--remaining", liveToken])
    #expect(run.status == 0)
    #expect(run.output == "3600\n")
}

@Test func jwtCommandRemainingExpired() {
    let run = jwt(["--remaining", expiredToken])
    #expect(run.status == 1)
    #expect(run.output == "0\n")
}

@Test func jwtCommandRemainingWithoutExpiry() {
    let run = jwt(["--remaining", makeToken(claims: #"{"sub":"A"}"#)])
    #expect(run.status == 0)
    #expect(run.output.isEmpty)
    #expect(run.error == "upx-jwt: the token has no exp claim, so it never expires\n")
}

@Test func jwtCommandModesConflict() {
    let run = jwt(["--check", "--json", liveToken])
    #expect(run.status == 2)
    #expect(run.error.contains("options '--json' and '--check' cannot be used together"))
}

// MARK: - Claims and JSON

@Test func jwtCommandClaimString() {
    #expect(jwt(["--claim", "sub", liveToken]).output == "ABC123\n")
}

@Test func jwtCommandClaimNumberAsWritten() {
    let token = makeToken(claims: #"{"exp":1.7000036e9,"big":123456789012345678901234567890}"#)
    #expect(jwt(["--claim", "exp", token]).output == "1.7000036e9\n")
    #expect(jwt(["--claim", "big", token]).output == "123456789012345678901234567890\n")
}

@Test func jwtCommandClaimObjectAsJSON() {
    let token = makeToken(claims: #"{"roles":["a","b"],"meta":{"z":1,"a":"ü"}}"#)
    #expect(jwt(["--claim", "roles", token]).output == #"["a","b"]"# + "\n")
    #expect(jwt(["--claim", "meta", token]).output == #"{"z":1,"a":"ü"}"# + "\n")
}

@Test func jwtCommandClaimMissing() {
    let run = jwt(["--claim", "email", liveToken])
    #expect(run.status == 1)
    #expect(run.output.isEmpty)
    #expect(run.error == "upx-jwt: the token has no 'email' claim\n")
}

@Test func jwtCommandClaimOfExpiredToken() {
    #expect(jwt(["--claim", "sub", expiredToken]).status == 0)
}

@Test func jwtCommandClaimControlsEscapedOnTerminal() {
    let token = makeToken(claims: #"{"name":"a\u001b[2Jb\tc"}"#)
    #expect(jwt(["--claim", "name", token], outputIsTerminal: true).output == "a\\u001b[2Jb\tc\n")
    #expect(jwt(["--claim", "name", token]).output == "a\u{1B}[2Jb\tc\n")
}

@Test func jwtCommandPrettyClaimsKeepOrder() {
    let output = jwt([makeToken(claims: #"{"b":1,"a":2,"c":{"y":[1,2],"x":{}}}"#)]).output
    #expect(output.contains("""
        Claims:
        {
          "b": 1,
          "a": 2,
          "c": {
            "y": [
              1,
              2
            ],
            "x": {}
          }
        }

        """))
}

@Test func jwtCommandJSON() {
    let run = jwt(["--json", expiredToken])
    #expect(run.status == 1)
    #expect(run.output == #"{"header":{"alg":"HS256","typ":"JWT"},"claims":{"sub":"ABC123","exp":1699827200},"expiry":{"at":"2023-11-12T22:13:20Z","unix":1699827200,"source":"claim","seconds_left":-172800,"expired":true,"not_yet_valid":false,"valid":false}}"# + "\n")
}

@Test func jwtCommandJSONWithoutExpiry() {
    let run = jwt(["--json", makeToken(claims: #"{"sub":"A"}"#)])
    #expect(run.output.hasSuffix(#""expiry":{"at":null,"unix":null,"source":null,"seconds_left":null,"expired":false,"not_yet_valid":false,"valid":true}}"# + "\n"))
}

@Test func jwtCommandJSONKeepsFractionalExpiry() {
    let run = jwt(["--json", makeToken(claims: #"{"exp":1700003600.25}"#)])
    #expect(run.output.contains(#""at":"2023-11-14T23:13:20Z","unix":1700003600.25,"#))
}

// MARK: - Notes and malformed tokens

@Test func jwtCommandPaddingNote() {
    let run = jwt([makeToken(claims: #"{"sub":"A"}"#, padded: true)])
    #expect(run.status == 0)
    #expect(run.error.contains("upx-jwt: note: the claims part ends in '=' padding, which JWTs leave out (RFC 7515); decoded anyway\n"))
}

@Test func jwtCommandRepeatedClaimWarned() {
    let run = jwt(["--claim", "exp", makeToken(claims: #"{"exp":1,"sub":"A","exp":1700003600}"#)])
    #expect(run.output == "1700003600\n")
    #expect(run.error == "upx-jwt: warning: the name 'exp' occurs more than once in the claims; the last value counts\n")
}

@Test(arguments: [
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJBQkMxMjMifQ", "it has 2 dot-separated parts, not 3"),
    ("eyJhbGciOiJSU0EtT0FFUCJ9.a2V5.aXY.Y2lwaGVy.dGFn", "encrypted JWE token"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJBQkMxMjMi!Q.c2lnbmF0dXJl", "the claims part (segment 2) has a character outside base64url"),
    ("eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2lnbmF0dXJl", "the claims part (segment 2) is not valid JSON"),
    ("bm90IGpzb24.eyJzdWIiOiJBQkMxMjMifQ.c2lnbmF0dXJl", "the header part (segment 1) is not valid JSON"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJBQkMxMjMifQ.c2lnbmF0dXJl!", "the signature part (segment 3) has a character"),
])
func jwtCommandMalformedToken(_ token: String, _ expected: String) {
    let run = jwt(["--check", token])
    #expect(run.status == 3)
    #expect(run.error.contains(expected), "stderr: \(run.error)")
    #expect(run.error.split(separator: "\n").count == 1)
    for part in token.split(separator: ".") where part.count > 3 {
        #expect(!run.error.contains(part), "the message shows \(part)")
    }
}
