// upx-login run by an ordinary user, whose keyring quotas and possession rules differ from root's.

import Foundation
import Testing

/// Copies of the built tools in a folder every user can read, since the build folder
/// may sit below a folder that only its owner can enter.
let toolsFolderForAllUsers: Result<URL, any Error> = Result {
    let folder = try makeTemporaryFolder("upx-e2e-tools")
    for tool in ["upx-login", "upx-totp", "upx-jwt", "upx-perm"] {
        let target = folder.appendingPathComponent(tool)
        try FileManager.default.copyItem(at: builtToolsFolder.appendingPathComponent(tool), to: target)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target.path)
    }
    return folder
}

@Suite("upx-login as an ordinary user")
struct UnprivilegedLoginTests {
    @Test("login stores key for user")
    func loginStoresKeyForUser() throws {
        let keyctl = try Keyctl()
        let bash = try requireProgram("bash", package: "bash")
        let standIn = try StandIn()
        guard let user = try TestUser.make() else {
            Issue.record("this test needs root to create the ordinary user upx-e2e; run the suite as root")
            return
        }
        let tools = try toolsFolderForAllUsers.get()
        let profile = uniqueProfile("e2e-user")
        defer { try? keyctl.remove("upx:\(profile)", as: user) }

        var environment = standIn.loginEnvironment(home: user.home)
        environment["PATH"] = tools.path + ":/usr/bin:/bin"
        let script = """
            eval "$(upx-login --export --profile \(profile))" || exit 9
            printf '%s\\n' "$UPSTOX_ACCESS_TOKEN"
            """
        // keyctl session gives the user a session keyring of their own, as a login would.
        let result = try user.run([keyctl.path, "session", "-", bash, "-c", script], environment: environment, directory: tools)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(try standIn.issuedTokens() == [result.stdout.trimmingCharacters(in: .newlines)])

        let id = try #require(try keyctl.search("upx:\(profile)", as: user))
        let description = try keyctl.describe(id, as: user)
        #expect(description.hasPrefix("user;\(try userID(user.name));"))
        #expect(description.hasSuffix(";3f0b0000;upx:\(profile)"))
        #expect(try procKeysTimeout(of: id, as: user) != "perm")

        // Root's user keyring does not hold the user's key.
        #expect(try keyctl.search("upx:\(profile)") == nil)

        let requestsAfterLogin = try standIn.totalRequests()
        let again = try user.run(
            [keyctl.path, "session", "-", tools.appendingPathComponent("upx-login").path, "--print", "--profile", profile],
            environment: environment, directory: tools)
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(again.stdout == result.stdout)
        #expect(try standIn.totalRequests() == requestsAfterLogin)
    }

    private func userID(_ name: String) throws -> String {
        try runCommand("/usr/bin/id", ["-u", name]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
