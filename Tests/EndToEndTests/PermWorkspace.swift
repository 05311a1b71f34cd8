// A folder for one upx-perm end-to-end test, owned by the user who runs the built tool.

import Foundation
import Testing

/// Who runs upx-perm in an end-to-end test.
enum PermUser: String, CaseIterable, CustomTestStringConvertible {
    /// The user running the tests: root in CI.
    case testRunner = "test runner"
    /// The ordinary user upx-e2e, or the test runner when that is already an ordinary user.
    case ordinary

    var testDescription: String { rawValue }
}

/// A temporary folder with a home folder inside, both owned by the user who runs upx-perm,
/// removed when the value is released.
final class PermWorkspace {
    let folder: URL
    let home: URL
    /// The ordinary user upx-e2e, or nil when the tool runs as the test runner.
    let user: TestUser?
    let tools: URL

    init(as who: PermUser) throws {
        tools = try toolsFolderForAllUsers.get()
        user = who == .ordinary ? try TestUser.make() : nil
        folder = try makeTemporaryFolder("upx-e2e-perm")
        home = folder.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: home.path)
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Returns the path of `name` inside the folder.
    func path(_ name: String) -> String {
        folder.appendingPathComponent(name).path
    }

    /// Creates a file with a made-up credential and `mode`.
    func makeFile(_ name: String, mode: Int, text: String = "UPSTOX_PIN_CODE=482913\n") throws {
        try text.write(toFile: path(name), atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path(name))
    }

    func makeFolder(_ name: String, mode: Int) throws {
        try FileManager.default.createDirectory(atPath: path(name), withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path(name))
    }

    func mode(of name: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path(name))[.posixPermissions] as? Int
    }

    /// Gives the folder and everything in it to the user who runs upx-perm, without following links.
    func handOver() throws {
        guard let user else { return }
        let chown = try requireProgram("chown", package: "coreutils")
        let result = try runCommand(chown, ["-R", "-h", "\(user.name):\(user.name)", folder.path])
        guard result.status == 0 else { throw PermSetupFailure(reason: "chown failed: \(result.stderr)") }
    }

    /// Runs `git` in the folder as the test runner, to set up a repository before `handOver`.
    @discardableResult
    func git(_ arguments: String...) throws -> CommandResult {
        let git = try requireProgram("git", package: "git")
        let result = try runCommand(git, ["-C", folder.path] + arguments, environment: environment())
        guard result.status == 0 else { throw PermSetupFailure(reason: "git \(arguments) failed: \(result.stderr)") }
        return result
    }

    /// Returns an environment with HOME inside the folder and no system git configuration.
    func environment(path extraFolders: [String] = []) -> [String: String] {
        var environment = baseEnvironment(home: home.path)
        environment["PATH"] = (extraFolders + [tools.path, "/usr/local/bin", "/usr/bin", "/bin"]).joined(separator: ":")
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        return environment
    }

    /// Runs the built upx-perm in the folder as the workspace's user.
    func perm(_ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
        let command = [tools.appendingPathComponent("upx-perm").path] + arguments
        let environment = environment ?? self.environment()
        if let user {
            return try user.run(command, environment: environment, directory: folder)
        }
        return try runCommand(command[0], arguments, environment: environment, directory: folder)
    }
}

/// A step that prepares an upx-perm end-to-end test failed.
struct PermSetupFailure: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
