// upx-perm --fix run by an ordinary user on a file that user owns but cannot read.
//
// Root reads any file, so this case exists only for other users. As root, the test runs the
// built tool as the user upx-e2e. Otherwise the tests already run as an ordinary user.

import Foundation
import Testing

@Suite("upx-perm as an ordinary user")
struct PermEndToEndTests {
    @Test("fix opens unreadable own file")
    func fixUnreadableOwnFile() throws {
        let tools = try toolsFolderForAllUsers.get()
        let folder = try makeTemporaryFolder("upx-e2e-perm")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent(".env")
        try Data("UPSTOX_PIN_CODE=123456\n".utf8).write(to: file)

        let user = try TestUser.make()
        if let user {
            let owner = try #require(getpwnam(user.name), "no passwd entry for \(user.name)")
            #expect(chown(file.path, owner.pointee.pw_uid, owner.pointee.pw_gid) == 0)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o044], ofItemAtPath: file.path)

        let environment = baseEnvironment(home: user?.home ?? NSTemporaryDirectory())
        let command = [tools.appendingPathComponent("upx-perm").path, "--fix", ".env"]
        let cat = try runAsTestUser(user, ["/bin/cat", ".env"], environment: environment, directory: folder)
        #expect(cat.status != 0, "the file should be unreadable to its owner before the fix")

        let result = try runAsTestUser(user, command, environment: environment, directory: folder)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout == "fixed .env: mode 0044 -> 0600\n")
        #expect(result.stderr.isEmpty)

        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        if let user {
            #expect(attributes[.ownerAccountName] as? String == user.name)
        }
    }

    /// Runs `command` as `user`, or as the current user when the tests already run unprivileged.
    private func runAsTestUser(
        _ user: TestUser?, _ command: [String], environment: [String: String], directory: URL
    ) throws -> CommandResult {
        if let user {
            return try user.run(command, environment: environment, directory: directory)
        }
        return try runCommand(command[0], Array(command.dropFirst()), environment: environment, directory: directory)
    }
}
