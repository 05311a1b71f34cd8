// upx-totp, upx-jwt and upx-perm through the built binaries, as a user runs them.

import Foundation
import Testing

@Suite("upx-totp, upx-jwt and upx-perm end to end")
struct ToolsEndToEndTests {
    @Test("totp matches oathtool", arguments: [0, 1_111_111_109, 1_234_567_890, 2_000_000_000])
    func totpMatchesOathtool(at unixSeconds: Int) throws {
        let oathtool = try requireProgram("oathtool", package: "oathtool")
        let totp = builtToolsFolder.appendingPathComponent("upx-totp").path
        var environment = baseEnvironment()
        environment["UPSTOX_TOTP_SECRET"] = TestAccount.totpSecret

        let ours = try runCommand(totp, ["--at", String(unixSeconds)], environment: environment)
        // oathtool takes the secret on argv; it is a made-up test value.
        let theirs = try runCommand(
            oathtool, ["--totp", "-b", "--now", "@\(unixSeconds)", TestAccount.totpSecret], environment: baseEnvironment())
        #expect(ours.status == 0, "stderr: \(ours.stderr)")
        #expect(theirs.status == 0, "stderr: \(theirs.stderr)")
        #expect(ours.stdout == theirs.stdout)
    }

    @Test("jwt reads issued token")
    func jwtReadsIssuedToken() throws {
        let keyctl = try Keyctl()
        let standIn = try StandIn()
        let profile = uniqueProfile()
        defer { try? keyctl.remove("upx:\(profile)") }
        let login = builtToolsFolder.appendingPathComponent("upx-login").path
        let jwt = builtToolsFolder.appendingPathComponent("upx-jwt").path

        let token = try runCommand(login, ["--print", "--quiet", "--profile", profile], environment: standIn.loginEnvironment())
        #expect(token.status == 0, "stderr: \(token.stderr)")
        let decoded = try runCommand(jwt, ["--json"], input: token.stdout)
        #expect(decoded.status == 0, "stderr: \(decoded.stderr)")

        let object = try JSONSerialization.jsonObject(with: Data(decoded.stdout.utf8)) as? [String: Any]
        let claims = object?["claims"] as? [String: Any]
        #expect(claims?["sub"] as? String == TestAccount.userID)
        let expiry = object?["expiry"] as? [String: Any]
        #expect(expiry?["expired"] as? Bool == false)
        #expect(decoded.stdout.contains(token.stdout.trimmingCharacters(in: .newlines)) == false)
    }

    @Test("perm finds and fixes env file")
    func permFindsAndFixesEnvFile() throws {
        let perm = builtToolsFolder.appendingPathComponent("upx-perm").path
        let folder = try makeTemporaryFolder("upx-e2e-perm")
        let envFile = folder.appendingPathComponent(".env")
        try "UPSTOX_PIN_CODE=482913\n".write(to: envFile, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: envFile.path)

        let check = try runCommand(perm, [], directory: folder)
        #expect(check.status == 1)
        #expect(check.stdout.contains(".env"))
        #expect(check.stdout.contains("0644"))

        let fix = try runCommand(perm, ["--fix"], directory: folder)
        #expect(fix.status == 0, "stderr: \(fix.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: envFile.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let again = try runCommand(perm, ["--fix"], directory: folder)
        #expect(again.status == 0)
        #expect(again.stdout.isEmpty)
    }
}
