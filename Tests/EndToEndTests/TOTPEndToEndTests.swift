// Each upx-totp option through the built binary, with the RFC 6238 and RFC 4226 test keys, so
// every expected code below comes from the RFCs' own tables.

import Foundation
import Testing

/// The RFC 6238 Appendix B keys in base32: ASCII "1234567890" repeated to 20, 32 and 64 bytes.
enum RFCKey {
    static let sha1 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    static let sha256 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA===="
    static let sha512 =
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA="
}

/// One run of upx-totp with the SHA-1 key in UPSTOX_TOTP_SECRET, and the stdout it must print.
struct TOTPCase: CustomTestStringConvertible, Sendable {
    let arguments: [String]
    let stdout: String
    var status: Int32 = 0
    var secret = RFCKey.sha1

    var testDescription: String { arguments.joined(separator: " ") }
}

@Suite("upx-totp options end to end")
struct TOTPEndToEndTests {
    static let totp = builtToolsFolder.appendingPathComponent("upx-totp").path

    static let cases: [TOTPCase] = [
        TOTPCase(arguments: ["--at", "59", "--digits", "8"], stdout: "94287082\n"),
        TOTPCase(arguments: ["--at", "59.999", "-d", "8"], stdout: "94287082\n"),
        TOTPCase(arguments: ["--at", "2005-03-18T01:58:29Z", "-d", "8"], stdout: "07081804\n"),
        TOTPCase(arguments: ["--at", "2005-03-18T07:28:29+05:30", "-d", "8"], stdout: "07081804\n"),
        TOTPCase(arguments: ["--at", "59", "-d", "8", "--algorithm", "sha256"], stdout: "46119246\n", secret: RFCKey.sha256),
        TOTPCase(arguments: ["--at", "59", "-d", "8", "-a", "sha512"], stdout: "90693936\n", secret: RFCKey.sha512),
        TOTPCase(arguments: ["--at", "20000000000", "-d", "8", "-a", "sha512"], stdout: "47863826\n", secret: RFCKey.sha512),
        // With a 60-second period, t=59 is still in step 0, whose HOTP code RFC 4226 lists.
        TOTPCase(arguments: ["--at", "59", "--period", "60"], stdout: "755224\n"),
        // t=89 is step 2 from T0=0, but step 1 from T0=30.
        TOTPCase(arguments: ["--at", "89", "--epoch", "30"], stdout: "287082\n"),
        TOTPCase(arguments: ["--counter", "9"], stdout: "520489\n"),
        TOTPCase(arguments: ["--counter", "3", "--json"], stdout: #"{"code":"969429","counter":3}"# + "\n"),
        TOTPCase(arguments: ["--at", "59", "--next"], stdout: "359152\n"),
        TOTPCase(arguments: ["--at", "59", "--next", "--json"], stdout: #"{"code":"359152","counter":2,"starts_in":1}"# + "\n"),
        TOTPCase(arguments: ["--at", "45", "--remaining"], stdout: "15\n"),
        TOTPCase(arguments: ["--at", "45", "--remaining", "--json"], stdout: #"{"counter":1,"remaining":15}"# + "\n"),
        TOTPCase(arguments: ["--at", "45", "--json"], stdout: #"{"code":"287082","counter":1,"remaining":15}"# + "\n"),
        TOTPCase(arguments: ["--at", "59", "--window", "2"], stdout: "-1 755224\n+0 287082\n+1 359152\n+2 969429\n"),
        TOTPCase(
            arguments: ["--at", "59", "--window", "1", "--json"],
            stdout: #"{"codes":[{"code":"755224","counter":0,"offset":-1},"#
                + #"{"code":"287082","counter":1,"offset":0},{"code":"359152","counter":2,"offset":1}]}"# + "\n"),
        TOTPCase(arguments: ["--at", "59", "--verify", "287082"], stdout: "+0\n"),
        TOTPCase(arguments: ["--at", "59", "--verify", "755224"], stdout: "-1\n"),
        TOTPCase(arguments: ["--at", "59", "--verify", "969429"], stdout: "", status: 1),
        TOTPCase(arguments: ["--at", "59", "--verify", "969429", "--window", "2"], stdout: "+2\n"),
        TOTPCase(arguments: ["--at", "59", "--verify", "359152", "--json"], stdout: #"{"match":true,"offset":1}"# + "\n"),
        TOTPCase(arguments: ["--at", "59", "--verify", "000000", "--json"], stdout: #"{"match":false}"# + "\n", status: 1),
    ]

    @Test("option prints RFC code", arguments: cases)
    func optionPrintsRFCCode(_ testCase: TOTPCase) throws {
        var environment = baseEnvironment()
        environment["UPSTOX_TOTP_SECRET"] = testCase.secret

        let result = try runCommand(Self.totp, testCase.arguments, environment: environment)
        #expect(result.status == testCase.status, "stderr: \(result.stderr)")
        #expect(result.stdout == testCase.stdout)
    }

    @Test("counter past 2^53 prints exactly", arguments: [UInt64(1) << 53 + 1, UInt64.max])
    func largeCounterPrintsExactly(_ counter: UInt64) throws {
        let oathtool = try requireProgram("oathtool", package: "oathtool")
        let expected = try runCommand(oathtool, ["--hotp", "-b", "--counter", String(counter), RFCKey.sha1])
        var environment = baseEnvironment()
        environment["UPSTOX_TOTP_SECRET"] = RFCKey.sha1

        let result = try runCommand(Self.totp, ["--counter", String(counter), "--json"], environment: environment)
        let code = expected.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == #"{"code":"\#(code)","counter":\#(counter)}"# + "\n")
    }

    @Test("secret from standard input")
    func secretFromStandardInput() throws {
        let result = try runCommand(Self.totp, ["-", "--at", "59"], input: RFCKey.sha1.lowercased() + "\n")
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == "287082\n")
        #expect(result.stderr.isEmpty, "stderr: \(result.stderr)")
    }

    @Test("secret pasted with spaces and hyphens")
    func secretPastedWithSpaces() throws {
        let pasted = "gezd gnbv-gy3t qojq gezd gnbv gy3t qojq"
        let result = try runCommand(Self.totp, ["-", "--at", "59"], input: pasted)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == "287082\n")
    }

    @Test("otpauth URI sets digits and algorithm")
    func otpauthURISetsParameters() throws {
        let uri = "otpauth://totp/Upstox%3Ame?secret=\(RFCKey.sha256)&algorithm=SHA256&digits=8&period=30&image=x=y"
        let result = try runCommand(Self.totp, ["-", "--at", "59"], input: uri)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == "46119246\n")
    }

    @Test("otpauth HOTP URI uses its counter")
    func otpauthHOTPURIUsesCounter() throws {
        let uri = "otpauth://hotp/me?secret=\(RFCKey.sha1)&counter=5"
        let result = try runCommand(Self.totp, ["-"], input: uri)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == "254676\n")
    }

    @Test("flag contradicting URI is usage error")
    func flagContradictingURI() throws {
        let uri = "otpauth://totp/me?secret=\(RFCKey.sha1)&digits=8"
        let result = try runCommand(Self.totp, ["-", "--digits", "6"], input: uri)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("digits=8"), "stderr: \(result.stderr)")
    }

    @Test("secret file and variable naming one")
    func secretFileAndVariable() throws {
        let folder = try makeTemporaryFolder("upx-e2e-totp")
        let file = folder.appendingPathComponent("totp.key")
        try "otpauth://totp/me?secret=\(RFCKey.sha1)\n".write(to: file, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)

        let byOption = try runCommand(Self.totp, ["--secret-file", file.path, "--at", "59"])
        #expect(byOption.status == 0, "stderr: \(byOption.stderr)")
        #expect(byOption.stdout == "287082\n")

        var environment = baseEnvironment()
        environment["UPSTOX_TOTP_SECRET_FILE"] = file.path
        let byVariable = try runCommand(Self.totp, ["--at", "59"], environment: environment)
        #expect(byVariable.status == 0, "stderr: \(byVariable.stderr)")
        #expect(byVariable.stdout == "287082\n")
    }

    @Test("secret file others can read is rejected")
    func openSecretFileRejected() throws {
        let folder = try makeTemporaryFolder("upx-e2e-totp")
        let file = folder.appendingPathComponent("totp.key")
        try RFCKey.sha1.write(to: file, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)

        let result = try runCommand(Self.totp, ["--secret-file", file.path, "--at", "59"])
        #expect(result.status == 3)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("upx-perm --fix"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains(RFCKey.sha1) == false)
    }

    @Test("secret from env file in working folder")
    func secretFromEnvFile() throws {
        let folder = try makeTemporaryFolder("upx-e2e-totp")
        let envFile = folder.appendingPathComponent(".env")
        try "export UPSTOX_TOTP_SECRET='\(RFCKey.sha1)'  # the RFC key\n".write(to: envFile, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: envFile.path)

        let result = try runCommand(Self.totp, ["--at", "59"], directory: folder)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == "287082\n")
    }

    @Test("secret operand works with warning")
    func secretOperandWarns() throws {
        let result = try runCommand(Self.totp, [RFCKey.sha1, "--at", "59"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == "287082\n")
        #expect(result.stderr.contains("warning: other local users can read"), "stderr: \(result.stderr)")
    }

    @Test("bad secret names character and position")
    func badSecretNamesCharacter() throws {
        let result = try runCommand(Self.totp, ["-"], input: "GEZD1GNBV")
        #expect(result.status == 3)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("'1' at position 5"), "stderr: \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "stderr: \(result.stderr)")
    }

    @Test("empty secret is error")
    func emptySecretIsError() throws {
        let result = try runCommand(Self.totp, ["-"], input: "\n")
        #expect(result.status == 3)
        #expect(result.stderr.contains("empty"), "stderr: \(result.stderr)")
    }

    @Test("short secret warns and works")
    func shortSecretWarns() throws {
        let result = try runCommand(Self.totp, ["-", "--counter", "0"], input: "JBSWY3DP")
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.count == 7)
        #expect(result.stderr.contains("40 bits"), "stderr: \(result.stderr)")
    }

    @Test("missing secret names variable")
    func missingSecretNamesVariable() throws {
        let folder = try makeTemporaryFolder("upx-e2e-totp")
        let result = try runCommand(Self.totp, [], directory: folder)
        #expect(result.status == 3)
        #expect(result.stderr.contains("UPSTOX_TOTP_SECRET"), "stderr: \(result.stderr)")
    }

    @Test("bad option values are usage errors", arguments: [
        ["--digits", "5"], ["--digits", "11"], ["--algorithm", "md5"], ["--period", "0"], ["--at", "yesterday"],
        ["--next", "--remaining"], ["--verify", "12ab56"], ["--window", "-1"],
    ])
    func badOptionValues(_ arguments: [String]) throws {
        var environment = baseEnvironment()
        environment["UPSTOX_TOTP_SECRET"] = RFCKey.sha1
        let result = try runCommand(Self.totp, arguments, environment: environment)
        #expect(result.status == 2, "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("upx-totp: "), "stderr: \(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "stderr: \(result.stderr)")
    }

    @Test("typed secret is not echoed")
    func typedSecretNotEchoed() throws {
        let command = "'\(Self.totp)' - --at 59; echo EXIT=$?; stty -a | grep -o -- '-\\?echo ' | head -n 1; echo DONE; sleep 60"
        let session = try TmuxSession(command)
        _ = try session.waitForScreen { $0.contains("not shown") }

        try session.send(RFCKey.sha1, "Enter")
        try session.send("C-d")
        let ended = try session.waitForScreen { $0.contains("DONE") }
        #expect(ended.contains("287082"), "screen: \(ended)")
        #expect(ended.contains("EXIT=0"), "screen: \(ended)")
        #expect(ended.contains(RFCKey.sha1) == false, "the secret was echoed: \(ended)")
        #expect(echoIsOn(screen: ended), "echo stayed off: \(ended)")
    }

    @Test("Ctrl-C while typing restores echo")
    func controlCRestoresEcho() throws {
        // The shell traps SIGINT so that it outlives Ctrl-C and reports how upx-totp ended.
        let command = "trap true INT; '\(Self.totp)' -; echo EXIT=$?; stty -a | grep -o -- '-\\?echo ' | head -n 1; echo DONE; sleep 60"
        let session = try TmuxSession(command)
        _ = try session.waitForScreen { $0.contains("not shown") }

        try session.send("GEZD")
        try session.send("C-c")
        let ended = try session.waitForScreen { $0.contains("DONE") }
        #expect(ended.contains("EXIT=130"), "screen: \(ended)")
        #expect(echoIsOn(screen: ended), "echo stayed off: \(ended)")
    }

    /// Reads the line that `stty -a | grep -o -- '-\?echo '` printed: `echo` or `-echo`.
    private func echoIsOn(screen: String) -> Bool {
        screen.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == "echo" }
    }
}
